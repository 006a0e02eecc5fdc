using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Live;

/// <summary>The live figures in the JSON API: a round's current aggregates, as its viewer may see them.</summary>
public static class LiveEndpoints
{
    public static void MapLiveStats(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/rounds/{roundId:long}").WithTags("Rounds").MapGet("/stats", StatsAsync).RequireAuthorization(Auth.Viewer)
            .WithSummary("The current aggregates of every item (participant of the study or its facilitator).")
            .WithDescription("Stakeholder-group figures with fewer than 3 answers are left out. Participants see what the round's mode allows: " +
                             "live: every item; classic: none until the round closes; blind: the items they have answered.");
    }

    private static async Task<Results<Ok<RoundStats>, ProblemHttpResult>> StatsAsync(
        long roundId, HttpContext context, LiveAccess access, LiveAggregates live, Studies.StudyStore studies)
    {
        var (round, viewer) = await access.CheckAsync(context.User, roundId);
        if (round is null || viewer == LiveAccess.Viewer.None)
            return Problems.NotFound("roundId", $"Round {roundId} does not exist or is not one you can see.");
        var items = await access.VisibleAsync(context.User, round, viewer, await live.SnapshotAsync(roundId, round.State == RoundStates.Closed) ?? []);
        // Verdicts are the facilitator's: participants see the panel's figures, not the stopping rule's working.
        var verdicts = viewer == LiveAccess.Viewer.Facilitator && context.RequestServices.GetService<IItemVerdicts>() is { } judged
            ? await judged.UpToRoundAsync(round.StudyId, round.Number) : null;
        // The reasons in people's words, in the request's language; the terse form stays for machines as criteriaReasons.
        // While the round is open the facilitator also gets the verdicts of the live push (on the released figures only), so
        // a facilitator who reconnects sees them at once, not from the next push; both come from one judgement.
        IReadOnlyList<ItemVerdict>? liveVerdicts = null;
        if (context.RequestServices.GetService<IReasonWords>() is { } words)
        {
            var worded = await words.ForRoundAsync(round, items, LanguageSetup.IsEnglish,
                withLiveVerdicts: viewer == LiveAccess.Viewer.Facilitator && round.State == RoundStates.Open);
            items = items.Select(i => i.Consensus is { } c && worded.Words.TryGetValue(i.ItemId, out var lines)
                ? i with { Consensus = c with { Reasons = lines }, CriteriaReasons = c.Reasons } : i).ToList();
            liveVerdicts = worded.LiveVerdicts;
        }
        var unit = (await studies.FindAsync(round.StudyId))?.Rules.UnitName ?? "person";
        return TypedResults.Ok(new RoundStats(round.Id, round.State, round.Mode, items, verdicts, unit, liveVerdicts));
    }
}
