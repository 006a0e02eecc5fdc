using DelphiRounds.Consensus;
using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>The questionnaire: the study's items, and a form for a new rating item.</summary>
public sealed class ItemsModel(StudyStore studies, ItemStore items, IStringLocalizer<Texts> t) : StudyPageModel(studies)
{
    public IReadOnlyList<Item> List { get; private set; } = [];

    [BindProperty] public string? TextNl { get; set; }
    [BindProperty] public string? TextEn { get; set; }
    [BindProperty] public int ScaleMax { get; set; } = 7;
    [BindProperty] public string? LowNl { get; set; }
    [BindProperty] public string? LowEn { get; set; }
    [BindProperty] public string? HighNl { get; set; }
    [BindProperty] public string? HighEn { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(TextNl)) ModelState.AddModelError(nameof(TextNl), t["items.error.text"]);
        else if (TextNl.Length > 1000) ModelState.AddModelError(nameof(TextNl), t["error.tooLong", 1000]);
        if (TextEn is { Length: > 1000 }) ModelState.AddModelError(nameof(TextEn), t["error.tooLong", 1000]);
        if (ScaleMax is not (5 or 7)) ModelState.AddModelError(nameof(ScaleMax), t["items.error.scale"]);
        foreach (var (name, value) in new[] { (nameof(LowNl), LowNl), (nameof(LowEn), LowEn), (nameof(HighNl), HighNl), (nameof(HighEn), HighEn) })
            if (value is { Length: > 100 }) ModelState.AddModelError(name, t["error.tooLong", 100]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var nl = TextNl!.Trim();
        var labels = new Dictionary<int, LocalizedText>
        {
            [1] = Label(LowNl, LowEn, "Helemaal oneens", "Strongly disagree"),
            [ScaleMax] = Label(HighNl, HighEn, "Helemaal eens", "Strongly agree"),
        };
        await items.AddRatingAsync(studyId, new LocalizedText(nl, string.IsNullOrWhiteSpace(TextEn) ? nl : TextEn.Trim()), new RatingScale(1, ScaleMax), labels);
        Notice = t["items.added"];
        return Redirect($"/f/studies/{studyId}/items");
    }

    private static LocalizedText Label(string? nl, string? en, string defaultNl, string defaultEn)
    {
        var n = string.IsNullOrWhiteSpace(nl) ? defaultNl : nl.Trim();
        var e = string.IsNullOrWhiteSpace(en) ? (string.IsNullOrWhiteSpace(nl) ? defaultEn : n) : en.Trim();
        return new LocalizedText(n, e);
    }

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        List = await items.ListAsync(studyId);
        return true;
    }
}
