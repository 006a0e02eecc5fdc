using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Answers;

/// <summary>Response per stakeholder group in a round.</summary>
public sealed record GroupResponseRate(long GroupId, string Slug, string Name, int Invited, int Answered);

public sealed record DashboardResponse(long StudyId, RoundSummary? Round, IReadOnlyList<GroupResponseRate> Groups, int Invited, int Answered);

/// <summary>The answer as the API returns it: pseudonymous, no identity.</summary>
public sealed record AnswerResponse(
    long Id, long RoundId, long ItemId, int Revision, double? Value, double? Low, double? High,
    IReadOnlyDictionary<string, double>? Ranks, string? Text, string? Rationale, DateTimeOffset CreatedAt)
{
    /// <summary>True when the answer is "don't know" (no value; counted apart, never in the statistics).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool DontKnow { get; init; }
    /// <summary>The self-rated expertise 1–5 given with the answer, if any.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Expertise { get; init; }

    /// <summary>Set when the answer was stored other than sent: direction or zero-width characters were removed from its free text.</summary>
    public string? Notice { get; init; }

    public static AnswerResponse From(Answer a)
    {
        var d = a.Detail;
        return new(a.Id, a.RoundId, a.ItemId, a.Revision, a.Value, d?.Low, d?.High, d?.Ranks, d?.Text, a.Rationale, a.CreatedAt)
        {
            DontKnow = d?.IsDontKnow ?? false,
            Expertise = d?.Expertise,
        };
    }
}

/// <summary>
/// The rules every answer meets before it is looked at against its item: the API runs them as an endpoint filter
/// (all problems at once), the questionnaire form through <see cref="AnswerService.SubmitAsync"/> (the first one,
/// next to its field). The item's own rules (scale, range, options) are in <see cref="AnswerService.Problem"/>.
/// </summary>
public sealed class AnswerRequestValidator : AbstractValidator<AnswerRequest>
{
    /// <summary>An argument others read: at most this many characters (about half a page; shown shortened after 600).</summary>
    public const int MaxRationaleLength = 1000;
    public const int MaxTextLength = 4000;
    public const int MaxRankedOptions = 20;

    public AnswerRequestValidator(IStringLocalizer<Texts> t)
    {
        RuleFor(a => a.ItemId).NotNull().WithMessage(_ => t["answer.error.itemRequired"]).GreaterThan(0);
        RuleFor(a => a.Rationale).MaximumLength(MaxRationaleLength).WithMessage(_ => t["answer.error.rationaleTooLong", MaxRationaleLength]);
        RuleFor(a => a.Text).MaximumLength(MaxTextLength).WithMessage(_ => t["answer.error.textTooLong", MaxTextLength]);
        RuleFor(a => a.Ranks).Count(max: MaxRankedOptions).WithMessage($"ranks: at most {MaxRankedOptions} options.");
        RuleFor(a => a.IdempotencyKey).Length(1, IdempotencyKeys.MaxLength).WithMessage(_ => t["trust.idempotencyKey.invalid"])
            .Matches(IdempotencyKeys.Pattern).WithMessage(_ => t["trust.idempotencyKey.invalid"]);
    }
}

public static class AnswerEndpoints
{
    public static IServiceCollection AddAnswers(this IServiceCollection services) =>
        services.AddSingleton<AnswerService>().AddSingleton<AuthorTerms>().AddSingleton<AnswerMetrics>().AddSingleton<ResponseRates>().AddSingleton<OrganisationResponseRates>().AddSingleton<DashboardReader>()
            // The web host also finds it by scanning the assembly; the delphi command (demo) composes Answers alone.
            .TryAddValidator<AnswerRequest, AnswerRequestValidator>();

    public static void MapAnswers(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/rounds").WithTags("Answers");

        api.MapPost("/{roundId:long}/answers", SubmitAsync)
            .RequireAuthorization(Auth.ParticipantApi)
            .Validate<AnswerRequest>().Refuses(409, 422)
            .WithSummary("Answer an item, or revise an answer, while the round is open (participant token).")
            .WithDescription("Each answer or revision is stored as a new row and committed before the 201. " +
                             "A retry with the same idempotencyKey (in the body or as the Idempotency-Key header; both must agree) " +
                             "returns the first answer with 200 and stores nothing.");

        app.MapGroup("/api/v1/studies/{studyId:long}").WithTags("Rounds").RequireAuthorization(Auth.FacilitatorApi)
            .MapGet("/dashboard", DashboardAsync).WithSummary("Response per stakeholder group in the current round.");
    }

    private static async Task<Results<Ok<DashboardResponse>, ProblemHttpResult>> DashboardAsync(
        long studyId, HttpContext context, StudyStore studies, RoundStore rounds, DashboardReader dashboard)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await dashboard.ReadAsync(studyId, LanguageSetup.IsEnglish));
    }

    private static async Task<Results<Created<AnswerResponse>, Ok<AnswerResponse>, ProblemHttpResult>> SubmitAsync(
        long roundId, AnswerRequest request, HttpContext context, AnswerService service,
        [Microsoft.AspNetCore.Mvc.FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey = null)
    {
        (request, var keyProblem) = IdempotencyKeys.Apply(idempotencyKey, request);
        if (keyProblem is not null) return keyProblem;
        var user = context.User;
        var who = new Answerer(user.ParticipantId()!.Value, user.ParticipantStudyId()!.Value,
            long.Parse(user.FindFirst(Auth.GroupIdClaim)!.Value, System.Globalization.CultureInfo.InvariantCulture));
        var result = await service.SubmitAsync(who, roundId, request);
        if (!result.Ok) return Problems.Field(result.Status, result.Field!, result.Message!);
        var body = AnswerResponse.From(result.Answer!) with
        {
            Notice = result.Stripped.Count > 0 ? string.Join(" ", result.Stripped.Select(DisplayText.StrippedNotice)) : null,
        };
        return result.Replayed
            ? TypedResults.Ok(body)
            : TypedResults.Created($"/api/v1/rounds/{roundId}/answers/{body.Id}", body);
    }
}
