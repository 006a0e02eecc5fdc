using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Panel;

public sealed record AddParticipantRequest
{
    /// <summary>The stakeholder group (id) …</summary>
    public long? GroupId { get; init; }
    /// <summary>… or its slug.</summary>
    public string? Group { get; init; }
    /// <summary>Name (kept apart from answers; erasable).</summary>
    public string? Name { get; init; }
    /// <summary>E-mail address for invitations and reminders (kept apart from answers; erasable).</summary>
    public string? Email { get; init; }
    /// <summary>Language of the e-mails sent to them: <c>nl</c> (default) or <c>en</c>.</summary>
    public string? Language { get; init; }
}

/// <summary>
/// A new panel member with their personal invitation link — shown only this once. No pseudonym: the facilitator
/// knows whom they added, so a pseudonym here would join names to the exports (issue 15, item 5).
/// </summary>
public sealed record ParticipantCreated(long Id, string Reference, long GroupId, string InvitationUrl, string Token);

/// <summary>A panel member as the facilitator sees them: their reference (<see cref="PanelReference"/>), never their pseudonym.</summary>
public sealed record PanelMemberResponse(long Id, string Reference, long GroupId, string? Name, string? Email, string Language = "nl");

public sealed record InvitationResponse(long Id, string InvitationUrl, string Token);

public sealed class AddParticipantRequestValidator : AbstractValidator<AddParticipantRequest>
{
    public AddParticipantRequestValidator()
    {
        RuleFor(p => p).Holds("groupIdOrGroup", "give the stakeholder group: groupId, or group (its slug)", p => p.GroupId is not null || !string.IsNullOrWhiteSpace(p.Group))
            .WithName("groupId").OverridePropertyName("groupId").WithMessage("groupId: give the stakeholder group (groupId or group slug).");
        RuleFor(p => p.Name).MaximumLength(200).PlainName();
        RuleFor(p => p.Email).MaximumLength(320).EmailAddress();
        RuleFor(p => p.Language).OneOf(["nl", "en"]).WithMessage("language: use nl (Dutch) or en (English).");
    }
}

/// <summary>The panel in the JSON API (facilitator): participants and their invitation links.</summary>
public static class PanelEndpoints
{
    public static IServiceCollection AddPanel(this IServiceCollection services) => services.AddSingleton<InvitationLinks>();

    /// <summary>The link a participant opens: the token is the credential, so it is shown once and stored hashed.</summary>
    public static string InvitationUrl(string baseUrl, string token) => $"{baseUrl}/p/{token}";

    public static void MapPanel(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/participants").WithTags("Panel").RequireAuthorization(Auth.FacilitatorApi);
        api.MapPost("/", AddAsync).Validate<AddParticipantRequest>()
            .WithSummary("Add a participant to a stakeholder group; returns their invitation link once.");
        api.MapGet("/", ListAsync).WithSummary("The panel with names and e-mail addresses (facilitator only).");
        api.MapPost("/{participantId:long}/invitation", ReissueAsync)
            .WithSummary("Issue a new invitation link; the old one stops working.");
    }

    private static async Task<Results<Created<ParticipantCreated>, ProblemHttpResult>> AddAsync(
        long studyId, AddParticipantRequest request, HttpContext context, StudyStore studies, ParticipantStore participants, SiteUrls site)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var groups = await studies.GroupsAsync(studyId);
        var group = request.GroupId is { } gid ? groups.FirstOrDefault(g => g.Id == gid) : groups.FirstOrDefault(g => g.Slug == request.Group);
        if (group is null)
            return Problems.NotFound(request.GroupId is not null ? "groupId" : "group", "This study has no such stakeholder group.");
        var invitation = await participants.AddAsync(studyId, group.Id, request.Name?.Trim(), request.Email?.Trim(), request.Language);
        var url = InvitationUrl(site.BaseUrl(context.Request), invitation.Token);
        var p = invitation.Participant;
        return TypedResults.Created($"/api/v1/studies/{studyId}/participants/{p.Id}",
            new ParticipantCreated(p.Id, PanelReference.Of(p.Id), p.GroupId, url, invitation.Token));
    }

    private static async Task<Results<Ok<IReadOnlyList<PanelMemberResponse>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, ParticipantStore participants)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var panel = (await participants.PanelAsync(studyId)).Select(m => new PanelMemberResponse(m.Id, m.Reference, m.GroupId, m.Name, m.Email, m.Language ?? "nl")).ToList();
        return TypedResults.Ok<IReadOnlyList<PanelMemberResponse>>(panel);
    }

    private static async Task<Results<Ok<InvitationResponse>, ProblemHttpResult>> ReissueAsync(
        long studyId, long participantId, HttpContext context, StudyStore studies, InvitationLinks links, SiteUrls site)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var token = await links.ReissueAsync(studyId, participantId);
        if (token is null) return Problems.NotFound("participantId", $"Study {studyId} has no participant {participantId}.");
        return TypedResults.Ok(new InvitationResponse(participantId, InvitationUrl(site.BaseUrl(context.Request), token), token));
    }
}
