using DelphiRounds.Hosting;
using DelphiRounds.Panel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>The panel: participants per stakeholder group and their invitation links.</summary>
public sealed class PanelModel(StudyStore studies, ParticipantStore participants, IOptions<SiteOptions> site, IStringLocalizer<Texts> t)
    : StudyPageModel(studies)
{
    public IReadOnlyList<PanelMember> Members { get; private set; } = [];

    /// <summary>A link just made; it is shown once (TempData is not kept after this view).</summary>
    [TempData] public string? NewLink { get; set; }

    [BindProperty] public long? GroupId { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAddAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (GroupId is null || Groups.All(g => g.Id != GroupId)) ModelState.AddModelError(nameof(GroupId), t["panel.error.group"]);
        if (Name is { Length: > 200 }) ModelState.AddModelError(nameof(Name), t["error.tooLong", 200]);
        if (!string.IsNullOrWhiteSpace(Email) && !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(Email.Trim()))
            ModelState.AddModelError(nameof(Email), t["panel.error.email"]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var invitation = await participants.AddAsync(studyId, GroupId!.Value, NullIfEmpty(Name), NullIfEmpty(Email));
        NewLink = PanelEndpoints.InvitationUrl(site.Value.BaseUrl(Request), invitation.Token);
        Notice = t["panel.added", Name ?? invitation.Participant.Pseudonym];
        return Redirect($"/f/studies/{studyId}/panel");
    }

    public async Task<IActionResult> OnPostReissueAsync(long studyId, long participantId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var token = await participants.ReissueAsync(studyId, participantId);
        if (token is null) return NotFound();
        NewLink = PanelEndpoints.InvitationUrl(site.Value.BaseUrl(Request), token);
        Notice = t["panel.reissued"];
        return Redirect($"/f/studies/{studyId}/panel");
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        Members = await participants.PanelAsync(studyId);
        return true;
    }
}
