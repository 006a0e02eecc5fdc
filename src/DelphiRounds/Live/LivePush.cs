using System.Text.Json.Serialization;
using DelphiRounds.Consensus;

namespace DelphiRounds.Live;

/// <summary>The figures a screen shows for the panel or one stakeholder group.</summary>
public sealed record LiveFigures(
    int N, double? Median, double? Q1, double? Q3,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<int, int>? Distribution)
{
    public static LiveFigures From(Statistics s, bool distribution) =>
        new(s.N, s.Median, s.Q1, s.Q3, distribution ? s.Distribution : null);
}

/// <summary>
/// One item in a <c>StatsUpdated</c> push: what the participant and facilitator screens render (number of
/// answers, median, quartiles, distribution; per group number, median, quartiles; whether consensus holds),
/// about a quarter of the full <see cref="ItemStats"/> that <c>GET /api/v1/rounds/{id}/stats</c> returns.
/// Pushes go to every follower many times a second, so their size is the fan-out's cost: thousands of
/// screens × 10 pushes/s × the bytes of every changed item.
/// </summary>
public sealed record LiveItem(
    long ItemId, long Version, long AcceptedTimestamp, LiveFigures Overall,
    IReadOnlyDictionary<string, LiveFigures> Groups, IReadOnlyList<string> HiddenGroups, bool? ConsensusReached)
{
    public static LiveItem From(ItemStats s) => new(
        s.ItemId, s.Version, s.AcceptedTimestamp, LiveFigures.From(s.Overall, distribution: true),
        s.Groups.ToDictionary(g => g.Key, g => LiveFigures.From(g.Value, distribution: false)),
        s.HiddenGroups, s.Consensus?.Reached);
}
