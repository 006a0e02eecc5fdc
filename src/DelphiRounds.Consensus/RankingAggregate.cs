namespace DelphiRounds.Consensus;

/// <summary>
/// The current rankings of a ranking item, for the live view. Kendall's W has no cheap incremental
/// form with tie correction, but an analysis costs O(raters × options) — a few hundred operations for a
/// panel — so it is recomputed from the rankings kept here, never from the database.
/// </summary>
public sealed class RankingAggregate(IReadOnlyList<string> options)
{
    private readonly Dictionary<string, RankingResponse> _rankings = new(StringComparer.Ordinal);

    /// <summary>The options, in the order they are shown.</summary>
    public IReadOnlyList<string> Options { get; } = options;

    public int Count => _rankings.Count;

    /// <summary>Sets (or replaces) a participant's ranking.</summary>
    public void Set(string participant, string? group, IReadOnlyDictionary<string, double> ranks) =>
        _rankings[participant] = new RankingResponse(participant, group, ranks);

    /// <summary>Kendall's W of the current rankings (m = 0 when nobody ranked yet).</summary>
    public RankingAnalysis Analysis()
    {
        if (_rankings.Count == 0)
            return new RankingAnalysis { M = 0, N = Options.Count, Df = Math.Max(0, Options.Count - 1), MeanRanks = new Dictionary<string, double>() };
        var ordered = _rankings.Values.OrderBy(r => r.Participant, StringComparer.Ordinal)
            .Select(r => r with { Ranks = Options.ToDictionary(o => o, o => r.Ranks[o], StringComparer.Ordinal) })
            .ToList();
        return Analyzer.AnalyzeRanking(new RankingInput(ordered));
    }
}
