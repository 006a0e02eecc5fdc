using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Organisations;

public sealed record OrganisationRequest
{
    /// <summary>The organisation's name, unique within the study (case and spaces aside).</summary>
    public string? Name { get; init; }
    /// <summary>Chamber of Commerce (KvK) number, eight digits; optional, unique within the study.</summary>
    public string? Kvk { get; init; }
    /// <summary>The stakeholder group (id) the organisation belongs to …</summary>
    public long? GroupId { get; init; }
    /// <summary>… or its slug.</summary>
    public string? Group { get; init; }
    /// <summary>Contact e-mail address of the organisation.</summary>
    public string? Email { get; init; }
}

public sealed record MembershipRequest
{
    /// <summary>The organisation of this study the panel member belongs to.</summary>
    public long? OrganisationId { get; init; }
}

public sealed record PanelImportRequest
{
    /// <summary>
    /// The panel as CSV: per line organisation, group (slug or name), name, e-mail, language (<c>nl</c> or <c>en</c>, may be left out);
    /// comma, semicolon or tab between the fields; a header line may come first. One wrong line stores nothing.
    /// </summary>
    public string? Csv { get; init; }
}

public sealed record OrganisationResponse(long Id, string Name, string? Kvk, long GroupId, string Group, string? Email, IReadOnlyList<long> Members);

public sealed record GroupCoverageResponse(long GroupId, string Group, int Organisations, int People, bool BelowMinimum);

/// <summary>Per stakeholder group: organisations and people invited; a group below <see cref="MinimumPeople"/> will never have figures shown.</summary>
public sealed record CoverageResponse(int MinimumPeople, IReadOnlyList<GroupCoverageResponse> Groups);

/// <summary>A panel member added by an import, with their invitation link — shown only this once.</summary>
public sealed record ImportedParticipant(int Line, long Id, string Reference, long GroupId, long OrganisationId, string? Name, string InvitationUrl, string Token);

public sealed record PanelImportResponse(int OrganisationsCreated, IReadOnlyList<ImportedParticipant> Participants);

public sealed class OrganisationRequestValidator : AbstractValidator<OrganisationRequest>
{
    public OrganisationRequestValidator()
    {
        RuleFor(o => o.Name).NotEmpty().WithMessage("name: give the organisation's name.").MaximumLength(200).PlainName();
        RuleFor(o => o).Holds("groupIdOrGroup", "give the stakeholder group: groupId, or group (its slug)", o => o.GroupId is not null || !string.IsNullOrWhiteSpace(o.Group))
            .OverridePropertyName("groupId").WithMessage("groupId: every organisation belongs to a stakeholder group (groupId or group slug).");
        RuleFor(o => o.Kvk).Holds("kvkNumber", "a KvK number: eight digits once spaces and dots are left out (such as 12345678)", OrganisationEndpoints.ValidKvk).WithMessage("kvk: a KvK number has eight digits, such as 12345678.");
        RuleFor(o => o.Email).MaximumLength(320).EmailAddress();
    }
}

public sealed class MembershipRequestValidator : AbstractValidator<MembershipRequest>
{
    public MembershipRequestValidator() =>
        RuleFor(m => m.OrganisationId).NotNull().WithMessage("organisationId: give the organisation (its id).");
}

public sealed class PanelImportRequestValidator : AbstractValidator<PanelImportRequest>
{
    public PanelImportRequestValidator() =>
        RuleFor(r => r.Csv).NotEmpty().WithMessage("csv: give the panel as CSV lines.")
            .MaximumLength(1_000_000).WithMessage("csv: at most 1,000,000 characters at once.");
}

/// <summary>The organisations of a study's panel in the JSON API (facilitator): list, add, membership, CSV import, coverage.</summary>
public static class OrganisationEndpoints
{
    /// <summary>Fewer people than this in a group: its figures are never shown (threshold k).</summary>
    public const int MinimumPeople = 3;

    public static bool ValidKvk(string? kvk) => OrganisationStore.NormaliseKvk(kvk) is not { } k || k.Length == 8 && k.All(char.IsAsciiDigit);

    public static IServiceCollection AddOrganisations(this IServiceCollection services) =>
        services.AddSingleton<PanelImport>()
            .TryAddValidator<OrganisationRequest, OrganisationRequestValidator>()
            .TryAddValidator<MembershipRequest, MembershipRequestValidator>()
            .TryAddValidator<PanelImportRequest, PanelImportRequestValidator>();

    public static void MapOrganisations(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/organisations").WithTags("Organisations").RequireAuthorization(Auth.FacilitatorApi);
        api.MapGet("/", ListAsync).WithSummary("The study's organisations per stakeholder group, with their panel members (participant ids).");
        api.MapPost("/", AddAsync).Validate<OrganisationRequest>().Refuses(409)
            .WithSummary("Add an organisation to a stakeholder group (name and KvK number unique within the study).");
        api.MapPut("/members/{participantId:long}", SetMemberAsync).Validate<MembershipRequest>().Refuses(409)
            .WithSummary("Put a panel member in an organisation of their group; a member belongs to one organisation.");
        api.MapPost("/import", ImportAsync).Validate<PanelImportRequest>()
            .WithSummary("Import the panel as CSV (organisation, group, name, e-mail, language); errors per line, nothing stored when a line is wrong.");
        api.MapGet("/coverage", CoverageAsync)
            .WithSummary("Per stakeholder group: organisations and people invited, and whether the group has fewer than 3 people.");
    }

    private static async Task<Results<Ok<IReadOnlyList<OrganisationResponse>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, OrganisationStore organisations)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var groups = (await studies.GroupsAsync(studyId)).ToDictionary(g => g.Id);
        var members = await organisations.MembershipAsync(studyId);
        var list = (await organisations.ListAsync(studyId))
            .Select(o => Response(o, groups[o.GroupId].Slug, members.Where(m => m.Value == o.Id).Select(m => m.Key).Order().ToList())).ToList();
        return TypedResults.Ok<IReadOnlyList<OrganisationResponse>>(list);
    }

    private static async Task<Results<Created<OrganisationResponse>, ProblemHttpResult>> AddAsync(
        long studyId, OrganisationRequest request, HttpContext context, StudyStore studies, OrganisationStore organisations)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var groups = await studies.GroupsAsync(studyId);
        var group = request.GroupId is { } gid ? groups.FirstOrDefault(g => g.Id == gid) : groups.FirstOrDefault(g => g.Slug == request.Group);
        if (group is null)
            return Problems.BadRequest(request.GroupId is not null ? "groupId" : "group", "This study has no such stakeholder group.");
        var (organisation, refusal) = await organisations.AddAsync(studyId, group.Id, request.Name!, request.Kvk, request.Email);
        return refusal switch
        {
            OrganisationRefusal.DuplicateName => Problems.Conflict("name", $"This study already has an organisation named '{request.Name!.Trim()}'."),
            OrganisationRefusal.DuplicateKvk => Problems.Conflict("kvk", $"This study already has an organisation with KvK number {OrganisationStore.NormaliseKvk(request.Kvk)}."),
            _ => TypedResults.Created($"/api/v1/studies/{studyId}/organisations/{organisation!.Id}", Response(organisation, group.Slug, [])),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetMemberAsync(
        long studyId, long participantId, MembershipRequest request, HttpContext context, StudyStore studies, OrganisationStore organisations)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return await organisations.AddMemberAsync(studyId, request.OrganisationId!.Value, participantId) switch
        {
            OrganisationRefusal.None => TypedResults.NoContent(),
            OrganisationRefusal.NoSuchParticipant => Problems.NotFound("participantId", $"Study {studyId} has no participant {participantId}."),
            OrganisationRefusal.NoSuchOrganisation => Problems.BadRequest("organisationId", $"Study {studyId} has no organisation {request.OrganisationId}."),
            OrganisationRefusal.OtherGroup => Problems.BadRequest("organisationId", "The organisation is in another stakeholder group than the participant."),
            _ => Problems.Conflict("organisationId", "The participant already belongs to another organisation; a person belongs to one organisation."),
        };
    }

    private static async Task<Results<Created<PanelImportResponse>, ProblemHttpResult>> ImportAsync(
        long studyId, PanelImportRequest request, HttpContext context, StudyStore studies, PanelImport import, SiteUrls site)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var result = await import.ImportAsync(studyId, request.Csv!);
        if (result.Problems.Count > 0)
            return Problems.Fields(result.Problems.GroupBy(p => p.Key)
                .ToDictionary(g => g.Key, g => g.Select(p => $"line {p.Line}: {p.Message}").ToArray()));
        var baseUrl = site.BaseUrl(context.Request);
        var added = result.Added.Select(a => new ImportedParticipant(a.Line.Line, a.Invitation.Participant.Id, PanelReference.Of(a.Invitation.Participant.Id),
            a.Invitation.Participant.GroupId, a.OrganisationId, a.Line.Name, PanelEndpoints.InvitationUrl(baseUrl, a.Invitation.Token), a.Invitation.Token)).ToList();
        return TypedResults.Created($"/api/v1/studies/{studyId}/organisations", new PanelImportResponse(result.OrganisationsCreated, added));
    }

    private static async Task<Results<Ok<CoverageResponse>, ProblemHttpResult>> CoverageAsync(
        long studyId, HttpContext context, StudyStore studies, OrganisationStore organisations)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var coverage = (await organisations.CoverageAsync(studyId)).ToDictionary(c => c.GroupId);
        var groups = (await studies.GroupsAsync(studyId)).Select(g =>
        {
            var c = coverage.GetValueOrDefault(g.Id) ?? new GroupCoverage(g.Id, 0, 0);
            return new GroupCoverageResponse(g.Id, g.Slug, c.Organisations, c.People, c.People < MinimumPeople);
        }).ToList();
        return TypedResults.Ok(new CoverageResponse(MinimumPeople, groups));
    }

    private static OrganisationResponse Response(Organisation o, string group, IReadOnlyList<long> members) =>
        new(o.Id, o.Name, o.Kvk, o.GroupId, group, o.Email, members);
}
