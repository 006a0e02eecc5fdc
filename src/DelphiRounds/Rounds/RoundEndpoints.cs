using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Hosting;
using DelphiRounds.Live;
using DelphiRounds.Panel;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Rounds;

public sealed record CreateRoundRequest
{
    /// <summary><c>live</c>: aggregates pushed while the round is open.</summary>
    public string? Mode { get; init; }
    /// <summary>When the round is planned to close (shown to participants).</summary>
    public DateTimeOffset? ClosesAt { get; init; }
}

public sealed class CreateRoundRequestValidator : AbstractValidator<CreateRoundRequest>
{
    public CreateRoundRequestValidator()
    {
        RuleFor(r => r.Mode).Must(m => m is null || RoundModes.All.Contains(m))
            .WithMessage(r => $"mode: '{r.Mode}' is not a round mode; use one of {string.Join(", ", RoundModes.All)}.");
    }
}

/// <summary>Response per stakeholder group in a round.</summary>
public sealed record GroupResponseRate(long GroupId, string Slug, string Name, int Invited, int Answered);

public sealed record DashboardResponse(long StudyId, RoundSummary? Round, IReadOnlyList<GroupResponseRate> Groups, int Invited, int Answered);

/// <summary>Rounds, their lifecycle and their live aggregates in the JSON API.</summary>
public static class RoundEndpoints
{
    public static IServiceCollection AddRounds(this IServiceCollection services) =>
        services.AddSingleton<RoundService>();

    public static void MapRounds(this IEndpointRouteBuilder app)
    {
        var studyRounds = app.MapGroup("/api/v1/studies/{studyId:long}").WithTags("Rounds").RequireAuthorization(Auth.FacilitatorApi);
        studyRounds.MapPost("/rounds", CreateAsync).Validate<CreateRoundRequest>().WithSummary("Prepare the next round (draft).");
        studyRounds.MapGet("/rounds", ListAsync).WithSummary("The study's rounds.");
        studyRounds.MapGet("/dashboard", DashboardAsync).WithSummary("Response per stakeholder group in the current round.");

        var rounds = app.MapGroup("/api/v1/rounds/{roundId:long}").WithTags("Rounds");
        rounds.MapPost("/open", OpenAsync).RequireAuthorization(Auth.FacilitatorApi)
            .WithSummary("Open a draft round; opening the first round locks the consensus criteria.");
        rounds.MapPost("/close", CloseAsync).RequireAuthorization(Auth.FacilitatorApi).WithSummary("Close an open round.");
        rounds.MapGet("/stats", StatsAsync).RequireAuthorization(Auth.Viewer)
            .WithSummary("The current aggregates of every item (participant of the study or its facilitator).")
            .WithDescription("Stakeholder-group figures with fewer than 3 answers are left out.");
    }

    private static async Task<Results<Created<RoundSummary>, ProblemHttpResult>> CreateAsync(
        long studyId, CreateRoundRequest request, HttpContext context, StudyStore studies, RoundStore rounds)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        if ((await rounds.ListAsync(studyId)).Any(r => r.State == RoundStates.Draft))
            return Problems.Conflict("studyId", "The study already has a round in preparation; open it or change it.");
        var round = await rounds.CreateAsync(studyId, request.Mode ?? RoundModes.Live, request.ClosesAt);
        return TypedResults.Created($"/api/v1/rounds/{round.Id}", RoundSummary.From(round));
    }

    private static async Task<Results<Ok<IReadOnlyList<RoundSummary>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, RoundStore rounds)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok<IReadOnlyList<RoundSummary>>((await rounds.ListAsync(studyId)).Select(RoundSummary.From).ToList());
    }

    private static async Task<Round?> OwnedRoundAsync(long roundId, HttpContext context, StudyStore studies, RoundStore rounds) =>
        await rounds.FindAsync(roundId) is { } round
        && await studies.FindOwnedAsync(round.StudyId, context.User.FacilitatorId()!.Value) is not null ? round : null;

    private static async Task<Results<Ok<RoundSummary>, ProblemHttpResult>> OpenAsync(
        long roundId, HttpContext context, StudyStore studies, RoundStore rounds, RoundService service)
    {
        if (await OwnedRoundAsync(roundId, context, studies, rounds) is null)
            return Problems.NotFound("roundId", $"Round {roundId} does not exist or is not yours.");
        return await service.OpenAsync(roundId) switch
        {
            RoundChange.Done => TypedResults.Ok(RoundSummary.From((await rounds.FindAsync(roundId))!)),
            RoundChange.AnotherRoundOpen => Problems.Conflict("roundId", "Another round of this study is open; close it first."),
            RoundChange.NoItems => Problems.Conflict("roundId", "The study has no items yet; add items before opening a round."),
            _ => Problems.Conflict("roundId", "Only a round in preparation (draft) can be opened."),
        };
    }

    private static async Task<Results<Ok<RoundSummary>, ProblemHttpResult>> CloseAsync(
        long roundId, HttpContext context, StudyStore studies, RoundStore rounds, RoundService service)
    {
        if (await OwnedRoundAsync(roundId, context, studies, rounds) is null)
            return Problems.NotFound("roundId", $"Round {roundId} does not exist or is not yours.");
        return await service.CloseAsync(roundId) switch
        {
            RoundChange.Done => TypedResults.Ok(RoundSummary.From((await rounds.FindAsync(roundId))!)),
            _ => Problems.Conflict("roundId", "Only an open round can be closed."),
        };
    }

    private static async Task<Results<Ok<RoundStats>, ProblemHttpResult>> StatsAsync(
        long roundId, HttpContext context, LiveAccess access, LiveAggregates live)
    {
        var (round, viewer) = await access.CheckAsync(context.User, roundId);
        if (round is null || viewer == LiveAccess.Viewer.None)
            return Problems.NotFound("roundId", $"Round {roundId} does not exist or is not one you can see.");
        var items = await live.SnapshotAsync(roundId) ?? [];
        return TypedResults.Ok(new RoundStats(round.Id, round.State, round.Mode, items));
    }

    private static async Task<Results<Ok<DashboardResponse>, ProblemHttpResult>> DashboardAsync(
        long studyId, HttpContext context, StudyStore studies, RoundStore rounds, DashboardReader dashboard)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await dashboard.ReadAsync(studyId, LanguageSetup.IsEnglish));
    }
}

/// <summary>Response rates per stakeholder group for the dashboard (API and page).</summary>
public sealed class DashboardReader(StudyStore studies, RoundStore rounds, ParticipantStore participants, AnswerStore answers)
{
    public async Task<DashboardResponse> ReadAsync(long studyId, bool english)
    {
        var round = await rounds.CurrentAsync(studyId);
        var invited = await participants.CountByGroupAsync(studyId);
        var answered = round is null ? new Dictionary<long, int>() : await answers.RespondentsByGroupAsync(round.Id);
        var groups = (await studies.GroupsAsync(studyId)).Select(g => new GroupResponseRate(
            g.Id, g.Slug, g.Name(english), invited.GetValueOrDefault(g.Id), answered.GetValueOrDefault(g.Id))).ToList();
        return new DashboardResponse(studyId, round is null ? null : RoundSummary.From(round), groups,
            groups.Sum(g => g.Invited), groups.Sum(g => g.Answered));
    }
}
