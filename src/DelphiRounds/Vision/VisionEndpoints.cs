using System.Text.Json.Nodes;
using DelphiRounds.Accounts;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Vision;

/// <summary>A statement of a draft as written by the facilitator.</summary>
public sealed record StatementRequest
{
    /// <summary>The statement (Markdown).</summary>
    public string? Text { get; init; }
    /// <summary>The items it rests on.</summary>
    public List<long>? ItemIds { get; init; }
}

/// <summary>A new version of the vision.</summary>
public sealed record DraftRequest
{
    public string? Title { get; init; }
    /// <summary>Introduction (Markdown).</summary>
    public string? Preamble { get; init; }
    public List<StatementRequest>? Statements { get; init; }
    /// <summary>What changed since the previous version and why (required from version 2 on).</summary>
    public string? ChangeNote { get; init; }
}

/// <summary>A participant's review of one statement.</summary>
public sealed record ReviewAnswerRequest
{
    public long? StatementId { get; init; }
    /// <summary><c>agree</c>, <c>live-with</c> (can live with it) or <c>object</c>.</summary>
    public string? Position { get; init; }
    /// <summary>Why; required with <c>object</c>.</summary>
    public string? Reason { get; init; }
}

public sealed class StatementRequestValidator : AbstractValidator<StatementRequest>
{
    public StatementRequestValidator()
    {
        RuleFor(s => s.Text).NotEmpty().MaximumLength(VisionLimits.StatementLength);
        RuleFor(s => s.ItemIds).Count(max: 50).WithMessage("itemIds: link at most 50 items to one statement.");
    }
}

public sealed class DraftRequestValidator : AbstractValidator<DraftRequest>
{
    public DraftRequestValidator()
    {
        RuleFor(d => d.Title).NotEmpty().MaximumLength(200);
        RuleFor(d => d.Preamble).MaximumLength(VisionLimits.PreambleLength);
        RuleFor(d => d.Statements).NotEmpty().WithMessage("statements: a vision needs at least one statement.")
            .Count(max: VisionLimits.Statements).WithMessage($"statements: at most {VisionLimits.Statements} statements.");
        RuleForEach(d => d.Statements).NotNull().WithMessage("statements: a statement cannot be null; give its text.")
            .SetValidator(new StatementRequestValidator());
        RuleFor(d => d.ChangeNote).MaximumLength(2000);
    }
}

public sealed class ReviewAnswerRequestValidator : DocumentedValidator<ReviewAnswerRequest>
{
    public ReviewAnswerRequestValidator()
    {
        RuleFor(a => a.StatementId).NotNull();
        RuleFor(a => a.Position).NotNull().WithMessage(a => $"position: '{a.Position}' is not a review position; use one of {string.Join(", ", ReviewPositions.All)}.")
            .OneOf(ReviewPositions.All).WithMessage(a => $"position: '{a.Position}' is not a review position; use one of {string.Join(", ", ReviewPositions.All)}.");
        When($"position is {ReviewPositions.Object}", a => a.Position == ReviewPositions.Object, () =>
            RuleFor(a => a.Reason).NotEmpty().WithMessage("reason: say why you object, so the facilitator can revise the statement."));
        RuleFor(a => a.Reason).MaximumLength(VisionLimits.ReasonLength);
    }
}

/// <summary>Sizes of the vision's texts.</summary>
public static class VisionLimits
{
    public const int PreambleLength = 20_000;
    public const int StatementLength = 4_000;
    public const int ReasonLength = 2_000;
    public const int Statements = 50;
}

public sealed record LinkedItemResponse(long ItemId, int Position, string Text, int? LastRound, string? Verdict, JsonObject? Statistics)
{
    public static LinkedItemResponse From(LinkedItem i, bool english) => new(i.ItemId, i.Position, i.Text.For(english), i.LastRound, i.Verdict, i.Statistics);
}

public sealed record StatementResponse(long Id, int Number, string Text, IReadOnlyList<LinkedItemResponse> Items, ReviewTally? Review);

public sealed record ReviewState(DateTimeOffset OpenedAt, DateTimeOffset? ClosedAt, bool Open);

public sealed record DraftResponse(int Version, string Title, string Preamble, string? ChangeNote, DateTimeOffset CreatedAt,
    ReviewState? Review, int Reviewers, IReadOnlyList<StatementResponse> Statements)
{
    public static DraftResponse From(DraftView v, bool english, bool withTallies = true) => new(
        v.Draft.Version, v.Draft.Title, v.Draft.Preamble, v.Draft.ChangeNote, v.Draft.CreatedAt,
        v.Review is { } r ? new ReviewState(r.OpenedAt, r.ClosedAt, r.IsOpen) : null, withTallies ? v.Reviewers : 0,
        v.Statements.Select(s => new StatementResponse(s.Id, s.Number, s.Text, s.Items.Select(i => LinkedItemResponse.From(i, english)).ToList(),
            withTallies ? s.Review : null)).ToList());
}

public sealed record DraftSummary(int Version, string Title, string? ChangeNote, DateTimeOffset CreatedAt);

public sealed record FrozenResponse(int Version, string Sha256, DateTimeOffset FrozenAt, string DocumentUrl, string VerifyUrl, string LedgerUrl);

public sealed record VisionResponse(long StudyId, FrozenResponse? Frozen, IReadOnlyList<DraftSummary> Drafts, DraftResponse? Latest);

/// <summary>A participant's view of the draft under review, with their own current answers.</summary>
public sealed record ParticipantReviewResponse(long StudyId, DraftResponse Draft, IReadOnlyList<ReviewAnswerResponse> Mine);

public sealed record ReviewAnswerResponse(long StatementId, string Position, string? Reason, int Revision, DateTimeOffset CreatedAt);

/// <summary>The joint vision in the JSON API: drafts (facilitator), the review (participants), freezing, the frozen document (public).</summary>
public static class VisionEndpoints
{
    /// <summary>The vision's services. Also what the <c>delphi</c> tool needs to seed the demo, so it brings the
    /// convergence services and the texts along when the host has not registered them.</summary>
    public static IServiceCollection AddVision(this IServiceCollection services)
    {
        services.TryAddSingleton<Convergence.ConvergenceStore>();
        services.TryAddSingleton<Convergence.ConvergenceService>();
        services.TryAddSingleton<IStringLocalizerFactory, JsonStringLocalizerFactory>();
        services.TryAddSingleton(typeof(IStringLocalizer<>), typeof(StringLocalizer<>));
        return services.AddSingleton<VisionStore>().AddSingleton<VisionService>().AddSingleton<VisionReviewService>()
            .AddSingleton<Rounds.IStudyConclusion, VisionConclusion>();
    }

    public static void MapVision(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/vision").WithTags("Vision").RequireAuthorization(Auth.FacilitatorApi);
        api.MapGet("/", GetAsync).WithSummary("The vision: every version, the latest with its statements, linked items and review, and the frozen document.");
        api.MapPost("/drafts", SaveDraftAsync).Validate<DraftRequest>().Refuses(409)
            .WithSummary("Save a new version of the vision: Markdown text, statements each linked to the items it rests on.");
        api.MapGet("/drafts/{version:int}", GetDraftAsync).WithSummary("One version with its statements, their items' final figures and its review results.");
        api.MapPost("/review/open", OpenReviewAsync).Refuses(409).WithSummary("Open the panel's review of the latest version (once per version).");
        api.MapPost("/review/close", CloseReviewAsync).Refuses(409).WithSummary("Close the open review.");
        api.MapPost("/freeze", FreezeAsync).Refuses(409)
            .WithSummary("Freeze the latest version into the canonical document (text, linked statistics, locked criteria) and its SHA-256.");

        app.MapGet("/api/v1/studies/{studyId:long}/vision/document", DocumentAsync).WithTags("Vision").AllowAnonymous()
            .WithSummary("The frozen vision as canonical JSON (RFC 8785); its SHA-256 is in the ETag and the X-Content-SHA256 header.");

        var participant = app.MapGroup("/api/v1/vision/review").WithTags("Vision").RequireAuthorization(Auth.ParticipantApi);
        participant.MapGet("/", ParticipantReviewAsync).Refuses(404).WithSummary("The version of the vision under review, with your answers (participant token).");
        participant.MapPost("/answers", AnswerAsync).Validate<ReviewAnswerRequest>().Refuses(404, 409)
            .WithSummary("Review one statement: agree, live-with (can live with it) or object (with a reason).");
    }

    private static ProblemHttpResult NoStudy(long studyId) => Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");

    private static async Task<Results<Ok<VisionResponse>, ProblemHttpResult>> GetAsync(
        long studyId, HttpContext context, StudyStore studies, VisionStore store, VisionService vision, SiteUrls site)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        var drafts = await store.DraftsAsync(studyId);
        var latest = drafts.Count == 0 ? null : DraftResponse.From(await vision.DescribeAsync(drafts[^1]), LanguageSetup.IsEnglish);
        return TypedResults.Ok(new VisionResponse(studyId, await FrozenAsync(studyId, store, site.BaseUrl(context.Request)),
            drafts.Select(d => new DraftSummary(d.Version, d.Title, d.ChangeNote, d.CreatedAt)).ToList(), latest));
    }

    internal static async Task<FrozenResponse?> FrozenAsync(long studyId, VisionStore store, string baseUrl)
    {
        if (await store.DocumentAsync(studyId) is not { } doc) return null;
        var draft = (await store.DraftByIdAsync(doc.DraftId))!;
        return new FrozenResponse(draft.Version, doc.DocumentHash, doc.FrozenAt, $"{baseUrl}/api/v1/studies/{studyId}/vision/document",
            $"{baseUrl}/verify/{studyId}", $"{baseUrl}/api/v1/studies/{studyId}/ledger");
    }

    private static async Task<Results<Created<DraftResponse>, ProblemHttpResult>> SaveDraftAsync(
        long studyId, DraftRequest request, HttpContext context, StudyStore studies, ItemStore items, VisionStore store, VisionService vision)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        var known = (await items.ListAsync(studyId)).Select(i => i.Id).ToHashSet();
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < request.Statements!.Count; i++)
        {
            var unknown = (request.Statements[i].ItemIds ?? []).Where(id => !known.Contains(id)).ToList();
            if (unknown.Count > 0) errors[$"statements[{i}].itemIds"] = [$"Item {string.Join(", ", unknown)} is not an item of this study."];
        }
        if (errors.Count > 0) return Problems.Fields(errors);
        if (await store.LatestDraftAsync(studyId) is not null && string.IsNullOrWhiteSpace(request.ChangeNote))
            return Problems.BadRequest("changeNote", "Say what changed since the previous version and why; it is kept in the draft history.");
        var (change, draft) = await store.SaveDraftAsync(studyId, request.Title!.Trim(), request.Preamble?.Trim() ?? "",
            request.Statements.Select(s => (s.Text!.Trim(), (IReadOnlyList<long>)(s.ItemIds ?? []))).ToList(),
            string.IsNullOrWhiteSpace(request.ChangeNote) ? null : request.ChangeNote.Trim());
        if (change == VisionChange.Frozen) return Problems.Conflict("studyId", "The vision is frozen; it cannot change any more.");
        return TypedResults.Created($"/api/v1/studies/{studyId}/vision/drafts/{draft!.Version}",
            DraftResponse.From(await vision.DescribeAsync(draft), LanguageSetup.IsEnglish));
    }

    private static async Task<Results<Ok<DraftResponse>, ProblemHttpResult>> GetDraftAsync(
        long studyId, int version, HttpContext context, StudyStore studies, VisionStore store, VisionService vision)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        var draft = await store.DraftAsync(studyId, version);
        return draft is null
            ? Problems.NotFound("version", $"The vision has no version {version}.")
            : TypedResults.Ok(DraftResponse.From(await vision.DescribeAsync(draft), LanguageSetup.IsEnglish));
    }

    private static async Task<Results<Ok<DraftResponse>, ProblemHttpResult>> OpenReviewAsync(
        long studyId, HttpContext context, StudyStore studies, VisionStore store, VisionService vision)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        var (change, draft) = await store.OpenReviewAsync(studyId);
        return change switch
        {
            VisionChange.Done => TypedResults.Ok(DraftResponse.From(await vision.DescribeAsync(draft!), LanguageSetup.IsEnglish)),
            VisionChange.Frozen => Problems.Conflict("studyId", "The vision is frozen; there is nothing left to review."),
            VisionChange.NoDraft => Problems.Conflict("studyId", "There is no draft to review yet; save a version first."),
            VisionChange.ReviewAlreadyOpen => Problems.Conflict("version", $"The review of version {draft!.Version} is already open."),
            _ => Problems.Conflict("version", $"Version {draft!.Version} was already reviewed; save a revised version to review again."),
        };
    }

    private static async Task<Results<Ok<DraftResponse>, ProblemHttpResult>> CloseReviewAsync(
        long studyId, HttpContext context, StudyStore studies, VisionStore store, VisionService vision)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        var (change, draft) = await store.CloseReviewAsync(studyId);
        return change == VisionChange.Done
            ? TypedResults.Ok(DraftResponse.From(await vision.DescribeAsync(draft!), LanguageSetup.IsEnglish))
            : Problems.Conflict("studyId", "No review is open.");
    }

    private static async Task<Results<Created<FrozenResponse>, ProblemHttpResult>> FreezeAsync(
        long studyId, HttpContext context, StudyStore studies, VisionStore store, VisionService vision, SiteUrls site)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        var (blocker, _) = await vision.FreezeAsync(studyId);
        if (blocker != FreezeBlocker.None) return Problems.Conflict("studyId", FreezeMessage(blocker));
        var frozen = (await FrozenAsync(studyId, store, site.BaseUrl(context.Request)))!;
        return TypedResults.Created(frozen.DocumentUrl, frozen);
    }

    internal static string FreezeMessage(FreezeBlocker blocker) => blocker switch
    {
        FreezeBlocker.AlreadyFrozen => "The vision is already frozen.",
        FreezeBlocker.NoDraft => "There is no draft yet; write the vision first.",
        FreezeBlocker.NoStatements => "The latest version has no statements.",
        FreezeBlocker.CriteriaNotLocked => "The consensus criteria are not locked yet: the vision rests on finished rounds, so run round 1 first.",
        FreezeBlocker.RoundOpen => "A round is still open; close it first so the statistics in the vision are final.",
        _ => "The vision cannot be frozen now.",
    };

    private static async Task<IResult> DocumentAsync(long studyId, VisionStore store)
    {
        if (await store.DocumentAsync(studyId) is not { } doc)
            return Problems.NotFound("studyId", $"Study {studyId} has no frozen vision.");
        return new CanonicalDocumentResult(doc.CanonicalJson, doc.DocumentHash);
    }

    private static async Task<Results<Ok<ParticipantReviewResponse>, ProblemHttpResult>> ParticipantReviewAsync(HttpContext context, VisionReviewService review)
    {
        var (studyId, participantId) = (context.User.ParticipantStudyId()!.Value, context.User.ParticipantId()!.Value);
        var open = await review.OpenForAsync(studyId, participantId);
        if (open is null) return Problems.NotFound("review", "No version of the vision is under review now.");
        return TypedResults.Ok(new ParticipantReviewResponse(studyId, DraftResponse.From(open.Draft, LanguageSetup.IsEnglish, withTallies: false),
            open.Mine.Values.Select(a => new ReviewAnswerResponse(a.StatementId, a.Position, a.Reason, a.Revision, a.CreatedAt)).ToList()));
    }

    private static async Task<Results<Created<ReviewAnswerResponse>, ProblemHttpResult>> AnswerAsync(
        ReviewAnswerRequest request, HttpContext context, VisionReviewService review)
    {
        var (studyId, participantId) = (context.User.ParticipantStudyId()!.Value, context.User.ParticipantId()!.Value);
        var result = await review.SubmitAsync(studyId, participantId, [(request.StatementId!.Value, request.Position!, request.Reason)]);
        if (result.Problem is { } problem) return Problems.Field(result.Status, problem.Field, problem.Message);
        var mine = result.Mine![request.StatementId!.Value];
        return TypedResults.Created($"/api/v1/vision/review", new ReviewAnswerResponse(mine.StatementId, mine.Position, mine.Reason, mine.Revision, mine.CreatedAt));
    }
}

/// <summary>Writes the canonical document byte for byte, so its SHA-256 is the published one.</summary>
internal sealed class CanonicalDocumentResult(string canonical, string hash) : IResult
{
    public Task ExecuteAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.ETag = $"\"{hash}\"";
        context.Response.Headers["X-Content-SHA256"] = hash;
        return context.Response.WriteAsync(canonical, System.Text.Encoding.UTF8);
    }
}
