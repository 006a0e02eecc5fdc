using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>Report &amp; exports: the printable study report and the data files to download.</summary>
public sealed class ExportsModel(StudyStore studies) : StudyPageModel(studies)
{
    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadStudyAsync(studyId) ? Page() : NotFound();
}
