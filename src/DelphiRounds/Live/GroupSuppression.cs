namespace DelphiRounds.Live;

/// <summary>
/// Which stakeholder groups' figures may leave the server beside the panel's. A group needs at least the
/// threshold of answers (3). That alone is not enough: the panel's figures (its count per scale point, its
/// mean) minus those of the groups shown are the figures of the groups left out, so when the groups left out
/// have fewer answers together than the threshold — one group of 1 or 2, say — the smallest groups shown are
/// left out as well, until the groups left out have at least the threshold together (or none is shown).
/// </summary>
public static class GroupSuppression
{
    /// <param name="answers">Answers per group (slug → n); groups without answers may be left out or given 0.</param>
    /// <param name="threshold">The fewest answers a group's figures may rest on (at least 3).</param>
    /// <returns>The groups whose figures may be shown.</returns>
    public static IReadOnlySet<string> Shown(IEnumerable<KeyValuePair<string, int>> answers, int threshold)
    {
        threshold = Math.Max(3, threshold);
        var counts = answers.Where(a => a.Value > 0).ToList();
        var shown = counts.Where(c => c.Value >= threshold).OrderBy(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
        var leftOut = counts.Where(c => c.Value < threshold).Sum(c => c.Value);
        // The smallest shown group goes with them while the groups left out could be worked out from the panel's figures.
        while (leftOut > 0 && leftOut < threshold && shown.Count > 0)
        {
            leftOut += shown[0].Value;
            shown.RemoveAt(0);
        }
        return shown.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
    }
}
