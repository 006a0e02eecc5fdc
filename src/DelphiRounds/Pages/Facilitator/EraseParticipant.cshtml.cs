using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Privacy;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// Erasing a panel member's name and e-mail address on their request, after an explicit confirmation
/// (a page of its own, so it works without script). The answers stay, under the pseudonym.
/// </summary>
public sealed class EraseParticipantModel(StudyStore studies, ParticipantStore participants, ParticipantErasure identities, IStringLocalizer<Texts> t)
    : StudyPageModel(studies)
{
    public PanelMember Member { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(long studyId, long participantId) =>
        await LoadAsync(studyId, participantId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(long studyId, long participantId)
    {
        if (!await LoadAsync(studyId, participantId)) return NotFound();
        var erased = await identities.EraseAsync(studyId, participantId);
        if (erased is null) return NotFound();
        Notice = t["trust.erase.done", PanelReference.Of(erased.ParticipantId)];
        return Redirect($"/f/studies/{studyId}/panel");
    }

    private async Task<bool> LoadAsync(long studyId, long participantId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        var member = (await participants.PanelAsync(studyId)).FirstOrDefault(m => m.Id == participantId);
        if (member is null) return false;
        Member = member;
        return true;
    }
}
