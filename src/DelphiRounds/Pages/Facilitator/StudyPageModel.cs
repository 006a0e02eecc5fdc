using DelphiRounds.Accounts;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>Base of the facilitator's pages of one study: loads the study only when it is the facilitator's own.</summary>
public abstract class StudyPageModel(StudyStore studies) : PageModel
{
    public Study Study { get; private set; } = null!;
    public IReadOnlyList<StakeholderGroup> Groups { get; private set; } = [];

    /// <summary>A message for the user after a redirect (saved, opened, …).</summary>
    [TempData] public string? Notice { get; set; }

    protected long FacilitatorId => User.FacilitatorId()!.Value;

    /// <summary>True when the study exists and belongs to the signed-in facilitator.</summary>
    protected async Task<bool> LoadStudyAsync(long studyId)
    {
        var study = await studies.FindOwnedAsync(studyId, FacilitatorId);
        if (study is null) return false;
        Study = study;
        Groups = await studies.GroupsAsync(studyId);
        return true;
    }
}
