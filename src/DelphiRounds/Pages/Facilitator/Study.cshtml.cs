using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>A study's overview: facts, rounds (open/close), consensus criteria, stakeholder groups.</summary>
public sealed class StudyModel(StudyStore studies, RoundStore rounds, RoundService roundService, ItemStore items, ParticipantStore participants, IStringLocalizer<Texts> t)
    : StudyPageModel(studies)
{
    private readonly StudyStore _studies = studies;

    public IReadOnlyList<Round> Rounds { get; private set; } = [];
    public int ItemCount { get; private set; }
    public int ParticipantCount { get; private set; }
    public string? RoundError { get; private set; }

    [BindProperty] public string? GroupName { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) =>
        await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostNewRoundAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        if (Rounds.Any(r => r.State is RoundStates.Draft or RoundStates.Open)) return Redirect($"/f/studies/{studyId}");
        var round = await rounds.CreateAsync(studyId, RoundModes.Live, null);
        Notice = t["study.roundPrepared", round.Number];
        return Redirect($"/f/studies/{studyId}");
    }

    public async Task<IActionResult> OnPostOpenAsync(long studyId, long roundId)
    {
        if (!await LoadAsync(studyId) || Rounds.All(r => r.Id != roundId)) return NotFound();
        var change = await roundService.OpenAsync(roundId);
        if (change != RoundChange.Done)
        {
            RoundError = t["study.error." + change];
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["study.roundOpened", Rounds.First(r => r.Id == roundId).Number];
        return Redirect($"/f/studies/{studyId}");
    }

    public async Task<IActionResult> OnPostCloseAsync(long studyId, long roundId)
    {
        if (!await LoadAsync(studyId) || Rounds.All(r => r.Id != roundId)) return NotFound();
        var change = await roundService.CloseAsync(roundId);
        if (change != RoundChange.Done)
        {
            RoundError = t["study.error." + change];
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["study.roundClosed", Rounds.First(r => r.Id == roundId).Number];
        return Redirect($"/f/studies/{studyId}");
    }

    public async Task<IActionResult> OnPostAddGroupAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var parts = (GroupName ?? "").Split('|', 2, StringSplitOptions.TrimEntries);
        var slug = Slug.From(parts[0]);
        if (parts[0].Length == 0) ModelState.AddModelError(nameof(GroupName), t["study.error.groupName"]);
        else if (Groups.Any(g => g.Slug == slug)) ModelState.AddModelError(nameof(GroupName), t["studies.error.groupsDuplicate"]);
        else if (parts.Any(p => p.Length > 200)) ModelState.AddModelError(nameof(GroupName), t["error.tooLong", 200]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        await _studies.AddGroupAsync(studyId, slug, parts[0], parts.Length > 1 && parts[1].Length > 0 ? parts[1] : parts[0]);
        Notice = t["study.groupAdded", parts[0]];
        return Redirect($"/f/studies/{studyId}");
    }

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        Rounds = await rounds.ListAsync(studyId);
        ItemCount = (await items.ListAsync(studyId)).Count;
        ParticipantCount = (await participants.CountByGroupAsync(studyId)).Values.Sum();
        return true;
    }
}
