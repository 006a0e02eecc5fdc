using System.Text.Json.Serialization;
using DelphiRounds.Consensus;

namespace DelphiRounds.Live;

/// <summary>The figures a screen shows for the panel or one stakeholder group.</summary>
public sealed record LiveFigures(
    int N, double? Median, double? Q1, double? Q3,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Min,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Max,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<int, int>? Distribution)
{
    /// <param name="s">The statistics.</param>
    /// <param name="overall">The panel's figures also carry the range and, for a rating, the distribution.</param>
    /// <param name="rating">A rating item (its distribution has one count per scale point).</param>
    public static LiveFigures From(Statistics s, bool overall, bool rating) =>
        new(s.N, s.Median, s.Q1, s.Q3, overall ? s.Min : null, overall ? s.Max : null, overall && rating ? s.Distribution : null);
}

/// <summary>A ranking item's figures in a push: agreement on the order and each option's average place.</summary>
public sealed record LiveRanking(double? KendallW, IReadOnlyDictionary<string, double> MeanRanks);

/// <summary>
/// One item in a <c>StatsUpdated</c> push: what the participant and facilitator screens render (number of
/// answers, median, quartiles, distribution; per group number, median, quartiles; whether consensus holds),
/// about a quarter of the full <see cref="ItemStats"/> that <c>GET /api/v1/rounds/{id}/stats</c> returns.
/// Pushes go to every follower many times a second, so their size is the fan-out's cost: thousands of
/// screens × 10 pushes/s × the bytes of every changed item.
/// </summary>
public sealed record LiveItem(
    long ItemId, string Kind, long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long AcceptedTimestamp, LiveFigures Overall,
    IReadOnlyDictionary<string, LiveFigures> Groups, bool? ConsensusReached,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LiveRanking? Ranking = null)
{
    /// <summary>How many answered "don't know", as released (absent while fewer than k chose it; never in the figures).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? DontKnow { get; init; }

    /// <summary>
    /// Facilitators only, while the round is open: the item's verdict on the figures released so far (as the convergence
    /// page's live verdict; absent when there is none yet). Participants never get it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ItemVerdict? Verdict { get; init; }

    /// <summary>
    /// The item as participants get it: without <see cref="Verdict"/> (the facilitator's) and without
    /// <see cref="AcceptedTimestamp"/>, the server's monotonic clock (it tells how long the server has been up) unless
    /// <paramref name="keepTimestamp"/>. Facilitators get the timestamp for the push latency of their screens.
    /// </summary>
    public LiveItem ForParticipants(bool keepTimestamp = false) =>
        (AcceptedTimestamp == 0 || keepTimestamp) && Verdict is null ? this
            : this with { AcceptedTimestamp = keepTimestamp ? AcceptedTimestamp : 0, Verdict = null };

    public static LiveItem From(ItemStats s)
    {
        var rating = s.Kind == Items.ItemKinds.Rating;
        return new(
            s.ItemId, s.Kind, s.Version, s.AcceptedTimestamp, LiveFigures.From(s.Overall, overall: true, rating),
            s.Groups.ToDictionary(g => g.Key, g => LiveFigures.From(g.Value, overall: false, rating)),
            s.Consensus?.Reached,
            s.Ranking is { } r ? new LiveRanking(r.KendallW, r.MeanRanks) : null) { DontKnow = s.DontKnow };
    }
}
