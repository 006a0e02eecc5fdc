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

/// <summary>The facilitator's decisions when freezing (issue 18): both optional, each with a written reason.</summary>
public sealed record FreezeRequest
{
    /// <summary>Why the vision is frozen although organisations of the panel object (required when they do; at least 20 characters). It goes into the frozen document.</summary>
    public string? OverrideReason { get; init; }
    /// <summary>Statements that rest on an item without consensus but stay in the vision, each with the reason (else they move to the open questions chapter).</summary>
    public List<KeepRequest>? Keep { get; init; }
}

/// <summary>A statement kept in the vision at the freeze.</summary>
public sealed record KeepRequest
{
    /// <summary>The statement's number in the latest version.</summary>
    public int? Statement { get; init; }
    /// <summary>Why it stays although an item it rests on has no consensus (at least 20 characters).</summary>
    public string? Reason { get; init; }
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

public sealed record FrozenResponse(int Version, string Sha256, DateTimeOffset FrozenAt, string DocumentUrl, string VerifyUrl, string LedgerUrl)
{
    /// <summary>Statements moved to the open questions chapter (an item they rest on has no consensus).</summary>
    public IReadOnlyList<int> OpenQuestions { get; init; } = [];
    /// <summary>Statements kept in the vision with a reason although an item they rest on has no consensus.</summary>
    public IReadOnlyList<int> Kept { get; init; } = [];
    /// <summary>The recorded override of organisations' objections, or null.</summary>
    public ObjectionOverride? ObjectionOverride { get; init; }
}

/// <summary>What freezing the latest version would have to decide about now (issue 18).</summary>
/// <param name="ObjectingOrganisations">Organisations whose review objects to statements of that version: they block the freeze unless overridden with a reason.</param>
/// <param name="WithoutConsensus">Statements resting on items without consensus (and those items): they move to the open questions unless kept with a reason.</param>
public sealed record FreezeCheckResponse(IReadOnlyList<ObjectingOrganisation> ObjectingOrganisations, IReadOnlyList<UnsettledStatementResponse> WithoutConsensus);

public sealed record UnsettledStatementResponse(int Statement, IReadOnlyList<long> ItemIds);

public sealed record VisionResponse(long StudyId, FrozenResponse? Frozen, IReadOnlyList<DraftSummary> Drafts, DraftResponse? Latest)
{
    /// <summary>What freezing the latest version would have to decide about (null once frozen or without a draft).</summary>
    public FreezeCheckResponse? FreezeCheck { get; init; }
}

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
        api.MapPost("/freeze", FreezeAsync).Accepts<FreezeRequest>("application/json").Refuses(400, 409)
            .WithSummary("Freeze the latest version into the canonical document (text, linked statistics, locked criteria) and its SHA-256.")
            .WithDescription("An open objection of an organisation of the panel refuses the freeze (409 naming the organisations) unless `overrideReason` "
                + "says why it goes ahead; a statement resting on an item without consensus moves to the open questions chapter unless `keep` lists it "
                + "with a reason. The override and the reasons are part of the hashed document, so the ledger (which carries it) records them. The body is optional.");

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
        var frozen = await FrozenAsync(studyId, store, site.BaseUrl(context.Request));
        FreezeCheckResponse? check = null;
        // After a closed reflection round (issue 21) the next version is checked as the first was.
        if ((frozen is null || await store.ReopenedAsync(studyId)) && drafts.Count > 0)
        {
            var c = await vision.CheckAsync(studyId);
            check = new FreezeCheckResponse(c.Objections, c.WithoutConsensus.Select(u => new UnsettledStatementResponse(u.Number, u.Items.Select(i => i.ItemId).ToList())).ToList());
        }
        return TypedResults.Ok(new VisionResponse(studyId, frozen,
            drafts.Select(d => new DraftSummary(d.Version, d.Title, d.ChangeNote, d.CreatedAt)).ToList(), latest) { FreezeCheck = check });
    }

    internal static async Task<FrozenResponse?> FrozenAsync(long studyId, VisionStore store, string baseUrl)
    {
        if (await store.DocumentAsync(studyId) is not { } doc) return null;
        var draft = (await store.DraftByIdAsync(doc.DraftId))!;
        var frozen = FrozenVision.Parse(doc.CanonicalJson, doc.DocumentHash);
        return new FrozenResponse(draft.Version, doc.DocumentHash, doc.FrozenAt, $"{baseUrl}/api/v1/studies/{studyId}/vision/document",
            $"{baseUrl}/verify/{studyId}", $"{baseUrl}/api/v1/studies/{studyId}/ledger")
        {
            OpenQuestions = frozen.OpenQuestions.Select(q => q.Statement.Number).ToList(),
            Kept = frozen.Kept.Select(k => k.Statement).ToList(),
            ObjectionOverride = frozen.Override,
        };
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
        // The body is optional: a freeze without decisions needs none.
        FreezeRequest? request = null;
        if (context.Request.ContentLength is > 0 || context.Request.ContentType is not null || context.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                request = await context.Request.ReadFromJsonAsync<FreezeRequest>(context.RequestAborted);
                if (request is null) return Problems.BadRequest("body", "The body is a JSON object with the decisions, or leave it out.");
            }
            catch (System.Text.Json.JsonException e)
            {
                // Name the field the JSON went wrong at ($.keep → keep), else the body.
                var field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
                return Problems.BadRequest(field, "The body is not JSON like {\"overrideReason\": \"…\", \"keep\": [{\"statement\": 2, \"reason\": \"…\"}]}.");
            }
            catch (InvalidOperationException) { return Problems.Field(415, "Content-Type", "Send the decisions as application/json."); }
        }
        var keep = new Dictionary<int, string>();
        foreach (var (k, i) in (request?.Keep ?? []).Select((k, i) => (k, i)))
        {
            if (k?.Statement is not { } number) return Problems.BadRequest($"keep[{i}].statement", "Give the number of the statement to keep.");
            if (!keep.TryAdd(number, k.Reason ?? "")) return Problems.BadRequest($"keep[{i}].statement", $"Statement {number} is listed twice.");
        }
        var outcome = await vision.FreezeAsync(studyId, new FreezeDecisions(request?.OverrideReason, keep));
        if (outcome.Blocker != FreezeBlocker.None) return Problems.Conflict("studyId", FreezeMessage(outcome.Blocker));
        if (outcome.Refusal is { } refusal) return Problems.Field(refusal.Status, refusal.Field, RefusalMessage(refusal, outcome.Check));
        var frozen = (await FrozenAsync(studyId, store, site.BaseUrl(context.Request)))!;
        return TypedResults.Created(frozen.DocumentUrl, frozen);
    }

    internal static string RefusalMessage(FreezeRefusal refusal, FreezeCheck check) => refusal.Code switch
    {
        FreezeRefusal.Codes.OrganisationsObject =>
            $"Organisations of the panel object: {string.Join("; ", check.Objections.Select(o => $"{o.Name} (statement {string.Join(", ", o.Statements)})"))}. "
            + $"Revise the vision, or freeze with overrideReason saying why (at least {FreezeDecisions.MinReasonLength} characters); the reason goes into the frozen document.",
        FreezeRefusal.Codes.ReasonTooShort => $"Write the reason in at least {FreezeDecisions.MinReasonLength} characters.",
        FreezeRefusal.Codes.ReasonTooLong => $"Keep the reason within {FreezeDecisions.MaxReasonLength} characters.",
        FreezeRefusal.Codes.KeepNotNeeded => $"Statement {refusal.Statement} does not rest on an item without consensus; there is nothing to keep.",
        _ => "The vision cannot be frozen now.",
    };

    internal static string FreezeMessage(FreezeBlocker blocker) => blocker switch
    {
        FreezeBlocker.AlreadyFrozen => "The vision is already frozen. A new version can follow a closed reflection round (POST /api/v1/studies/{id}/agenda/reflection-rounds).",
        FreezeBlocker.NoDraft => "There is no draft yet (after a reflection round: no new version since the frozen one); write the vision first.",
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
