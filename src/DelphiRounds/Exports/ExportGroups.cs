using DelphiRounds.Live;

namespace DelphiRounds.Exports;

/// <summary>
/// The group labels of answer-level exports (issue 15, item 5). A row names a participant's group only when
/// the group is large enough to hide them in: in every round it answered in, at least k of its members
/// answered. Smaller groups are exported together as <see cref="Other"/>, in every row of the study alike
/// (the pseudonym joins the rows, so a label in one round would give it away in all). When "other" itself
/// would hold fewer than k respondents in a round, the smallest named group joins it, until it does not.
/// The panel's figures do not depend on the labels, so <c>delphi analyze</c> reproduces them from the export.
/// </summary>
public static class ExportGroups
{
    /// <summary>The label of the groups that are too small to name.</summary>
    public const string Other = "other";

    /// <summary>
    /// Group slug → label, from who answered what in which round (<paramref name="rows"/>: round, group slug and
    /// participant of every answer revision, any item).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Labels(IEnumerable<(long Round, string Group, string Participant)> rows, int k = ReleaseThreshold.K)
    {
        k = Math.Max(k, ReleaseThreshold.K);
        // Respondents per round and group.
        var respondents = rows.Distinct().GroupBy(r => (r.Round, r.Group)).ToDictionary(g => g.Key, g => g.Count());
        var groups = respondents.Keys.Select(x => x.Group).Distinct().ToList();
        var roundIds = respondents.Keys.Select(x => x.Round).Distinct().ToList();
        int In(long round, string group) => respondents.GetValueOrDefault((round, group));

        bool Few(int n) => n > 0 && n < k;
        var other = groups.Where(g => roundIds.Any(r => Few(In(r, g)))).ToHashSet();
        while (true)
        {
            var otherTooSmall = roundIds.Any(r => Few(other.Sum(g => In(r, g))));
            var named = groups.Where(g => !other.Contains(g)).ToList();
            if (!otherTooSmall || named.Count == 0) break;
            // The smallest named group (fewest respondents in any round; by slug when equal) joins "other".
            other.Add(named.OrderBy(g => roundIds.Select(r => In(r, g)).Where(n => n > 0).DefaultIfEmpty(0).Min()).ThenBy(g => g, StringComparer.Ordinal).First());
        }
        return groups.ToDictionary(g => g, g => other.Contains(g) ? Other : g, StringComparer.Ordinal);
    }

    /// <summary>The label of <paramref name="group"/> (a group that answered nothing keeps no label of its own).</summary>
    public static string Label(this IReadOnlyDictionary<string, string> labels, string group) => labels.GetValueOrDefault(group, Other);
}
