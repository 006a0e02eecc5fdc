using System.Text.Json;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Live;
using DelphiRounds.Organisations;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Convergence;

/// <summary>An item's figures in one round: from the snapshot taken when the round closed, or live while it is open.</summary>
/// <param name="Round">Round number.</param>
/// <param name="Open">True for the open round (figures so far, no verdict yet).</param>
/// <param name="N">Answers (raters, for a ranking).</param>
/// <param name="Median">Median of the answers.</param>
/// <param name="Q1">First quartile.</param>
/// <param name="Q3">Third quartile.</param>
/// <param name="Iqr">Interquartile range.</param>
/// <param name="Agreement">Share of answers in the agreement band (rating items).</param>
/// <param name="ChangedFraction">Share of the panel that changed its answer since the previous round.</param>
/// <param name="KendallW">Kendall's W (ranking items).</param>
/// <param name="MeanRanks">Mean rank per option (ranking items).</param>
/// <param name="Verdict">The stopping rule's verdict when the round closed.</param>
/// <param name="Reasons">Why consensus was not reached.</param>
/// <param name="Disagreement">Version 2: share of answers in the disagreement band (rating items).</param>
/// <param name="NetChange">Version 2: net change of the distribution since the previous round (rating items).</param>
/// <param name="MedianShift">Version 2: how far the median moved since the previous round (numbers and years).</param>
public sealed record RoundFigures(
    int Round, bool Open, int N, double? Median, double? Q1, double? Q3, double? Iqr, double? Agreement,
    double? ChangedFraction, double? KendallW, IReadOnlyDictionary<string, double> MeanRanks, string? Verdict, IReadOnlyList<string> Reasons,
    double? Disagreement = null, double? NetChange = null, double? MedianShift = null)
{
    /// <summary>
    /// How many answered "don't know" in this round, counted apart from every figure above; null while fewer than k
    /// chose it (or for an item that does not offer it), so a small count is never shown.
    /// </summary>
    public int? DontKnow { get; init; }
}

/// <summary>A closed round's figures of everyone and of the experts (self-rated 4 or 5) side by side, for an item that asks the expertise.</summary>
/// <param name="Round">Round number.</param>
/// <param name="All">Every answer with a value.</param>
/// <param name="Experts">The experts' answers; null when fewer than k experts answered, or when the others are fewer than k
/// (everyone's figures less the experts' would show them).</param>
public sealed record ExpertFigures(int Round, Statistics All, Statistics? Experts);

/// <summary>A stakeholder group's figures over the rounds; a round where the group had fewer than the threshold of answers is left out.</summary>
public sealed record GroupFigures(string Slug, string Name, IReadOnlyList<RoundFigures> Rounds);

/// <summary>One item's convergence: its figures per round, overall and per stakeholder group, and its latest verdict.</summary>
public sealed record ItemConvergenceView(
    Item Item, int Number, LocalizedText Text, IReadOnlyList<RoundFigures> Rounds, IReadOnlyList<GroupFigures> Groups,
    ConsensusCriteria? Criteria, double MinKendallW, string? Verdict, int? VerdictRound, IReadOnlyList<string> Reasons,
    ItemConvergence? Latest = null, IReadOnlyList<StakeholderGroup>? AllGroups = null, ItemConvergence? LiveVerdict = null)
{
    /// <summary>An item that asks the expertise: each closed round's figures of everyone next to the experts'.</summary>
    public IReadOnlyList<ExpertFigures> Experts { get; init; } = [];

    /// <summary>The verdict rests on the experts alone (the locked rules' <c>verdictBasis: experts</c>).</summary>
    public bool VerdictFromExperts { get; init; }

    /// <summary>The k below which a count is not shown.</summary>
    public int ReleaseK { get; init; } = ConsensusRules.MinReleaseK;

    /// <summary>The study's stakeholder groups, to name the poles and groups in a verdict.</summary>
    public IReadOnlyList<StakeholderGroup> GroupList => AllGroups ?? [];

    /// <summary>What people read: the verdict, or polarised (no consensus, two camps).</summary>
    public string? Outcome => Latest?.Outcome ?? Verdict;

    public bool IsRanking => Item.Kind == ItemKinds.Ranking;

    /// <summary>Version 2's figures appear in some round: the table shows their columns.</summary>
    public bool HasDisagreement => Rounds.Any(r => r.Disagreement is not null);
    public bool HasNetChange => Rounds.Any(r => r.NetChange is not null);
    public bool HasMedianShift => Rounds.Any(r => r.MedianShift is not null);

    /// <summary>The lowest and highest value the charts must show.</summary>
    public (double Min, double Max) Domain
    {
        get
        {
            if (Item.Scale is { } scale) return (scale.Min, scale.Max);
            var values = Rounds.Concat(Groups.SelectMany(g => g.Rounds))
                .SelectMany(r => new[] { r.Q1, r.Median, r.Q3 }).OfType<double>().ToList();
            if (values.Count == 0) return (Item.RangeMin ?? 0, Item.RangeMax ?? 1);
            double min = values.Min(), max = values.Max();
            var pad = Math.Max((max - min) * 0.15, Item.Kind == ItemKinds.Year ? 1 : Math.Abs(max) * 0.05 + 0.5);
            return (Math.Max(Item.RangeMin ?? double.MinValue, min - pad), Math.Min(Item.RangeMax ?? double.MaxValue, max + pad));
        }
    }
}

/// <summary>
/// Where the study stands: each item's convergence, whether the study stops, and the open round if any; <c>Voices</c> is
/// how many voices the study's unit has: its organisations (one voice per organisation) or its panel members.
/// </summary>
public sealed record StudyConvergenceView(
    Study Study, Round? OpenRound, int LastClosedRound, int MaxRounds, bool Stops, int Continuing,
    IReadOnlyList<ItemConvergenceView> Items, string StopReason = StopReasons.NoRoundClosed, int Voices = 0)
{
    /// <summary>Whose voice counts, locked with the rules.</summary>
    public VoiceUnit Unit => Study.Rules.VoiceUnit;
}

/// <summary>
/// Builds the convergence view from the snapshots kept when rounds closed (the analyze contract's output)
/// and, for the open round, the live aggregates. Group figures below the anonymity threshold are left out.
/// </summary>
public sealed class ConvergenceReader(
    StudyStore studies, ItemStore items, RoundStore rounds, ConvergenceStore snapshots, ConvergenceService convergence,
    LiveAggregates live, IOptions<LiveOptions> liveOptions, LiveReleaseStore releases, ReleasedAnswers answers, OrganisationStore organisations,
    ParticipantStore participants) : IReasonWords, IOpenRoundVerdicts
{
    /// <summary>The facilitator's live push: the open round's verdicts, computed as this page's live verdicts are.</summary>
    async Task<IReadOnlyDictionary<long, ItemVerdict>> IOpenRoundVerdicts.ForOpenRoundAsync(long roundId, IReadOnlyDictionary<long, ItemRelease>? held)
    {
        if (await rounds.FindAsync(roundId) is not { IsOpen: true, Kind: RoundKinds.Rating } round) return new Dictionary<long, ItemVerdict>();
        return LiveVerdicts(round, await convergence.OpenRoundAsync(round.StudyId, round, held ?? await releases.ForRoundAsync(round.Id)));
    }

    private static Dictionary<long, ItemVerdict> LiveVerdicts(Round round, IReadOnlyDictionary<long, ItemConvergence> judged) =>
        judged.ToDictionary(x => x.Key, x => new ItemVerdict(x.Key, round.Number, x.Value.Verdict, x.Value.Outcome,
            x.Value.Poles?.For, x.Value.Poles?.Against, x.Value.Fragility is not null, x.Value.DependsOnDropouts));

    private int MinGroup => Math.Max(3, liveOptions.Value.MinGroupAnswersShown);

    /// <summary>The stats endpoint's reasons: the same words as this page, for the round asked (open: on the released figures; closed: as its close judged).</summary>
    async Task<RoundReasons> IReasonWords.ForRoundAsync(Round round, IReadOnlyList<ItemStats> shown, bool english, bool withLiveVerdicts)
    {
        var result = new Dictionary<long, IReadOnlyList<string>>();
        var judged = shown.Where(i => i.Consensus is not null).ToDictionary(i => i.ItemId);
        withLiveVerdicts = withLiveVerdicts && round.IsOpen;
        if (round.Kind != RoundKinds.Rating) return new RoundReasons(result, withLiveVerdicts ? [] : null);
        if (judged.Count == 0 && !withLiveVerdicts) return new RoundReasons(result, null);
        // One judgement of the open round's released figures gives both the reasons and the live verdicts.
        var open = round.IsOpen ? await convergence.OpenRoundAsync(round.StudyId, round, await releases.ForRoundAsync(round.Id)) : null;
        var live = withLiveVerdicts ? LiveVerdicts(round, open!).Values.OrderBy(v => v.ItemId).ToList() : null;
        if (judged.Count == 0) return new RoundReasons(result, live);
        var study = (await studies.FindAsync(round.StudyId))!;
        var groups = await studies.GroupsAsync(round.StudyId);
        var byId = (await items.ListAsync(round.StudyId)).ToDictionary(i => i.Id);
        var reasons = new Dictionary<long, BothLanguages>();
        if (open is not null)
            foreach (var (id, c) in open)
                reasons[id] = c.Reasons;
        else if (round.State == RoundStates.Closed)
            foreach (var s in await snapshots.ForRoundAsync(round.Id))
                if (byId.TryGetValue(s.ItemId, out var item))
                    reasons[s.ItemId] = VerdictWords.Explain(s.Verdict, round.Number, ConvergenceService.ParseAnalysis(s.AnalysisJson), item, study.Rules, groups).Reasons;
        var culture = english ? "en" : "nl";
        foreach (var (id, stats) in judged)
        {
            if (!reasons.TryGetValue(id, out var both)) continue;
            // A group whose figures are not shown beside the item is never named: its line says only that not every group agrees.
            var hidden = groups.Where(g => !stats.Groups.ContainsKey(g.Slug)).Select(g => g.Name(english)).Where(n => n.Length > 0).ToList();
            var lines = new List<string>();
            var replaced = false;
            foreach (var line in both.For(english))
            {
                if (hidden.Any(n => line.Contains(n, StringComparison.Ordinal)))
                {
                    if (!replaced) lines.Add(Kernel.JsonStringLocalizerFactory.Table(culture)["verdict.reason.notEveryGroup"]);
                    replaced = true;
                }
                else lines.Add(line);
            }
            result[id] = lines;
        }
        return new RoundReasons(result, live);
    }

    public async Task<StudyConvergenceView> ReadAsync(long studyId, bool english, long? onlyItem = null)
    {
        var study = (await studies.FindAsync(studyId))!;
        var rules = study.Rules;
        var groups = await studies.GroupsAsync(studyId);
        var numbered = (await rounds.ListAsync(studyId)).Where(r => r.Kind == RoundKinds.Rating && r.State != RoundStates.Draft).ToList();
        var open = numbered.FirstOrDefault(r => r.IsOpen);
        var stored = (await snapshots.ForStudyAsync(studyId)).ToDictionary(s => (s.RoundId, s.ItemId));
        var asked = new Dictionary<long, IReadOnlyList<RoundItem>>();
        foreach (var r in numbered) asked[r.Id] = await rounds.ItemsAsync(r.Id);
        var liveStats = open is null ? new Dictionary<long, ItemStats>()
            : (await live.SnapshotAsync(open.Id) ?? []).ToDictionary(s => s.ItemId);
        // While a round is open the facilitator sees each item's full verdict on the figures released so far (never on
        // answers the threshold release still holds back), judged as the close would judge it.
        var liveVerdicts = open is null ? new Dictionary<long, ItemConvergence>()
            : await convergence.OpenRoundAsync(studyId, open, await releases.ForRoundAsync(open.Id));
        var k = rules.EffectiveReleaseK;
        // Closed rounds: the final answers, for the "don't know" counts and the experts' figures (not in the snapshots,
        // which are exactly what delphi analyze prints).
        var closedAnswers = new Dictionary<long, IReadOnlyList<Answers.CurrentAnswer>>();
        foreach (var r in numbered.Where(r => r.State == RoundStates.Closed)) closedAnswers[r.Id] = await answers.OfClosedAsync(r.Id);

        // Each item keeps its own number (its place in the questionnaire), as on the questionnaire, the vision and
        // the signing page; round 0's open questions have no figures, so their numbers are simply not shown here.
        var withFigures = (await items.ListAsync(studyId)).Where(i => i.Kind != ItemKinds.Text).ToList();
        var number = withFigures.ToDictionary(i => i.Id, i => i.Position);
        var all = withFigures.Where(i => onlyItem is null || i.Id == onlyItem).ToList();
        var status = await convergence.StudyAsync(studyId);
        var latest = status.Items.ToDictionary(i => i.ItemId);
        var views = new List<ItemConvergenceView>();
        foreach (var item in all)
        {
            var overall = new List<RoundFigures>();
            var experts = new List<ExpertFigures>();
            var perGroup = groups.ToDictionary(g => g.Slug, _ => new List<RoundFigures>());
            LocalizedText text = item.Text;
            foreach (var r in numbered)
            {
                var ri = asked[r.Id].FirstOrDefault(x => x.ItemId == item.Id);
                if (ri is null) continue;
                text = ri.Text;
                if (stored.TryGetValue((r.Id, item.Id), out var snapshot))
                {
                    var json = JsonDocument.Parse(snapshot.AnalysisJson).RootElement;
                    // The same groups as every other screen: none the panel's figures less the groups shown would give away.
                    var groupsOf = json.TryGetProperty("groups", out var g) ? g.EnumerateObject().ToList() : [];
                    var shown = GroupSuppression.Shown(groupsOf.Select(x => KeyValuePair.Create(x.Name, Int(x.Value, "n"))), MinGroup);
                    var figures = FromJson(r.Number, false, json, snapshot.Verdict);
                    if (closedAnswers.TryGetValue(r.Id, out var final))
                    {
                        if (item.OffersDontKnow && AnalysisInputs.DontKnowCount(item.Id, final) is var dk && dk >= k) figures = figures with { DontKnow = dk };
                        if (item.AsksExpertise && AnalysisInputs.Everyone(item, rules, final) is { } everyone)
                        {
                            var ex = AnalysisInputs.Experts(item, rules, final);
                            var others = everyone.Overall.N - (ex?.Overall.N ?? 0);
                            experts.Add(new ExpertFigures(r.Number, everyone.Overall,
                                ex is { } e && e.Overall.N >= k && (others == 0 || others >= k) ? e.Overall : null));
                        }
                    }
                    overall.Add(figures with { Reasons = ShownReasons.Filter(figures.Reasons, groupsOf.Select(x => x.Name).Where(n => !shown.Contains(n))) });
                    foreach (var group in groupsOf)
                        if (perGroup.TryGetValue(group.Name, out var list) && shown.Contains(group.Name))
                            list.Add(FromJson(r.Number, false, group.Value, null));
                }
                else if (r.IsOpen && liveStats.TryGetValue(item.Id, out var stats))
                {
                    overall.Add(FromLive(r.Number, stats) with { DontKnow = item.OffersDontKnow ? stats.DontKnow : null });
                    foreach (var (slug, s) in stats.Groups)
                        if (perGroup.TryGetValue(slug, out var list) && s.N >= MinGroup)
                            list.Add(FromStatistics(r.Number, true, s, null, null, null));
                }
            }
            var last = overall.LastOrDefault(f => f.Verdict is not null);
            views.Add(new ItemConvergenceView(item, number[item.Id], text, overall,
                groups.Where(g => perGroup[g.Slug].Count > 0).Select(g => new GroupFigures(g.Slug, g.Name(english), perGroup[g.Slug])).ToList(),
                rules.ForLive(item), rules.MinKendallWFor(item.Id), last?.Verdict, last?.Round, last?.Reasons ?? [], latest.GetValueOrDefault(item.Id), groups,
                liveVerdicts.GetValueOrDefault(item.Id))
            {
                Experts = experts,
                VerdictFromExperts = rules.VerdictFromExperts(item.Id),
                ReleaseK = k,
            });
        }
        var lastClosed = numbered.Where(r => r.State == RoundStates.Closed).Select(r => r.Number).DefaultIfEmpty(0).Max();
        // "one voice per organisation (n organisations)": the organisations at the table, or the people of the panel.
        var voices = rules.VoiceUnit == VoiceUnit.Organisation
            ? (await organisations.ListAsync(studyId)).Count
            : (await participants.ListAsync(studyId)).Count;
        return new StudyConvergenceView(study, open, lastClosed, status.MaxRounds, status.Stops,
            status.Items.Count(i => i.Verdict == Verdicts.Continue), views, status.StopReason, voices);
    }

    private static RoundFigures FromJson(int round, bool open, JsonElement e, string? verdict)
    {
        if (e.TryGetProperty("kind", out var kind) && kind.GetString() == "ranking")
        {
            var ranks = e.TryGetProperty("meanRanks", out var mr)
                ? mr.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).ToDictionary(p => p.Name, p => p.Value.GetDouble())
                : [];
            return new RoundFigures(round, open, Int(e, "m"), null, null, null, null, null, null, Num(e, "kendallW"), ranks, verdict, []);
        }
        var reasons = e.TryGetProperty("consensus", out var c) && c.TryGetProperty("reasons", out var rs)
            ? rs.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
        var stability = e.TryGetProperty("stability", out var st) ? st : (JsonElement?)null;
        return new RoundFigures(round, open, Int(e, "n"), Num(e, "median"), Num(e, "q1"), Num(e, "q3"), Num(e, "iqr"),
            Num(e, "agreementInBand"), stability is { } s1 ? Num(s1, "changedFraction") : null, null, new Dictionary<string, double>(), verdict, reasons,
            Num(e, "disagreementInBand"), stability is { } s2 ? Num(s2, "netChange") : null, stability is { } s3 ? Num(s3, "medianShift") : null);
    }

    private static RoundFigures FromLive(int round, ItemStats s) =>
        s.Ranking is { } ranking
            ? new RoundFigures(round, true, ranking.M, null, null, null, null, null, null, ranking.KendallW, ranking.MeanRanks, null, [])
            : FromStatistics(round, true, s.Overall, null, s.Consensus?.Reasons, null);

    private static RoundFigures FromStatistics(int round, bool open, Statistics s, string? verdict, IReadOnlyList<string>? reasons, double? changed) =>
        new(round, open, s.N, s.Median, s.Q1, s.Q3, s.Iqr, s.AgreementInBand, changed, null, new Dictionary<string, double>(), verdict, reasons ?? []);

    private static int Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    private static double? Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
