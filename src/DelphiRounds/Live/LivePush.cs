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

    /// <summary>The same figures (the distribution compared count by count).</summary>
    public static bool Same(LiveFigures a, LiveFigures b) =>
        a.N == b.N && a.Median == b.Median && a.Q1 == b.Q1 && a.Q3 == b.Q3 && a.Min == b.Min && a.Max == b.Max
        && (a.Distribution is null ? b.Distribution is null
            : b.Distribution is not null && a.Distribution.Count == b.Distribution.Count && a.Distribution.All(d => b.Distribution.TryGetValue(d.Key, out var c) && c == d.Value));

    /// <summary>
    /// <paramref name="now"/> as a change of <paramref name="before"/>: <c>n</c>, and of the rest only what changed (null:
    /// unchanged; of the distribution the counts that changed). Null when a figure disappeared (the whole item goes then).
    /// </summary>
    public static LiveFigures? ChangesSince(LiveFigures before, LiveFigures now)
    {
        if ((before.Median is not null && now.Median is null) || (before.Q1 is not null && now.Q1 is null) || (before.Q3 is not null && now.Q3 is null)
            || (before.Min is not null && now.Min is null) || (before.Max is not null && now.Max is null) || (before.Distribution is not null && now.Distribution is null))
            return null;
        Dictionary<int, int>? counts = null;
        if (now.Distribution is { } d)
        {
            counts = [];
            foreach (var (point, count) in d)
                if (before.Distribution is null || !before.Distribution.TryGetValue(point, out var was) || was != count) counts[point] = count;
            // A point that is gone from the distribution counts 0 now.
            if (before.Distribution is not null)
                foreach (var point in before.Distribution.Keys)
                    if (!d.ContainsKey(point)) counts[point] = 0;
            if (counts.Count == 0) counts = null;
        }
        return new LiveFigures(now.N, Changed(before.Median, now.Median), Changed(before.Q1, now.Q1), Changed(before.Q3, now.Q3),
            Changed(before.Min, now.Min), Changed(before.Max, now.Max), counts);

        static double? Changed(double? was, double? value) => was == value ? null : value;
    }
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
    /// Set, this item is a change (see <see cref="ChangesSince"/>): it carries only what changed since the push of this
    /// version, to clients that follow changes (<c>JoinRoundChanges</c>).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BaseVersion { get; init; }

    /// <summary>
    /// What changed since <paramref name="previous"/> (the item's last push), or null when the whole item has to go:
    /// no push before, the version did not rise, or a figure, group or verdict disappeared (a change only adds or
    /// replaces). Of the change: <c>n</c> always, every other panel figure only when it changed, of the distribution
    /// only the counts that changed, only the groups that changed (a group shown anew whole, any other with its <c>n</c>
    /// and the figures that changed), <c>consensusReached</c>,
    /// <c>dontKnow</c> and <c>ranking</c> only when changed (null: unchanged). Any other field goes whole.
    /// A client applies it only onto exactly <see cref="BaseVersion"/>; otherwise it fetches the snapshot.
    /// </summary>
    public LiveItem? ChangesSince(LiveItem? previous)
    {
        if (previous is null || previous.ItemId != ItemId || previous.Kind != Kind || Version <= previous.Version || BaseVersion is not null) return null;
        if (Gone(previous.ConsensusReached, ConsensusReached) || Gone(previous.DontKnow, DontKnow) || Gone(previous.Ranking, Ranking)
            || Gone(previous.Verdict, Verdict)) return null;
        if (previous.Groups.Keys.Any(g => !Groups.ContainsKey(g))) return null;
        if (LiveFigures.ChangesSince(previous.Overall, Overall) is not { } overall) return null;
        var groups = new Dictionary<string, LiveFigures>();
        foreach (var (slug, figures) in Groups)
        {
            // A group shown anew goes whole; one shown before with its n and the figures that changed.
            if (!previous.Groups.TryGetValue(slug, out var before)) groups[slug] = figures;
            else if (!LiveFigures.Same(before, figures))
            {
                if (LiveFigures.ChangesSince(before, figures) is not { } change) return null;
                groups[slug] = change;
            }
        }
        return this with
        {
            BaseVersion = previous.Version,
            Overall = overall,
            Groups = groups,
            ConsensusReached = ConsensusReached == previous.ConsensusReached ? null : ConsensusReached,
            DontKnow = DontKnow == previous.DontKnow ? null : DontKnow,
            Ranking = Ranking is { } r && previous.Ranking is { } p && r.KendallW == p.KendallW
                && r.MeanRanks.Count == p.MeanRanks.Count && r.MeanRanks.All(m => p.MeanRanks.TryGetValue(m.Key, out var v) && v == m.Value) ? null : Ranking,
        };

        static bool Gone<T>(T? before, T? now) => before is not null && now is null;
    }

    /// <summary>
    /// Facilitators only, while the round is open: the item's verdict on the figures released so far (as the convergence
    /// page's live verdict; absent when there is none yet). Participants never get it. In a change it goes whole.
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
