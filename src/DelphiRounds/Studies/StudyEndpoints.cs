using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Studies;

/// <summary>A stakeholder group as given when creating a study or adding a group.</summary>
public sealed record GroupRequest
{
    /// <summary>Name in Dutch (also used in English when <see cref="NameEn"/> is empty).</summary>
    public string? Name { get; init; }
    public string? NameEn { get; init; }
    /// <summary>Short identifier used in exports and statistics; made from the name when empty.</summary>
    public string? Slug { get; init; }
}

public sealed record CreateStudyRequest
{
    public string? Title { get; init; }
    /// <summary>The question for the vision, e.g. "How could a joint heat and cold supply for the city look in 2030?"</summary>
    public string? Question { get; init; }
    /// <summary>The title in English (shown to English-speaking participants); empty: the Dutch title.</summary>
    public string? TitleEn { get; init; }
    /// <summary>The question in English; empty: the Dutch question.</summary>
    public string? QuestionEn { get; init; }
    /// <summary>Who organises the study (shown to participants).</summary>
    public string? Organiser { get; init; }
    public int? HorizonYear { get; init; }
    public List<GroupRequest>? Groups { get; init; }
    /// <summary>The panel is residents (a citizen panel): new rating, numeric and year items allow "don't know" unless the item says otherwise.</summary>
    public bool? CitizenPanel { get; init; }
}

public sealed record GroupResponse(long Id, string Slug, string Name, string NameEn)
{
    public static GroupResponse From(StakeholderGroup g) => new(g.Id, g.Slug, g.NameNl, g.NameEn);
}

public sealed record RoundSummary(long Id, int Number, string Kind, string Mode, string State, DateTimeOffset? ClosesAt, DateTimeOffset? OpenedAt, DateTimeOffset? ClosedAt);

/// <summary>The rounds of a study, as its description lists them. Rounds implements it; Studies does not know rounds.</summary>
public interface IStudyRounds
{
    Task<IReadOnlyList<RoundSummary>> SummariesAsync(long studyId);
}

public sealed record StudyResponse(
    long Id, string Title, string Question, string Organiser, int? HorizonYear,
    ConsensusRules Criteria, string? CriteriaHash, DateTimeOffset? CriteriaLockedAt,
    IReadOnlyList<GroupResponse> Groups, IReadOnlyList<RoundSummary> Rounds, string TitleEn = "", string QuestionEn = "",
    bool CitizenPanel = false, bool OrganisationsPublic = false);

/// <summary>Whether the panel's organisations are public (issue 18): the report names them per group, the verification page may too.</summary>
public sealed record OrganisationsPublicRequest
{
    /// <summary>true: the organisations' names are public; false (the default): counts only.</summary>
    public bool? OrganisationsPublic { get; init; }
}

/// <summary>The study's setting after the change.</summary>
public sealed record OrganisationsPublicResponse(long StudyId, bool OrganisationsPublic);

public sealed class OrganisationsPublicRequestValidator : AbstractValidator<OrganisationsPublicRequest>
{
    public OrganisationsPublicRequestValidator()
    {
        RuleFor(r => r.OrganisationsPublic).NotNull().WithMessage("organisationsPublic: say true (the organisations' names are public) or false (counts only).");
    }
}

/// <summary>The report notes as sent: every field optional plain text (absent or null is empty).</summary>
public sealed record ReportNotesRequest
{
    public string? DelphiRationale { get; init; }
    public string? PanelSelection { get; init; }
    public string? ConvenorInterest { get; init; }
    public string? ExternalValidation { get; init; }
    public string? Dissemination { get; init; }

    public ReportNotes ToNotes() => new()
    {
        DelphiRationale = Clean(DelphiRationale), PanelSelection = Clean(PanelSelection), ConvenorInterest = Clean(ConvenorInterest),
        ExternalValidation = Clean(ExternalValidation), Dissemination = Clean(Dissemination),
    };

    /// <summary>Plain text as shown in the report: trimmed, without direction or zero-width controls (<see cref="DisplayText"/>).</summary>
    public static string Clean(string? text) => DisplayText.Strip(text)?.Trim() ?? "";
}

public sealed class ReportNotesRequestValidator : AbstractValidator<ReportNotesRequest>
{
    public ReportNotesRequestValidator()
    {
        RuleFor(n => n.DelphiRationale).MaximumLength(ReportNotes.MaxLength);
        RuleFor(n => n.PanelSelection).MaximumLength(ReportNotes.MaxLength);
        RuleFor(n => n.ConvenorInterest).MaximumLength(ReportNotes.MaxLength);
        RuleFor(n => n.ExternalValidation).MaximumLength(ReportNotes.MaxLength);
        RuleFor(n => n.Dissemination).MaximumLength(ReportNotes.MaxLength);
    }
}

public sealed class GroupRequestValidator : AbstractValidator<GroupRequest>
{
    public GroupRequestValidator()
    {
        RuleFor(g => g.Name).NotEmpty().MaximumLength(200).PlainName();
        RuleFor(g => g.NameEn).MaximumLength(200).PlainName();
        RuleFor(g => g.Slug).MaximumLength(60).Matches("^[a-z0-9]+(-[a-z0-9]+)*$")
            .WithMessage("slug: use lowercase letters, digits and single dashes, e.g. 'grid-operators'.");
    }
}

public sealed class CreateStudyRequestValidator : AbstractValidator<CreateStudyRequest>
{
    public CreateStudyRequestValidator()
    {
        RuleFor(s => s.Title).NotEmpty().MaximumLength(200);
        RuleFor(s => s.Question).MaximumLength(2000);
        RuleFor(s => s.TitleEn).MaximumLength(200);
        RuleFor(s => s.QuestionEn).MaximumLength(2000);
        RuleFor(s => s.Organiser).MaximumLength(200).PlainName();
        RuleFor(s => s.HorizonYear).InclusiveBetween(2000, 2200);
        RuleFor(s => s.Groups).NotEmpty().WithMessage("groups: a study needs at least one stakeholder group.");
        RuleForEach(s => s.Groups).NotNull().WithMessage("groups: each group is an object with a name.").SetValidator(new GroupRequestValidator());
        RuleFor(s => s.Groups).Holds("uniqueSlugs", "no two groups have the same slug (a group without a slug has the slug of its name)",
                g => g is null || g.Any(x => x is null) || g.Select(x => x.Slug ?? Slug.From(x.Name ?? "")).Distinct().Count() == g.Count)
            .WithMessage("groups: two groups have the same name or slug.");
    }
}

/// <summary>Studies and stakeholder groups in the JSON API (facilitator).</summary>
public static class StudyEndpoints
{
    public static IServiceCollection AddStudies(this IServiceCollection services) =>
        services;

    public static void MapStudies(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies").WithTags("Studies").RequireAuthorization(Auth.FacilitatorApi);

        api.MapPost("/", CreateAsync).Validate<CreateStudyRequest>()
            .WithSummary("Create a study with its stakeholder groups.");
        api.MapGet("/", ListAsync).WithSummary("Your studies.");
        api.MapGet("/{studyId:long}", GetAsync).WithSummary("A study with its groups, rounds and consensus criteria.");
        api.MapPost("/{studyId:long}/groups", AddGroupAsync).Validate<GroupRequest>().Refuses(409)
            .WithSummary("Add a stakeholder group.");
        api.MapGet("/{studyId:long}/report-notes", GetNotesAsync)
            .WithSummary("What the report says about what the data cannot tell (CREDES): why Delphi, panel selection, the convenor's interest, external validation, dissemination.");
        api.MapPut("/{studyId:long}/report-notes", PutNotesAsync).Validate<ReportNotesRequest>()
            .WithSummary("Write the report notes (each at most 4000 characters; an absent field is empty).");
        api.MapPut("/{studyId:long}/organisations-public", PutOrganisationsPublicAsync).Validate<OrganisationsPublicRequest>()
            .WithSummary("Make the panel's organisations public or not (before or after round 1): the report then lists them by name per group instead of counts only.");
    }

    private static async Task<Results<Ok<OrganisationsPublicResponse>, ProblemHttpResult>> PutOrganisationsPublicAsync(
        long studyId, OrganisationsPublicRequest request, HttpContext context, StudyStore studies)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        await studies.SetOrganisationsPublicAsync(studyId, request.OrganisationsPublic!.Value);
        return TypedResults.Ok(new OrganisationsPublicResponse(studyId, (await studies.FindAsync(studyId))!.OrganisationsPublic));
    }

    private static async Task<Created<StudyResponse>> CreateAsync(CreateStudyRequest request, HttpContext context, StudyStore studies, IStudyRounds rounds)
    {
        var groups = request.Groups!.Select(g => (g.Slug ?? Slug.From(g.Name!), g.Name!.Trim(), string.IsNullOrWhiteSpace(g.NameEn) ? g.Name!.Trim() : g.NameEn.Trim()));
        var study = await studies.CreateAsync(context.User.FacilitatorId()!.Value, request.Title!.Trim(), request.Question?.Trim() ?? "",
            request.Organiser?.Trim() ?? "", request.HorizonYear, groups, titleEn: request.TitleEn?.Trim() ?? "", questionEn: request.QuestionEn?.Trim() ?? "",
            citizenPanel: request.CitizenPanel == true);
        return TypedResults.Created($"/api/v1/studies/{study.Id}", await DescribeAsync(study, studies, rounds));
    }

    private static async Task<Ok<IReadOnlyList<StudyResponse>>> ListAsync(HttpContext context, StudyStore studies, IStudyRounds rounds)
    {
        var list = new List<StudyResponse>();
        foreach (var s in await studies.ListAsync(context.User.FacilitatorId()!.Value))
            list.Add(await DescribeAsync(s, studies, rounds));
        return TypedResults.Ok<IReadOnlyList<StudyResponse>>(list);
    }

    private static async Task<Results<Ok<StudyResponse>, ProblemHttpResult>> GetAsync(long studyId, HttpContext context, StudyStore studies, IStudyRounds rounds)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await DescribeAsync(study, studies, rounds));
    }

    private static async Task<Results<Created<GroupResponse>, ProblemHttpResult>> AddGroupAsync(
        long studyId, GroupRequest request, HttpContext context, StudyStore studies)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var slug = request.Slug ?? Slug.From(request.Name!);
        var group = await studies.AddGroupAsync(studyId, slug, request.Name!.Trim(), string.IsNullOrWhiteSpace(request.NameEn) ? request.Name!.Trim() : request.NameEn.Trim());
        if (group is null) return Problems.Conflict("slug", $"The study already has a group '{slug}'.");
        return TypedResults.Created($"/api/v1/studies/{studyId}/groups/{group.Id}", GroupResponse.From(group));
    }

    private static async Task<Results<Ok<ReportNotes>, ProblemHttpResult>> GetNotesAsync(long studyId, HttpContext context, StudyStore studies, ReportNotesStore notes)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await notes.GetAsync(studyId));
    }

    private static async Task<Results<Ok<ReportNotes>, ProblemHttpResult>> PutNotesAsync(
        long studyId, ReportNotesRequest request, HttpContext context, StudyStore studies, ReportNotesStore notes)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        await notes.SaveAsync(studyId, request.ToNotes());
        return TypedResults.Ok(await notes.GetAsync(studyId));
    }

    internal static async Task<StudyResponse> DescribeAsync(Study s, StudyStore studies, IStudyRounds rounds) => new(
        s.Id, s.Title, s.Question, s.Organiser, s.HorizonYear, s.Rules, s.CriteriaHash, s.CriteriaLockedAt,
        (await studies.GroupsAsync(s.Id)).Select(GroupResponse.From).ToList(),
        await rounds.SummariesAsync(s.Id), s.TitleEn, s.QuestionEn, s.CitizenPanel, s.OrganisationsPublic);
}
