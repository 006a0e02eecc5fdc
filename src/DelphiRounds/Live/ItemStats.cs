using DelphiRounds.Consensus;

namespace DelphiRounds.Live;

/// <summary>
/// The aggregate of one item as participants and facilitators see it. Group figures below the
/// anonymity threshold are left out here, so they never reach a page, a push or an API response.
/// </summary>
/// <param name="ItemId">The item.</param>
/// <param name="Kind">The item kind (rating, numeric, year, ranking).</param>
/// <param name="Version">How many answers and revisions of the round the item reflects (local to the round); clients drop a push older than what they show.</param>
/// <param name="AcceptedTimestamp">Monotonic <c>Stopwatch</c> timestamp at which the newest reflected answer was accepted (0 when loaded from the database); never in a response, it is the server's clock.</param>
/// <param name="Overall">The whole panel (for a ranking only <c>n</c>, the number of raters).</param>
/// <param name="Groups">Stakeholder groups (slug) with at least the threshold of answers (see <see cref="GroupSuppression"/>).</param>
/// <param name="HiddenGroups">Groups that have answers but are not shown: too few, or so few left out without them that the panel's figures would give those away.</param>
/// <param name="Consensus">The consensus criteria's verdict on the current answers.</param>
/// <param name="Ranking">A ranking item's Kendall's W and mean ranks.</param>
public sealed record ItemStats(
    long ItemId, string Kind, long Version, [property: System.Text.Json.Serialization.JsonIgnore] long AcceptedTimestamp, Statistics Overall,
    IReadOnlyDictionary<string, Statistics> Groups, IReadOnlyList<string> HiddenGroups, ConsensusResult? Consensus,
    RankingAnalysis? Ranking = null)
{
    public static ItemStats From(long itemId, string kind, long version, long acceptedTimestamp, ItemAnalysis analysis, int minGroupAnswers)
    {
        var shown = new Dictionary<string, Statistics>();
        var hidden = new List<string>();
        var allowed = GroupSuppression.Shown(analysis.Groups.Select(g => KeyValuePair.Create(g.Key, g.Value.N)), minGroupAnswers);
        foreach (var (slug, stats) in analysis.Groups)
        {
            if (allowed.Contains(slug)) shown[slug] = stats;
            else if (stats.N > 0) hidden.Add(slug);
        }
        // A year has no meaningful zero, so its coefficient of variation (sd / mean) means nothing: leave it out.
        if (kind == Items.ItemKinds.Year)
            return new ItemStats(itemId, kind, version, acceptedTimestamp, analysis.Overall with { Cv = null },
                shown.ToDictionary(g => g.Key, g => g.Value with { Cv = null }), hidden, analysis.Consensus);
        return new ItemStats(itemId, kind, version, acceptedTimestamp, analysis.Overall, shown, hidden, analysis.Consensus);
    }

    public static ItemStats FromRanking(long itemId, long version, long acceptedTimestamp, RankingAnalysis ranking) =>
        new(itemId, Items.ItemKinds.Ranking, version, acceptedTimestamp, new Statistics { N = ranking.M },
            new Dictionary<string, Statistics>(), [], null, ranking);
}

/// <summary>The current aggregates of a round; for the facilitator also each item's verdict made so far (at this round's close or an earlier one).</summary>
public sealed record RoundStats(long RoundId, string State, string Mode, IReadOnlyList<ItemStats> Items,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ItemVerdict>? Verdicts = null);

/// <summary>A push: the items of one round that changed since the last push (the figures screens show, see <see cref="LiveItem"/>).</summary>
public sealed record StatsUpdate(long RoundId, IReadOnlyList<LiveItem> Items);

/// <summary>A push: a round opened or closed.</summary>
public sealed record RoundStateChange(long RoundId, string State);

/// <summary>What the server calls on browsers and other clients of <c>/hubs/live</c>.</summary>
public interface ILiveClient
{
    /// <summary>Changed aggregates of a round the client joined.</summary>
    Task StatsUpdated(StatsUpdate update);

    /// <summary>A round the client joined opened or closed.</summary>
    Task RoundStateChanged(RoundStateChange change);
}
