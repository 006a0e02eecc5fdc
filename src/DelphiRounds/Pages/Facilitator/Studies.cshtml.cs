using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>The facilitator's studies, with their state, and a form for a new study.</summary>
public sealed class StudiesModel(StudyStore studies, RoundStore rounds, IStringLocalizer<Texts> t) : PageModel
{
    public sealed record Row(Study Study, string State);

    public List<Row> List { get; } = [];

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Question { get; set; }
    [BindProperty] public string? TitleEn { get; set; }
    [BindProperty] public string? QuestionEn { get; set; }
    [BindProperty] public string? Organiser { get; set; }
    [BindProperty] public string? HorizonYear { get; set; }
    [BindProperty] public string? GroupLines { get; set; }
    /// <summary>The panel is residents: new rating, numeric and year items offer "don't know" unless the item says otherwise.</summary>
    [BindProperty] public bool CitizenPanel { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(Title)) ModelState.AddModelError(nameof(Title), t["studies.error.title"]);
        else if (Title.Length > 200) ModelState.AddModelError(nameof(Title), t["error.tooLong", 200]);
        if (Question is { Length: > 2000 }) ModelState.AddModelError(nameof(Question), t["error.tooLong", 2000]);
        if (TitleEn is { Length: > 200 }) ModelState.AddModelError(nameof(TitleEn), t["error.tooLong", 200]);
        if (QuestionEn is { Length: > 2000 }) ModelState.AddModelError(nameof(QuestionEn), t["error.tooLong", 2000]);
        if (Organiser is { Length: > 200 }) ModelState.AddModelError(nameof(Organiser), t["error.tooLong", 200]);
        else if (DisplayText.HasControls(Organiser)) ModelState.AddModelError(nameof(Organiser), t["error.displayControls"]);
        int? horizon = null;
        if (!string.IsNullOrWhiteSpace(HorizonYear))
        {
            if (int.TryParse(HorizonYear, out var year) && year is >= 2000 and <= 2200) horizon = year;
            else ModelState.AddModelError(nameof(HorizonYear), t["studies.error.horizon"]);
        }
        var groups = (GroupLines ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('|', 2, StringSplitOptions.TrimEntries))
            .Select(parts => (Slug: Slug.From(parts[0]), Nl: parts[0], En: parts.Length > 1 && parts[1].Length > 0 ? parts[1] : parts[0]))
            .ToList();
        if (groups.Count == 0) ModelState.AddModelError(nameof(GroupLines), t["studies.error.groups"]);
        // "|Housing" has only an English name: the Dutch one is what the pages show first, so a blank would show.
        else if (groups.Any(g => g.Nl.Length == 0)) ModelState.AddModelError(nameof(GroupLines), t["studies.error.groupNameNl"]);
        else if (groups.Select(g => g.Slug).Distinct().Count() != groups.Count) ModelState.AddModelError(nameof(GroupLines), t["studies.error.groupsDuplicate"]);
        else if (groups.Any(g => g.Nl.Length > 200 || g.En.Length > 200)) ModelState.AddModelError(nameof(GroupLines), t["error.tooLong", 200]);
        else if (groups.Any(g => DisplayText.HasControls(g.Nl) || DisplayText.HasControls(g.En))) ModelState.AddModelError(nameof(GroupLines), t["error.displayControls"]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            await LoadAsync();
            return Page();
        }
        var study = await studies.CreateAsync(User.FacilitatorId()!.Value, Title!.Trim(), Question?.Trim() ?? "", Organiser?.Trim() ?? "", horizon,
            groups.Select(g => (g.Slug, g.Nl, g.En)), titleEn: TitleEn?.Trim() ?? "", questionEn: QuestionEn?.Trim() ?? "", citizenPanel: CitizenPanel);
        TempData["Notice"] = t["studies.created"].Value;
        return Redirect($"/f/studies/{study.Id}");
    }

    private async Task LoadAsync()
    {
        foreach (var s in await studies.ListAsync(User.FacilitatorId()!.Value))
        {
            var current = await rounds.CurrentAsync(s.Id);
            var state = current is null ? t["state.draft"]
                : current.IsOpen ? t["state.roundOpen", current.Number]
                : t["state.roundClosed", current.Number];
            List.Add(new Row(s, state));
        }
    }
}
