using System.Data.Common;
using System.Text.Json;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Live;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

namespace DelphiRounds.Convergence;

/// <summary>One item's place in the study: its latest snapshot and verdict.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="LastRound">Number of the last closed round that asked it.</param>
/// <param name="Verdict">The stopping verdict: <c>consensus-for</c>, <c>consensus-against</c>, <c>stable-dissent</c> or <c>continue</c> (version 1: <c>consensus</c>).</param>
/// <param name="Analysis">The analyze contract's output for the item at its last closed round.</param>
/// <param name="Outcome">What people read: the verdict, or <c>polarised</c> when there is no consensus and two camps of groups.</param>
/// <param name="Poles">A polarised item's groups at each end (slugs, groups of at least the smallest judged size).</param>
/// <param name="Fragility">A consensus that one answer or one group would tip.</param>
/// <param name="DependsOnDropouts">True when the answers of those who left would change the direction.</param>
/// <param name="Reasons">Why, in plain words, in Dutch and English.</param>
/// <param name="Warnings">Fragility and attrition, in plain words, in Dutch and English.</param>
public sealed record ItemConvergence(long ItemId, int LastRound, string Verdict, JsonElement Analysis,
    string Outcome, PoleGroups? Poles, Fragility? Fragility, bool DependsOnDropouts, BothLanguages Reasons, BothLanguages Warnings);

/// <summary>Where a study stops and why.</summary>
public static class StopReasons
{
    public const string NoRoundClosed = "no-round-closed";
    /// <summary>Every item has consensus or stable dissent.</summary>
    public const string Settled = "settled";
    /// <summary>The maximum number of rounds has been reached, whatever the verdicts.</summary>
    public const string RoundLimit = "round-limit";
    /// <summary>Items continue; the study goes on.</summary>
    public const string Continuing = "continuing";
}

/// <summary>Where a study stands: each item's verdict, and whether the study stops.</summary>
/// <param name="StudyId">The study.</param>
/// <param name="ClosedRounds">How many rounds have closed.</param>
/// <param name="MaxRounds">The round limit of the locked rules.</param>
/// <param name="Stops">True when the study stops.</param>
/// <param name="Reason">Why, in one line.</param>
/// <param name="Items">Each item's latest verdict.</param>
/// <param name="StopReason">Which part of the stopping rule applies: <c>settled</c>, <c>round-limit</c>, <c>continuing</c> or <c>no-round-closed</c>.</param>
/// <param name="RulesVersion">The version of the consensus rules the study was locked with (1 or 2).</param>
/// <param name="Unit">Whose voice the figures and verdicts count, locked with the rules: <c>person</c> or <c>organisation</c>.</param>
public sealed record StudyConvergence(long StudyId, int ClosedRounds, int MaxRounds, bool Stops, string Reason, IReadOnlyList<ItemConvergence> Items,
    string StopReason, int RulesVersion, string Unit = "person");

/// <summary>
/// Convergence: when a round closes, each item's statistics (with stability against the previous round)
/// are kept as a snapshot with the stopping rule's verdict, in the same transaction as the close.
/// </summary>
public sealed class ConvergenceService(StudyStore studies, ItemStore items, RoundStore rounds, ConvergenceStore snapshots, TimeProvider time, ReleasedAnswers held)
    : IEventHandler<RoundClosing>, IItemSettlement, IItemVerdicts
{
    async Task<IReadOnlyList<ItemVerdict>> IItemVerdicts.UpToRoundAsync(long studyId, int roundNumber)
    {
        var study = (await studies.FindAsync(studyId))!;
        var closed = (await rounds.ListAsync(studyId)).Where(r => r.State == RoundStates.Closed && !r.IsIdeas && r.Number <= roundNumber)
            .ToDictionary(r => r.Id, r => r.Number);
        var byId = (await items.ListAsync(studyId)).ToDictionary(i => i.Id);
        var groups = await studies.GroupsAsync(studyId);
        return (await snapshots.ForStudyAsync(studyId)).Where(s => closed.ContainsKey(s.RoundId))
            .GroupBy(s => s.ItemId).Select(g => g.MaxBy(s => closed[s.RoundId])!)
            .Select(s =>
            {
                var x = VerdictWords.Explain(s.Verdict, closed[s.RoundId], ParseAnalysis(s.AnalysisJson), byId[s.ItemId], study.Rules, groups);
                return new ItemVerdict(s.ItemId, closed[s.RoundId], s.Verdict, x.Outcome, x.Poles?.For, x.Poles?.Against, x.Fragility is not null, x.DependsOnDropouts);
            })
            .OrderBy(v => v.ItemId).ToList();
    }

    async Task<int?> IItemSettlement.SettledInRoundAsync(long studyId, long itemId)
    {
        var closed = (await rounds.ListAsync(studyId)).Where(x => x.State == RoundStates.Closed).ToDictionary(x => x.Id, x => x.Number);
        var latest = (await snapshots.ForStudyAsync(studyId)).Where(s => s.ItemId == itemId)
            .OrderByDescending(s => closed.GetValueOrDefault(s.RoundId)).FirstOrDefault();
        return latest is null || latest.Verdict == Verdicts.Continue ? null : closed[latest.RoundId];
    }

    /// <summary>A closing round's snapshots commit with its close, or the round stays open.</summary>
    public Task HandleAsync(RoundClosing e) => SnapshotAsync(e.Connection, e.Transaction, e.Round);

    /// <summary>The work to do inside the close transaction of <paramref name="round"/>.</summary>
    public async Task SnapshotAsync(DbConnection c, DbTransaction tx, Round round)
    {
        var study = (await studies.FindAsync(round.StudyId))!;
        var rules = study.Rules;
        var byId = (await items.ListAsync(study.Id)).ToDictionary(i => i.Id);
        var asked = await rounds.ItemsAsync(round.Id);
        var current = await AnswerStore.CurrentAsync(c, tx, round.Id);
        var previousRound = await RoundStore.PreviousClosedAsync(c, tx, round);
        var previous = previousRound is null ? null : await AnswerStore.CurrentAsync(c, tx, previousRound.Id);
        var now = time.GetUtcNow();
        var previousSnapshots = previousRound is null ? [] : (await ConvergenceStore.ForRoundAsync(c, tx, previousRound.Id)).ToDictionary(x => x.ItemId);
        var changes = await items.ChangesAsync(study.Id);
        foreach (var ri in asked)
        {
            var item = byId[ri.ItemId];
            // A substantive rewording since the previous round starts a new series: nothing to be stable against.
            var before = AnalysisInputs.PreviousFor(item, previous, previousRound?.Number, changes);
            if (Judge(item, rules, current, before, round.Number, previousSnapshots.GetValueOrDefault(item.Id)) is not { } judged)
                continue; // open questions have no statistics
            await ConvergenceStore.InsertAsync(c, tx, new RoundSnapshot
            {
                RoundId = round.Id, ItemId = item.Id, AnalysisJson = judged.Json, Verdict = judged.Verdict, CreatedAt = now,
            });
        }
    }

    /// <summary>
    /// An item judged in round <paramref name="roundNumber"/> on <paramref name="current"/> (with <paramref name="before"/>,
    /// the previous closed round's answers of the same series, for stability): the analysis as <c>delphi analyze</c> prints
    /// it and the stopping rule's verdict. Null for open questions. The close and the live verdicts use this one rule.
    /// </summary>
    public static (string Json, string Verdict)? Judge(Item item, ConsensusRules rules, IReadOnlyList<CurrentAnswer> current,
        IReadOnlyList<CurrentAnswer>? before, int roundNumber, RoundSnapshot? previousSnapshot)
    {
        if (AnalysisInputs.Analyse(item, rules, current, before) is { } numbers)
            return (numbers.OutputJson, numbers.V2 is { } v2
                ? Settle(Verdicts.Name(v2.Verdict ?? ConsensusVerdict.Continue), roundNumber, rules)
                : Verdicts.Name(StoppingRule.Decide(numbers.Analysis, numbers.Input!.Criteria!)));
        if (AnalysisInputs.ForRanking(item, current, rules) is not { } ranking) return null;
        var analysis = Analyzer.AnalyzeRanking(ranking);
        var w = before is not null && previousSnapshot is { } p ? KendallW(p.AnalysisJson) : null;
        var decided = StoppingRule.DecideRanking(analysis,
            w is null ? null : analysis with { KendallW = w }, rules.MinKendallWFor(item.Id), rules.MaxKendallWChangeFor(item.Id));
        return (AnalysisJson.Write(analysis), rules.RulesVersion == 1 ? Verdicts.Name(decided)
            : Settle(decided == StoppingVerdict.Consensus ? Verdicts.ConsensusFor : Verdicts.Name(decided), roundNumber, rules));
    }

    /// <summary>
    /// The open round judged now, for its facilitator, exactly as its close would judge it but on the figures released
    /// so far (threshold release k, <c>live_releases</c>): each released item's verdict, outcome, poles, fragility and
    /// reasons. Items not released yet (fewer than k answers) have none. Participants never get these.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, ItemConvergence>> OpenRoundAsync(long studyId, Round open,
        IReadOnlyDictionary<long, ItemRelease> releases)
    {
        var result = new Dictionary<long, ItemConvergence>();
        if (releases.Count == 0) return result;
        var releasedAnswers = await held.ForAsync(open.Id, releases);
        var study = (await studies.FindAsync(studyId))!;
        var rules = study.Rules;
        var byId = (await items.ListAsync(studyId)).ToDictionary(i => i.Id);
        var groups = await studies.GroupsAsync(studyId);
        var previousRound = (await rounds.ListAsync(studyId))
            .Where(r => r.State == RoundStates.Closed && r.Kind == RoundKinds.Rating && r.Number < open.Number).MaxBy(r => r.Number);
        var previous = previousRound is null ? null : await held.OfClosedAsync(previousRound.Id);
        var previousSnapshots = previousRound is null ? [] : (await snapshots.ForRoundAsync(previousRound.Id)).ToDictionary(x => x.ItemId);
        var changes = await items.ChangesAsync(studyId);
        foreach (var ri in await rounds.ItemsAsync(open.Id))
        {
            if (!releasedAnswers.TryGetValue(ri.ItemId, out var released) || !byId.TryGetValue(ri.ItemId, out var item)) continue;
            if (released.Count == 0) continue;
            var before = AnalysisInputs.PreviousFor(item, previous, previousRound?.Number, changes);
            if (Judge(item, rules, released, before, open.Number, previousSnapshots.GetValueOrDefault(item.Id)) is not { } judged) continue;
            var analysis = ParseAnalysis(judged.Json);
            var x = VerdictWords.Explain(judged.Verdict, open.Number, analysis, item, rules, groups);
            result[item.Id] = new ItemConvergence(item.Id, open.Number, judged.Verdict, analysis, x.Outcome, x.Poles, x.Fragility, x.DependsOnDropouts, x.Reasons, x.Warnings);
        }
        return result;
    }

    /// <summary>
    /// Version 2: a round answered before the panel saw the figures of an earlier round cannot settle an item by
    /// consensus (round 1 agrees more easily than any later round: nobody was confronted with other views yet).
    /// </summary>
    public static string Settle(string verdict, int roundNumber, ConsensusRules rules) =>
        Verdicts.IsConsensus(verdict) && roundNumber < (rules.MinRoundForConsensus ?? 1) ? Verdicts.Continue : verdict;

    private static double? KendallW(string json) =>
        JsonDocument.Parse(json).RootElement.TryGetProperty("kendallW", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetDouble() : null;

    /// <summary>Each item's latest verdict, and whether the study stops (every item stopped, or the round limit).</summary>
    public async Task<StudyConvergence> StudyAsync(long studyId)
    {
        var study = (await studies.FindAsync(studyId))!;
        var all = await snapshots.ForStudyAsync(studyId);
        var closed = (await rounds.ListAsync(studyId)).Where(r => r.State == RoundStates.Closed).ToList();
        var numberOf = closed.ToDictionary(r => r.Id, r => r.Number);
        var byId = (await items.ListAsync(studyId)).ToDictionary(i => i.Id);
        var groups = await studies.GroupsAsync(studyId);
        var latest = all.GroupBy(s => s.ItemId)
            .Select(g => g.OrderByDescending(s => numberOf.GetValueOrDefault(s.RoundId)).First())
            .Select(s =>
            {
                var analysis = ParseAnalysis(s.AnalysisJson);
                var round = numberOf.GetValueOrDefault(s.RoundId);
                var x = VerdictWords.Explain(s.Verdict, round, analysis, byId[s.ItemId], study.Rules, groups);
                return new ItemConvergence(s.ItemId, round, s.Verdict, analysis, x.Outcome, x.Poles, x.Fragility, x.DependsOnDropouts, x.Reasons, x.Warnings);
            })
            .OrderBy(i => i.ItemId).ToList();
        var maxRounds = study.Rules.MaxRounds;
        var lastNumber = closed.Count == 0 ? 0 : closed.Max(r => r.Number);
        var stops = lastNumber > 0 && latest.Count > 0 && StoppingRule.StudyStops(latest.Select(i => Verdicts.Parse(i.Verdict)), lastNumber, maxRounds);
        // Both can hold at once; the report names the limit only when items were still open.
        var settled = latest.Count > 0 && latest.All(i => i.Verdict != Verdicts.Continue);
        var stopReason = lastNumber == 0 ? StopReasons.NoRoundClosed
            : settled ? StopReasons.Settled
            : lastNumber >= maxRounds ? StopReasons.RoundLimit
            : StopReasons.Continuing;
        var reason = stopReason switch
        {
            StopReasons.NoRoundClosed => "no round has closed yet",
            StopReasons.Settled => "every item has reached consensus or stable dissent",
            StopReasons.RoundLimit => $"the round limit ({maxRounds}) is reached",
            _ => $"{latest.Count(i => i.Verdict == Verdicts.Continue)} item(s) continue",
        };
        return new StudyConvergence(studyId, closed.Count, maxRounds, stops, reason, latest, stopReason, study.Rules.RulesVersion, study.Rules.UnitName);
    }

    /// <summary>A stored analysis as JSON, exactly as <c>delphi analyze</c> would print it.</summary>
    public static JsonElement ParseAnalysis(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
