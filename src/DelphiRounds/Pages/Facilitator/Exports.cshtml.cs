using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// Report &amp; exports: the printable study report and the data files to download, and the report notes: what the
/// report says about what the data cannot tell (CREDES: why Delphi, panel selection, the convenor's interest,
/// external validation, dissemination).
/// </summary>
public sealed class ExportsModel(StudyStore studies, ReportNotesStore notes, IStringLocalizer<Texts> t) : StudyPageModel(studies)
{
    [BindProperty] public string? DelphiRationale { get; set; }
    [BindProperty] public string? PanelSelection { get; set; }
    [BindProperty] public string? ConvenorInterest { get; set; }
    [BindProperty] public string? ExternalValidation { get; set; }
    [BindProperty] public string? Dissemination { get; set; }

    /// <summary>The fields of the notes form, in the order shown.</summary>
    public static readonly string[] NoteFields = [nameof(DelphiRationale), nameof(PanelSelection), nameof(ConvenorInterest), nameof(ExternalValidation), nameof(Dissemination)];

    public async Task<IActionResult> OnGetAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        var n = await notes.GetAsync(studyId);
        (DelphiRationale, PanelSelection, ConvenorInterest, ExternalValidation, Dissemination) =
            (n.DelphiRationale, n.PanelSelection, n.ConvenorInterest, n.ExternalValidation, n.Dissemination);
        return Page();
    }

    public async Task<IActionResult> OnPostNotesAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        ModelState.Clear();
        foreach (var field in NoteFields)
            if (Value(field) is { Length: > ReportNotes.MaxLength })
                ModelState.AddModelError(field, t["error.tooLong", ReportNotes.MaxLength]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        await notes.SaveAsync(studyId, new ReportNotes
        {
            DelphiRationale = ReportNotesRequest.Clean(DelphiRationale), PanelSelection = ReportNotesRequest.Clean(PanelSelection),
            ConvenorInterest = ReportNotesRequest.Clean(ConvenorInterest), ExternalValidation = ReportNotesRequest.Clean(ExternalValidation),
            Dissemination = ReportNotesRequest.Clean(Dissemination),
        });
        Notice = t["report.notes.saved"];
        return Redirect($"/f/studies/{studyId}/exports#notes");
    }

    public string? Value(string field) => field switch
    {
        nameof(DelphiRationale) => DelphiRationale,
        nameof(PanelSelection) => PanelSelection,
        nameof(ConvenorInterest) => ConvenorInterest,
        nameof(ExternalValidation) => ExternalValidation,
        _ => Dissemination,
    };

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;
}
