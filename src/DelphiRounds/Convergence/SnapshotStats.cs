using System.Text.Json;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Live;

namespace DelphiRounds.Convergence;

/// <summary>
/// Reads a closed round's snapshot (the analyze contract's output) back into the same
/// <see cref="ItemStats"/> the live view uses, with the same anonymity threshold applied.
/// </summary>
public static class SnapshotStats
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static ItemStats From(Item item, RoundSnapshot snapshot, int minGroupAnswers)
    {
        using var doc = JsonDocument.Parse(snapshot.AnalysisJson);
        var root = doc.RootElement;
        if (item.Kind == ItemKinds.Ranking)
        {
            var ranking = root.Deserialize<RankingAnalysis>(Options)!;
            return ItemStats.FromRanking(item.Id, 0, 0, ranking);
        }
        var overall = root.Deserialize<Statistics>(Options)!;
        var groups = root.TryGetProperty("groups", out var g) ? g.Deserialize<Dictionary<string, Statistics>>(Options) ?? [] : [];
        var consensus = root.TryGetProperty("consensus", out var c) ? c.Deserialize<ConsensusResult>(Options) : null;
        var analysis = new ItemAnalysis
        {
            Kind = item.Kind == ItemKinds.Rating ? ItemKind.Rating : ItemKind.Numeric,
            QuantileMethod = root.GetProperty("quantileMethod").GetInt32(),
            Overall = overall,
            Groups = groups,
            Consensus = consensus,
        };
        return ItemStats.From(item.Id, item.Kind, 0, 0, analysis, minGroupAnswers);
    }
}
