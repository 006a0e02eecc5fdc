using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Rounds;

public sealed record CreateRoundRequest
{
    /// <summary><c>rating</c> (default): the next numbered round; <c>ideas</c>: round 0 with open questions (only as the first round).</summary>
    public string? Kind { get; init; }
    /// <summary><c>classic</c> (aggregates after the round closes), <c>live</c> (pushed while open, default) or <c>blind</c> (blind, then reveal).</summary>
    public string? Mode { get; init; }
    /// <summary>When the round is planned to close (shown to participants).</summary>
    public DateTimeOffset? ClosesAt { get; init; }
}

public sealed class CreateRoundRequestValidator : AbstractValidator<CreateRoundRequest>
{
    public CreateRoundRequestValidator()
    {
        RuleFor(r => r.Kind).OneOf([RoundKinds.Rating, RoundKinds.Ideas])
            .WithMessage(r => $"kind: '{r.Kind}' is not a round kind; use rating or ideas.");
        RuleFor(r => r.Mode).OneOf(RoundModes.All)
            .WithMessage(r => $"mode: '{r.Mode}' is not a round mode; use one of {string.Join(", ", RoundModes.All)}.");
    }
}

/// <summary>Rounds, their lifecycle and their live aggregates in the JSON API.</summary>
public static class RoundEndpoints
{
    public static IServiceCollection AddRounds(this IServiceCollection services) =>
        services.AddSingleton<RoundService>();

    public static void MapRounds(this IEndpointRouteBuilder app)
    {
        var studyRounds = app.MapGroup("/api/v1/studies/{studyId:long}").WithTags("Rounds").RequireAuthorization(Auth.FacilitatorApi);
        studyRounds.MapPost("/rounds", CreateAsync).Validate<CreateRoundRequest>().Refuses(409).WithSummary("Prepare the next round (draft).");
        studyRounds.MapGet("/rounds", ListAsync).WithSummary("The study's rounds.");

        var rounds = app.MapGroup("/api/v1/rounds/{roundId:long}").WithTags("Rounds");
        rounds.MapPost("/open", OpenAsync).RequireAuthorization(Auth.FacilitatorApi).Refuses(409)
            .WithSummary("Open a draft round; opening the first round locks the consensus criteria.");
        rounds.MapPost("/close", CloseAsync).RequireAuthorization(Auth.FacilitatorApi).Refuses(409).WithSummary("Close an open round.");
    }

    private static async Task<Results<Created<RoundSummary>, ProblemHttpResult>> CreateAsync(
        long studyId, CreateRoundRequest request, HttpContext context, StudyStore studies, RoundService service)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var result = await service.PrepareAsync(study, request.Kind ?? RoundKinds.Rating, request.Mode ?? RoundModes.Live, request.ClosesAt);
        return result.Round is { } round
            ? TypedResults.Created($"/api/v1/rounds/{round.Id}", round.Summary())
            : Problems.Field(409, result.Field!, result.Message!);
    }

    private static async Task<Results<Ok<IReadOnlyList<RoundSummary>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, RoundStore rounds)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok<IReadOnlyList<RoundSummary>>((await rounds.ListAsync(studyId)).Select(r => r.Summary()).ToList());
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
            RoundChange.Done => TypedResults.Ok((await rounds.FindAsync(roundId))!.Summary()),
            RoundChange.AnotherRoundOpen => Problems.Conflict("roundId", "Another round of this study is open; close it first."),
            RoundChange.NoItems => Problems.Conflict("roundId", "The round would ask nothing: add items (round 0: open questions) first."),
            RoundChange.RoundLimit => Problems.Conflict("roundId", "The study's consensus criteria allow no more rounds."),
            RoundChange.Concluded => Problems.Conflict("roundId", "The study's vision is frozen; no round can be opened after it."),
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
            RoundChange.Done => TypedResults.Ok((await rounds.FindAsync(roundId))!.Summary()),
            _ => Problems.Conflict("roundId", "Only an open round can be closed."),
        };
    }
}
