using DelphiRounds.Answers;
using DelphiRounds.Kernel;
using DelphiRounds.Organisations;
using DelphiRounds.Outbox;
using DelphiRounds.Panel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>The panel: participants per stakeholder group and their invitation links.</summary>
public sealed class PanelModel(StudyStore studies, ParticipantStore participants, InvitationLinks links, SiteUrls site, IStringLocalizer<Texts> t,
    OutboxService outbox, MailDelivery delivery, OrganisationStore organisations)
    : StudyPageModel(studies)
{
    public IReadOnlyList<PanelMember> Members { get; private set; } = [];

    /// <summary>The organisation each member belongs to (by participant id; members without one are absent).</summary>
    public IReadOnlyDictionary<long, string> OrganisationOf { get; private set; } = new Dictionary<long, string>();

    /// <summary>The round being answered, if any: reminders are for it.</summary>
    public Rounds.Round? OpenRound { get; private set; }

    /// <summary>Per group: who has not answered the open round, and how many of them have an e-mail address.</summary>
    public IReadOnlyList<GroupNonResponse> NonResponse { get; private set; } = [];

    /// <summary>Per organisation: its people and who of them has not answered the open round (counts only).</summary>
    public IReadOnlyList<OrganisationNonResponse> OrganisationResponse { get; private set; } = [];

    public OutboxProgressView Outbox { get; private set; } = null!;

    /// <summary>Groups ticked in the reminder form (slugs).</summary>
    [BindProperty] public List<string> RemindGroups { get; set; } = [];
    /// <summary>Organisations ticked in the reminder form (ids).</summary>
    [BindProperty] public List<long> RemindOrganisations { get; set; } = [];
    [BindProperty] public string? Language { get; set; }

    /// <summary>A link just made; it is shown once (TempData is not kept after this view).</summary>
    [TempData] public string? NewLink { get; set; }

    [BindProperty] public long? GroupId { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    /// <summary>The organisation (of the chosen group) the new member belongs to; none when empty.</summary>
    [BindProperty] public long? OrganisationId { get; set; }

    /// <summary>The study's organisations, for the add form.</summary>
    public IReadOnlyList<Organisation> Organisations { get; private set; } = [];

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAddAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (GroupId is null || Groups.All(g => g.Id != GroupId)) ModelState.AddModelError(nameof(GroupId), t["panel.error.group"]);
        if (Name is { Length: > 200 }) ModelState.AddModelError(nameof(Name), t["error.tooLong", 200]);
        else if (DisplayText.HasControls(Name)) ModelState.AddModelError(nameof(Name), t["error.displayControls"]);
        if (!string.IsNullOrWhiteSpace(Email) && !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(Email.Trim()))
            ModelState.AddModelError(nameof(Email), t["panel.error.email"]);
        if (OrganisationId is { } chosen && Organisations.FirstOrDefault(o => o.Id == chosen) is var organisation && (organisation is null || organisation.GroupId != GroupId))
            ModelState.AddModelError(nameof(OrganisationId), t["orgs.error.memberGroup"]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var invitation = await participants.AddAsync(studyId, GroupId!.Value, NullIfEmpty(Name), NullIfEmpty(Email), Language == "en" ? "en" : null);
        if (OrganisationId is { } organisationId) await organisations.AddMemberAsync(studyId, organisationId, invitation.Participant.Id);
        NewLink = PanelEndpoints.InvitationUrl(site.BaseUrl(Request), invitation.Token);
        Notice = t["panel.added", Name ?? PanelReference.Of(invitation.Participant.Id)];
        return Redirect($"/f/studies/{studyId}/panel");
    }

    public async Task<IActionResult> OnPostReissueAsync(long studyId, long participantId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var token = await links.ReissueAsync(studyId, participantId);
        if (token is null) return NotFound();
        NewLink = PanelEndpoints.InvitationUrl(site.BaseUrl(Request), token);
        Notice = t["panel.reissued"];
        return Redirect($"/f/studies/{studyId}/panel");
    }

    /// <summary>Queues reminders for the non-responders of the ticked groups who have an e-mail address.</summary>
    public async Task<IActionResult> OnPostRemindAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        var slugs = Groups.Select(g => g.Slug).ToHashSet();
        if (RemindGroups.Count + RemindOrganisations.Count == 0 || RemindGroups.Any(g => !slugs.Contains(g))
            || RemindOrganisations.Any(o => OrganisationResponse.All(r => r.OrganisationId != o)))
        {
            ModelState.AddModelError(nameof(RemindGroups), OrganisationResponse.Count > 0 ? t["orgs.error.chooseGroupOrOrganisation"] : t["outbox.error.chooseGroup"]);
            Response.StatusCode = 400;
            return Page();
        }
        var queued = await outbox.RemindAsync(studyId, RemindGroups, RemindOrganisations);
        if (queued is null)
        {
            ModelState.AddModelError(nameof(RemindGroups), t["outbox.error.noOpenRound"]);
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["outbox.queued", queued.Queued, queued.RoundNumber];
        return Redirect($"/f/studies/{studyId}/panel#reminders");
    }

    /// <summary>The sending progress alone, for the page's script to refresh it.</summary>
    public async Task<IActionResult> OnGetOutboxAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return Partial("_OutboxProgress", new OutboxProgressView(studyId, await outbox.CountsAsync(studyId), delivery.Describe, delivery.SendingOff));
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        Members = await participants.PanelAsync(studyId);
        Organisations = await organisations.ListAsync(studyId);
        var names = Organisations.ToDictionary(o => o.Id, o => o.Name);
        OrganisationOf = (await organisations.MembershipAsync(studyId)).ToDictionary(m => m.Key, m => names[m.Value]);
        (OpenRound, NonResponse) = await outbox.NonResponseAsync(studyId);
        OrganisationResponse = (await outbox.NonResponseByOrganisationAsync(studyId)).Organisations;
        Outbox = new OutboxProgressView(studyId, await outbox.CountsAsync(studyId), delivery.Describe, delivery.SendingOff);
        return true;
    }
}

/// <summary>The outbox's progress as the panel page shows it (partial <c>_OutboxProgress</c>).</summary>
public sealed record OutboxProgressView(long StudyId, OutboxCounts Counts, string Delivery, bool SendingOff = false);


/// <summary>The response-per-round table (partial <c>_ResponseByRound</c>).</summary>
public sealed record ResponseByRoundView(IReadOnlyList<StakeholderGroup> Groups, IReadOnlyList<RoundResponse> Rounds, bool English);
