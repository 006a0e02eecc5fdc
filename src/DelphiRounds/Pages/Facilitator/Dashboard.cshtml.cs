using DelphiRounds.Answers;
using DelphiRounds.Items;
using DelphiRounds.Live;
using DelphiRounds.Outbox;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>The live dashboard: response per stakeholder group and each item's aggregate, updated as answers come in.</summary>
public sealed class DashboardModel(StudyStore studies, RoundStore rounds, ItemStore items, LiveAggregates live, DashboardReader dashboard, ResponseRates responseRates)
    : StudyPageModel(studies)
{
    /// <summary>Response per stakeholder group in every round that has opened (attrition).</summary>
    public IReadOnlyList<RoundResponse> RoundResponses { get; private set; } = [];

    public Round? Round { get; private set; }
    public DashboardResponse ResponseRates { get; private set; } = null!;
    public IReadOnlyList<(RoundItem RoundItem, Item Item)> Items { get; private set; } = [];
    public IReadOnlyDictionary<long, ItemStats> Stats { get; private set; } = new Dictionary<long, ItemStats>();

    public async Task<IActionResult> OnGetAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        Round = await rounds.CurrentAsync(studyId);
        ResponseRates = await dashboard.ReadAsync(studyId, Kernel.LanguageSetup.IsEnglish);
        RoundResponses = await responseRates.ReadAsync(studyId);
        if (Round is not null)
        {
            var byId = (await items.ListAsync(studyId)).ToDictionary(i => i.Id);
            Items = (await rounds.ItemsAsync(Round.Id)).Select(ri => (ri, byId[ri.ItemId])).ToList();
            Stats = (await live.SnapshotAsync(Round.Id, Round.State == RoundStates.Closed) ?? []).ToDictionary(s => s.ItemId);
        }
        return Page();
    }
}
