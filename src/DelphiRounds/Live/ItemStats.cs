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
/// <param name="Groups">Stakeholder groups (slug) with at least the threshold of answers (see <see cref="GroupSuppression"/>).
/// Groups left out are not named at all: a screen only shows that a group's figures are not shown.</param>
/// <param name="Consensus">The consensus criteria's verdict on the released answers, its reasons passed through
/// <see cref="ShownReasons"/> so none names a group that is not shown.</param>
/// <param name="Ranking">A ranking item's Kendall's W and mean ranks.</param>
public sealed record ItemStats(
    long ItemId, string Kind, long Version, [property: System.Text.Json.Serialization.JsonIgnore] long AcceptedTimestamp, Statistics Overall,
    IReadOnlyDictionary<string, Statistics> Groups, ConsensusResult? Consensus,
    RankingAnalysis? Ranking = null)
{
    /// <summary>
    /// How many answered "don't know" (rating, numeric and year items that allow it), released like every figure:
    /// it moves only with a release and by at least k, and is left out (null) while fewer than k chose it. Never part
    /// of <see cref="Overall"/> or the groups' figures.
    /// </summary>
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? DontKnow { get; init; }

    /// <summary>
    /// The consensus reasons as the criteria state them, terse, for machines; only in
    /// the stats endpoint's answer, whose <c>consensus.reasons</c> are people's words in the request's language.
    /// </summary>
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? CriteriaReasons { get; init; }

    /// <summary>
    /// What is shown of an item before its first release (fewer than k answers): no figures at all, not even the
    /// count, so a screen cannot tell one answer from two.
    /// </summary>
    public static ItemStats NothingYet(long itemId, string kind) =>
        new(itemId, kind, 0, 0, new Statistics(), new Dictionary<string, Statistics>(), null);

    /// <summary>True when the item has released figures (at least k answers).</summary>
    public bool Released => Overall.N > 0;

    public static ItemStats From(long itemId, string kind, long version, long acceptedTimestamp, ItemAnalysis analysis, int minGroupAnswers)
    {
        var shown = new Dictionary<string, Statistics>();
        var allowed = GroupSuppression.Shown(analysis.Groups.Select(g => KeyValuePair.Create(g.Key, g.Value.N)), minGroupAnswers);
        foreach (var (slug, stats) in analysis.Groups)
            if (allowed.Contains(slug)) shown[slug] = stats;
        var consensus = ShownReasons.Filter(analysis.Consensus, analysis.Groups.Keys.Where(g => !shown.ContainsKey(g)));
        // A year has no meaningful zero, so its coefficient of variation (sd / mean) means nothing: leave it out.
        if (kind == Items.ItemKinds.Year)
            return new ItemStats(itemId, kind, version, acceptedTimestamp, analysis.Overall with { Cv = null },
                shown.ToDictionary(g => g.Key, g => g.Value with { Cv = null }), consensus);
        return new ItemStats(itemId, kind, version, acceptedTimestamp, analysis.Overall, shown, consensus);
    }

    public static ItemStats FromRanking(long itemId, long version, long acceptedTimestamp, RankingAnalysis ranking) =>
        new(itemId, Items.ItemKinds.Ranking, version, acceptedTimestamp, new Statistics { N = ranking.M },
            new Dictionary<string, Statistics>(), null, ranking);
}

/// <summary>
/// The current aggregates of a round; for the facilitator also each item's verdict made so far (at this round's close or an
/// earlier one) and, while the round is open, <c>LiveVerdicts</c>: each released item judged on the released figures as its
/// close would judge it (what the live push and the convergence page show). <c>Unit</c>: whose voice the study's verdicts (and the figures kept when a round closes) count, locked with
/// its rules, <c>person</c> or <c>organisation</c>; the live figures of an open round count people's answers (threshold release is by people).
/// </summary>
public sealed record RoundStats(long RoundId, string State, string Mode, IReadOnlyList<ItemStats> Items,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ItemVerdict>? Verdicts = null,
    string Unit = "person",
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ItemVerdict>? LiveVerdicts = null);

/// <summary>A push: the items of one round that changed since the last push (the figures screens show, see <see cref="LiveItem"/>).</summary>
public sealed record StatsUpdate(long RoundId, IReadOnlyList<LiveItem> Items);

/// <summary>
/// A push: a round opened or closed. To the round's facilitators, the close also carries each item's verdict made by
/// it (the stopping rule's, as the convergence page and the stats endpoint show it); participants never get verdicts.
/// </summary>
public sealed record RoundStateChange(long RoundId, string State,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ItemVerdict>? Verdicts = null);

/// <summary>What the server calls on browsers and other clients of <c>/hubs/live</c>.</summary>
public interface ILiveClient
{
    /// <summary>Changed aggregates of a round the client joined.</summary>
    Task StatsUpdated(StatsUpdate update);

    /// <summary>A round the client joined opened or closed.</summary>
    Task RoundStateChanged(RoundStateChange change);
}
