using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Live;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Arguments;

/// <summary>An argument as the API shows it: no pseudonym, no group.</summary>
/// <summary>
/// An argument as listed. <c>warning</c>, for the facilitator only: what the author was warned about and published
/// anyway (<c>name</c>, <c>email</c>, <c>group</c>, comma-separated), so it can be checked and hidden; null for participants.
/// </summary>
public sealed record ArgumentResponse(long AnswerId, long ItemId, double? Value, string Rationale, int Convincing, bool MarkedByMe, string? HiddenReason, string? Warning = null);

public sealed record HideArgumentRequest
{
    /// <summary>Why the argument is hidden from the panel (kept for the record).</summary>
    public string? Reason { get; init; }
}

public sealed class HideArgumentRequestValidator : AbstractValidator<HideArgumentRequest>
{
    public HideArgumentRequestValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

/// <summary>Arguments in the JSON API: read (as the round's mode allows), mark as convincing, moderate.</summary>
public static class ArgumentEndpoints
{
    public static IServiceCollection AddArguments(this IServiceCollection services) => services.AddSingleton<ArgumentStore>();

    public static void MapArguments(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/rounds/{roundId:long}/arguments", ListAsync).WithTags("Arguments").RequireAuthorization(Auth.Viewer)
            .WithSummary("The round's arguments (rationales), anonymised, with convincing counts; participants see what the mode allows.");
        app.MapPost("/api/v1/arguments/{answerId:long}/convincing", MarkAsync).Refuses(409).WithTags("Arguments").RequireAuthorization(Auth.ParticipantApi)
            .WithSummary("Mark another participant's argument as convincing, or take the mark back.");
        app.MapPost("/api/v1/arguments/{answerId:long}/hide", HideAsync).WithTags("Arguments").RequireAuthorization(Auth.FacilitatorApi)
            .Validate<HideArgumentRequest>().WithSummary("Hide an argument from the panel with a reason (the answer stays).");
    }

    private static async Task<Results<Ok<IReadOnlyList<ArgumentResponse>>, ProblemHttpResult>> ListAsync(
        long roundId, HttpContext context, LiveAccess access, ArgumentStore arguments)
    {
        var (round, viewer) = await access.CheckAsync(context.User, roundId);
        if (round is null || viewer == LiveAccess.Viewer.None)
            return Problems.NotFound("roundId", $"Round {roundId} does not exist or is not one you can see.");
        var participant = viewer == LiveAccess.Viewer.Participant ? context.User.ParticipantId() : null;
        var all = await arguments.ForRoundAsync(roundId, participant, includeHidden: viewer == LiveAccess.Viewer.Facilitator);
        if (participant is { } pid)
        {
            var maySee = await access.ParticipantMaySeeAsync(round, pid);
            all = all.Where(a => maySee(a.ItemId)).ToList();
        }
        // While the round is open an argument appears as soon as it is given; with its value it would be one
        // person's answer beside the threshold-released figures (docs/privacy.md). The value follows at the close.
        var withValue = participant is null || !round.IsOpen;
        return TypedResults.Ok<IReadOnlyList<ArgumentResponse>>(all.Select(a =>
            new ArgumentResponse(a.AnswerId, a.ItemId, withValue ? a.Value : null, a.Rationale, a.Convincing, a.MarkedByMe, a.HiddenReason,
                participant is null ? a.RationaleWarning : null)).ToList());
    }

    private static async Task<Results<Ok<bool>, ProblemHttpResult>> MarkAsync(long answerId, HttpContext context, ArgumentStore arguments)
    {
        var participantId = context.User.ParticipantId()!.Value;
        var owner = await arguments.OwnerAsync(answerId);
        if (owner is not { } o || o.StudyId != context.User.ParticipantStudyId())
            return Problems.NotFound("answerId", $"There is no argument {answerId} in your study.");
        if (o.ParticipantId == participantId)
            return Problems.Conflict("answerId", "You cannot mark your own argument as convincing.");
        return TypedResults.Ok(await arguments.ToggleMarkAsync(answerId, participantId));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> HideAsync(
        long answerId, HideArgumentRequest request, HttpContext context, ArgumentStore arguments, StudyStore studies)
    {
        var owner = await arguments.OwnerAsync(answerId);
        if (owner is not { } o || await studies.FindOwnedAsync(o.StudyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("answerId", $"There is no argument {answerId} in your studies.");
        await arguments.HideAsync(answerId, request.Reason!.Trim());
        return TypedResults.NoContent();
    }
}
