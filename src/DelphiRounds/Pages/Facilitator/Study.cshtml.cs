using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>A study's overview: facts, rounds (open/close), consensus criteria, stakeholder groups.</summary>
public sealed class StudyModel(StudyStore studies, RoundStore rounds, RoundService roundService, ItemStore items, ParticipantStore participants, IStringLocalizer<Texts> t,
    Organisations.OrganisationStore organisations)
    : StudyPageModel(studies)
{
    private readonly StudyStore _studies = studies;

    public IReadOnlyList<Round> Rounds { get; private set; } = [];
    public int ItemCount { get; private set; }
    /// <summary>Items that can have rules of their own (rating, numeric, year).</summary>
    public IReadOnlyList<Item> JudgedItems { get; private set; } = [];
    public int ParticipantCount { get; private set; }
    public string? RoundError { get; private set; }
    /// <summary>Before any round opened: organisations and people per group, with a warning for a group below the threshold.</summary>
    public CoverageView? Coverage { get; private set; }
    /// <summary>When the vision was frozen: the panel is asked no more rounds, so none is offered.</summary>
    public DateTimeOffset? ConcludedAt { get; private set; }

    [BindProperty] public string? GroupName { get; set; }
    [BindProperty] public string? RoundKind { get; set; }
    [BindProperty] public string? RoundMode { get; set; }
    [BindProperty] public string? MaxIqr { get; set; }
    [BindProperty] public string? MinAgreementPercent { get; set; }
    [BindProperty] public string? AgreementTopCategories { get; set; }
    [BindProperty] public string? MaxChangedPercent { get; set; }
    [BindProperty] public string? MinGroupSize { get; set; }
    [BindProperty] public string? MaxRounds { get; set; }
    [BindProperty] public bool RequireEveryGroup { get; set; }
    // Version 2's criteria (the form shows them only for a study under version 2).
    [BindProperty] public string? DisagreementBottomCategories { get; set; }
    [BindProperty] public string? MaxNetChangePercent { get; set; }
    [BindProperty] public string? MedianShiftPercent { get; set; }
    [BindProperty] public string? MinRoundForConsensus { get; set; }
    /// <summary>Version 2: whose answers an item that asks the expertise is judged on: <c>all</c> (the default) or <c>experts</c>.</summary>
    [BindProperty] public string? VerdictBasis { get; set; }
    /// <summary>The panel is residents (the citizen-panel form).</summary>
    [BindProperty] public bool CitizenPanel { get; set; }
    // One item's own rules (version 2).
    [BindProperty] public long? RulesItemId { get; set; }
    [BindProperty] public string? ItemAgreementLow { get; set; }
    [BindProperty] public string? ItemAgreementHigh { get; set; }
    [BindProperty] public string? ItemDisagreementLow { get; set; }
    [BindProperty] public string? ItemDisagreementHigh { get; set; }
    [BindProperty] public string? ItemMaxIqr { get; set; }
    [BindProperty] public string? ItemMaxMedianShift { get; set; }
    public bool ItemRulesErrors { get; private set; }

    /// <summary>
    /// Sets (or, with every field empty, clears) one item's own rules before the lock. The whole set of rules is
    /// checked as the API checks it, and a refusal names the field next to which it is shown.
    /// </summary>
    public async Task<IActionResult> OnPostItemRulesAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        var item = JudgedItems.FirstOrDefault(i => i.Id == RulesItemId);
        if (item is null) ModelState.AddModelError(nameof(RulesItemId), t["criteria.error.item"]);
        double? Optional(string field, string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (double.TryParse(text.Replace(',', '.'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
            ModelState.AddModelError(field, t["criteria.error.number"]);
            return null;
        }
        double[]? Band(string lowField, string? lowText, string highField, string? highText)
        {
            var (low, high) = (Optional(lowField, lowText), Optional(highField, highText));
            if (low is null && high is null) return null;
            if (low is null) ModelState.AddModelError(lowField, t["criteria.error.bandEnd"]);
            if (high is null) ModelState.AddModelError(highField, t["criteria.error.bandEnd"]);
            return low is { } l && high is { } h ? [l, h] : null;
        }
        var own = new ItemRules
        {
            AgreementBand = Band(nameof(ItemAgreementLow), ItemAgreementLow, nameof(ItemAgreementHigh), ItemAgreementHigh),
            DisagreementBand = Band(nameof(ItemDisagreementLow), ItemDisagreementLow, nameof(ItemDisagreementHigh), ItemDisagreementHigh),
            MaxIqr = Optional(nameof(ItemMaxIqr), ItemMaxIqr),
            MaxMedianShift = Optional(nameof(ItemMaxMedianShift), ItemMaxMedianShift),
        };
        var rules = Study.Rules;
        if (ModelState.IsValid && item is not null)
        {
            var all = new SortedDictionary<string, ItemRules>(rules.Items ?? new SortedDictionary<string, ItemRules>(), StringComparer.Ordinal);
            var key = item.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (own == new ItemRules()) all.Remove(key); else all[key] = own;
            rules = rules with { Items = all.Count == 0 ? null : all };
            if (ItemRulesCheck.Find(rules, JudgedItems) is { } problem)
            {
                var field = problem.Field.EndsWith(".agreementBand", StringComparison.Ordinal) ? nameof(ItemAgreementLow)
                    : problem.Field.EndsWith(".disagreementBand", StringComparison.Ordinal) ? nameof(ItemDisagreementLow)
                    : problem.Field.EndsWith(".maxIqr", StringComparison.Ordinal) ? nameof(ItemMaxIqr)
                    : problem.Field.EndsWith(".maxMedianShift", StringComparison.Ordinal) ? nameof(ItemMaxMedianShift)
                    : nameof(RulesItemId);
                ModelState.AddModelError(field, t["criteria.error.itemRule." + field]);
            }
        }
        if (!ModelState.IsValid)
        {
            ItemRulesErrors = true;
            Response.StatusCode = 400;
            return Page();
        }
        if (rules.RulesVersion != 2 || !await _studies.SetRulesAsync(studyId, rules))
        {
            RoundError = t["criteria.error.locked"];
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["criteria.saved"];
        return Redirect($"/f/studies/{studyId}");
    }
    public bool CriteriaErrors { get; private set; }

    /// <summary>Whose voice counts: <c>person</c> or <c>organisation</c> (the form's radio buttons).</summary>
    [BindProperty] public string? Unit { get; set; }
    /// <summary>The study's organisations: without any, one voice per organisation is one voice per person.</summary>
    public int OrganisationCount { get; private set; }

    /// <summary>Chooses whose voice counts while the rules are not locked (before round 1 opens); refused with 409 after.</summary>
    public async Task<IActionResult> OnPostUnitAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (Consensus.Voices.Parse(Unit) is not { } unit)
        {
            ModelState.AddModelError(nameof(Unit), t["voice.error.unit"]);
            Response.StatusCode = 400;
            return Page();
        }
        if (Study.CriteriaLocked || !await _studies.SetRulesAsync(studyId, Study.Rules.WithUnit(unit)))
        {
            RoundError = t["criteria.error.locked"];
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["voice.saved", t["voice.unit." + Consensus.Voices.Name(unit)]];
        return Redirect($"/f/studies/{studyId}");
    }

    /// <summary>Says whether the panel is residents (a citizen panel) while the rules are not locked; refused with 409 after, as the API refuses.</summary>
    public async Task<IActionResult> OnPostCitizenPanelAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        if (Study.CriteriaLocked || !await _studies.SetCitizenPanelAsync(studyId, CitizenPanel))
        {
            RoundError = t["citizenPanel.error.locked"];
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t[CitizenPanel ? "citizenPanel.savedYes" : "citizenPanel.savedNo"];
        return Redirect($"/f/studies/{studyId}");
    }

    /// <summary>Saves the consensus criteria while they are not locked yet (before round 1 opens).</summary>
    public async Task<IActionResult> OnPostCriteriaAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        double? Number(string field, string? text, double min, double max)
        {
            if (double.TryParse((text ?? "").Replace(',', '.'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
                && v >= min && v <= max) return v;
            ModelState.AddModelError(field, t["criteria.error.range", min, max]);
            return null;
        }
        var maxIqr = Number(nameof(MaxIqr), MaxIqr, 0, 6);
        var agreement = Number(nameof(MinAgreementPercent), MinAgreementPercent, 0, 100);
        var top = Number(nameof(AgreementTopCategories), AgreementTopCategories, 1, 6);
        var v2 = Study.Rules.RulesVersion == 2;
        var changed = v2 ? null : Number(nameof(MaxChangedPercent), MaxChangedPercent, 0, 100);
        var minGroup = Number(nameof(MinGroupSize), MinGroupSize, 3, 100);
        var rounds = Number(nameof(MaxRounds), MaxRounds, 1, 10);
        double? bottom = null, net = null, shift = null, minRound = null;
        if (v2)
        {
            bottom = Number(nameof(DisagreementBottomCategories), DisagreementBottomCategories, 1, 6);
            net = Number(nameof(MaxNetChangePercent), MaxNetChangePercent, 0, 100);
            shift = Number(nameof(MedianShiftPercent), MedianShiftPercent, 0, 100);
            // A shift of 0 would call every moved median unstable, so nothing could ever settle.
            if (shift is <= 0)
            {
                ModelState.AddModelError(nameof(MedianShiftPercent), t["criteria.error.aboveZero"]);
                shift = null;
            }
            minRound = Number(nameof(MinRoundForConsensus), MinRoundForConsensus, 1, 10);
            // No choice sent (an older form): every answer counts, as before.
            if (!string.IsNullOrEmpty(VerdictBasis) && VerdictBasis is not (ConsensusRules.BasisAll or ConsensusRules.BasisExperts))
                ModelState.AddModelError(nameof(VerdictBasis), t["criteria.error.verdictBasis"]);
        }
        if (!ModelState.IsValid)
        {
            CriteriaErrors = true;
            Response.StatusCode = 400;
            return Page();
        }
        var rules = Study.Rules with
        {
            MaxIqr = maxIqr!.Value, MinAgreement = agreement!.Value / 100, AgreementTopCategories = (int)top!.Value,
            MaxChangedFraction = changed is { } c ? c / 100 : Study.Rules.MaxChangedFraction, MinGroupSize = (int)minGroup!.Value, MaxRounds = (int)rounds!.Value,
            RequireEveryGroup = RequireEveryGroup,
        };
        if (v2)
            rules = rules with
            {
                DisagreementBottomCategories = (int)bottom!.Value, MaxNetChange = net!.Value / 100,
                MaxMedianShiftShareOfRange = shift!.Value / 100, MinRoundForConsensus = (int)minRound!.Value,
                // "all" is what no basis means: stored as none, so the canonical JSON (and hash) stays as it was.
                VerdictBasis = VerdictBasis == ConsensusRules.BasisExperts ? ConsensusRules.BasisExperts : null,
            };
        if (!await _studies.SetRulesAsync(studyId, rules))
        {
            RoundError = t["criteria.error.locked"];
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["criteria.saved"];
        return Redirect($"/f/studies/{studyId}");
    }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) =>
        await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostNewRoundAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var prepared = await roundService.PrepareAsync(Study, RoundKind == RoundKinds.Ideas ? RoundKinds.Ideas : RoundKinds.Rating,
            RoundModes.All.Contains(RoundMode) ? RoundMode! : RoundModes.Live, null);
        if (prepared.Round is null)
        {
            RoundError = prepared.ConcludedAt is { } at ? t["study.error.Concluded", at.ToLocalTime().ToString("g")] : prepared.Message;
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["study.roundPrepared", prepared.Round.Number];
        return Redirect($"/f/studies/{studyId}");
    }

    public async Task<IActionResult> OnPostOpenAsync(long studyId, long roundId)
    {
        if (!await LoadAsync(studyId) || Rounds.All(r => r.Id != roundId)) return NotFound();
        var change = await roundService.OpenAsync(roundId);
        if (change != RoundChange.Done)
        {
            RoundError = change == RoundChange.Concluded ? t["study.error.Concluded", ConcludedAt!.Value.ToLocalTime().ToString("g")] : WhyNot(roundId, change);
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
            RoundError = WhyNot(roundId, change);
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["study.roundClosed", Rounds.First(r => r.Id == roundId).Number];
        return Redirect($"/f/studies/{studyId}");
    }

    /// <summary>
    /// Why a round did not change, in terms of what already happened to it: a button pressed in a tab opened
    /// before someone else (or the same person) opened or closed the round says when that was.
    /// </summary>
    private string WhyNot(long roundId, RoundChange change)
    {
        var round = Rounds.First(r => r.Id == roundId);
        string When(DateTimeOffset? at) => at?.ToLocalTime().ToString("g") ?? "";
        return change != RoundChange.WrongState ? t["study.error." + change]
            : round.State == RoundStates.Closed ? t["study.error.alreadyClosed", round.Number, When(round.ClosedAt)]
            : round.State == RoundStates.Open ? t["study.error.alreadyOpen", round.Number, When(round.OpenedAt)]
            : t["study.error.notOpenYet", round.Number];
    }

    public async Task<IActionResult> OnPostAddGroupAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var parts = (GroupName ?? "").Split('|', 2, StringSplitOptions.TrimEntries);
        var slug = Slug.From(parts[0]);
        if (parts[0].Length == 0) ModelState.AddModelError(nameof(GroupName), t[parts.Length > 1 && parts[1].Length > 0 ? "studies.error.groupNameNl" : "study.error.groupName"]);
        else if (Groups.Any(g => g.Slug == slug)) ModelState.AddModelError(nameof(GroupName), t["studies.error.groupsDuplicate"]);
        else if (parts.Any(p => p.Length > 200)) ModelState.AddModelError(nameof(GroupName), t["error.tooLong", 200]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        if (await _studies.AddGroupAsync(studyId, slug, parts[0], parts.Length > 1 && parts[1].Length > 0 ? parts[1] : parts[0]) is null)
        {
            // Added meanwhile (another tab or request): said next to the field, as when it was there before.
            await LoadAsync(studyId);
            ModelState.AddModelError(nameof(GroupName), t["studies.error.groupsDuplicate"]);
            Response.StatusCode = 400;
            return Page();
        }
        Notice = t["study.groupAdded", parts[0]];
        return Redirect($"/f/studies/{studyId}");
    }

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        Rounds = await rounds.ListAsync(studyId);
        var all = await items.ListAsync(studyId);
        ItemCount = all.Count;
        JudgedItems = all.Where(i => ItemKinds.IsNumberLike(i.Kind) && !i.IsRetired).ToList();
        ParticipantCount = (await participants.CountByGroupAsync(studyId)).Values.Sum();
        ConcludedAt = await roundService.ConcludedAtAsync(studyId);
        OrganisationCount = (await organisations.ListAsync(studyId)).Count;
        if (Rounds.All(r => r.State == RoundStates.Draft)) Coverage = await CoverageView.LoadAsync(Groups, organisations, studyId);
        return true;
    }
}
