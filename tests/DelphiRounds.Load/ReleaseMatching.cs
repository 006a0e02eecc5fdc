using System.Diagnostics;

namespace DelphiRounds.Load;

/// <summary>
/// Matches each answer to the first release that includes it, for the benchmark's release-delay column. A release
/// carries the item's version: how many answers and revisions of the item in the round it reflects (local to the
/// round, not the global answer id). An answer's own version is therefore its place among its item's rows in the
/// round, by id; a release of the item with at least that version, received after the answer was sent, includes it.
/// </summary>
public static class ReleaseMatching
{
    /// <summary>Each answer id's version: its 1-based place among the stored rows of its item in the round, by id.</summary>
    public static IReadOnlyDictionary<long, long> VersionsOf(IEnumerable<(long Id, long ItemId)> rows)
    {
        var versions = new Dictionary<long, long>();
        foreach (var item in rows.GroupBy(r => r.ItemId))
        {
            var place = 0L;
            foreach (var id in item.Select(r => r.Id).Order()) versions[id] = ++place;
        }
        return versions;
    }

    /// <summary>
    /// For each answer, the time in ms from sending it to the first release of its item (on one screen) whose version
    /// reaches the answer's; answers no release included (held until the close) are left out.
    /// </summary>
    public static List<double> Delays(IEnumerable<(long Item, long Id, long Sent)> answers, IEnumerable<(long Item, long Version, long Received)> releases,
        IReadOnlyDictionary<long, long> versions)
    {
        var byItem = releases.GroupBy(r => r.Item).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Received).ToList());
        var delays = new List<double>();
        foreach (var a in answers)
        {
            if (!byItem.TryGetValue(a.Item, out var list) || !versions.TryGetValue(a.Id, out var version)) continue;
            var hit = list.FirstOrDefault(r => r.Version >= version && r.Received >= a.Sent);
            if (hit.Received > 0) delays.Add((hit.Received - a.Sent) * 1000.0 / Stopwatch.Frequency);
        }
        return delays;
    }
}
