using System.Text.Json;
using System.Data.Common;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

namespace DelphiRounds.Convergence;

/// <summary>One item's place in the study: its latest snapshot and verdict.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="LastRound">Number of the last closed round that asked it.</param>
/// <param name="Verdict"><c>consensus</c>, <c>stable-dissent</c> or <c>continue</c>.</param>
/// <param name="Analysis">The analyze contract's output for the item at its last closed round.</param>
public sealed record ItemConvergence(long ItemId, int LastRound, string Verdict, JsonElement Analysis);

/// <summary>Where a study stands: each item's verdict, and whether the study stops.</summary>
public sealed record StudyConvergence(long StudyId, int ClosedRounds, int MaxRounds, bool Stops, string Reason, IReadOnlyList<ItemConvergence> Items);

/// <summary>
/// Convergence: when a round closes, each item's statistics (with stability against the previous round)
/// are kept as a snapshot with the stopping rule's verdict, in the same transaction as the close.
/// </summary>
public sealed class ConvergenceService(StudyStore studies, ItemStore items, RoundStore rounds, ConvergenceStore snapshots, TimeProvider time)
    : IEventHandler<RoundClosing>, IItemSettlement
{
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
        foreach (var ri in asked)
        {
            var item = byId[ri.ItemId];
            string json;
            StoppingVerdict verdict;
            if (AnalysisInputs.ForNumbers(item, rules, current, previous) is { } input)
            {
                var analysis = Analyzer.Analyze(input);
                json = AnalysisJson.Write(analysis);
                verdict = StoppingRule.Decide(analysis, input.Criteria!);
            }
            else if (AnalysisInputs.ForRanking(item, current) is { } ranking)
            {
                var analysis = Analyzer.AnalyzeRanking(ranking);
                json = AnalysisJson.Write(analysis);
                var before = previousSnapshots.TryGetValue(item.Id, out var p) ? KendallW(p.AnalysisJson) : null;
                verdict = StoppingRule.DecideRanking(analysis,
                    before is null ? null : analysis with { KendallW = before }, rules.MinKendallW);
            }
            else continue; // open questions have no statistics
            await ConvergenceStore.InsertAsync(c, tx, new RoundSnapshot
            {
                RoundId = round.Id, ItemId = item.Id, AnalysisJson = json, Verdict = Verdicts.Name(verdict), CreatedAt = now,
            });
        }
    }

    private static double? KendallW(string json) =>
        JsonDocument.Parse(json).RootElement.TryGetProperty("kendallW", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetDouble() : null;

    /// <summary>Each item's latest verdict, and whether the study stops (every item stopped, or the round limit).</summary>
    public async Task<StudyConvergence> StudyAsync(long studyId)
    {
        var study = (await studies.FindAsync(studyId))!;
        var all = await snapshots.ForStudyAsync(studyId);
        var closed = (await rounds.ListAsync(studyId)).Where(r => r.State == RoundStates.Closed).ToList();
        var numberOf = closed.ToDictionary(r => r.Id, r => r.Number);
        var latest = all.GroupBy(s => s.ItemId)
            .Select(g => g.OrderByDescending(s => numberOf.GetValueOrDefault(s.RoundId)).First())
            .Select(s => new ItemConvergence(s.ItemId, numberOf.GetValueOrDefault(s.RoundId), s.Verdict, ParseAnalysis(s.AnalysisJson)))
            .OrderBy(i => i.ItemId).ToList();
        var maxRounds = study.Rules.MaxRounds;
        var lastNumber = closed.Count == 0 ? 0 : closed.Max(r => r.Number);
        var stops = lastNumber > 0 && latest.Count > 0 && StoppingRule.StudyStops(latest.Select(i => Verdicts.Parse(i.Verdict)), lastNumber, maxRounds);
        var reason = lastNumber == 0 ? "no round has closed yet"
            : lastNumber >= maxRounds ? $"the round limit ({maxRounds}) is reached"
            : stops ? "every item has reached consensus or stable dissent"
            : $"{latest.Count(i => i.Verdict == Verdicts.Continue)} item(s) continue";
        return new StudyConvergence(studyId, closed.Count, maxRounds, stops, reason, latest);
    }

    /// <summary>A stored analysis as JSON, exactly as <c>delphi analyze</c> would print it.</summary>
    public static JsonElement ParseAnalysis(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
