using DelphiRounds.Convergence;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// Convergence: per item, charts of median, interquartile range and agreement over the rounds, overall and
/// per stakeholder group, with the stopping verdict; the open round's figures so far, refreshed live.
/// </summary>
public sealed class ConvergenceModel(StudyStore studies, ConvergenceReader reader, Agenda.ReflectionService reflections) : StudyPageModel(studies)
{
    public StudyConvergenceView View { get; private set; } = null!;

    /// <summary>The latest reflection round (issue 21) with each item's drift from the signed median, or null.</summary>
    public (Agenda.ReflectionRoundResponse Round, IReadOnlyList<Agenda.ItemDrift> Items)? Drift { get; private set; }

    public async Task<IActionResult> OnGetAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        View = await reader.ReadAsync(studyId, LanguageSetup.IsEnglish);
        if ((await reflections.ListAsync(studyId)).LastOrDefault() is { } latest && await reflections.DriftAsync(studyId, latest.RoundId) is { } drift)
            Drift = (latest, drift);
        return Page();
    }

    /// <summary>One item's block, for the page's script to replace when the item's live figures change.</summary>
    public async Task<IActionResult> OnGetItemAsync(long studyId, long itemId)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        var view = await reader.ReadAsync(studyId, LanguageSetup.IsEnglish, itemId);
        if (view.Items.Count == 0) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return Partial("_ConvergenceItem", view.Items[0]);
    }
}
