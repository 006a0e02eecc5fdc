using DelphiRounds.Consensus;

namespace DelphiRounds.Live;

/// <summary>
/// The one filter for verdict reasons wherever a participant, the facilitator, the report or the vision shows
/// them: a reason about a group whose figures are not shown would, beside the panel's figures, give away the
/// position of that group's few members. Such a reason becomes "not every group agrees", once, and that is the
/// most anyone learns about a group below the threshold.
/// </summary>
public static class ShownReasons
{
    /// <summary>What replaces every reason about a group that is not shown.</summary>
    public const string NotEveryGroup = "not every group agrees";

    /// <param name="reasons">The verdict's reasons as the consensus rules wrote them.</param>
    /// <param name="hiddenGroups">Slugs of the groups with answers whose figures are not shown beside these reasons.</param>
    public static IReadOnlyList<string> Filter(IEnumerable<string> reasons, IEnumerable<string> hiddenGroups)
    {
        var hidden = hiddenGroups.Where(g => g.Length > 0).ToList();
        var result = new List<string>();
        var replaced = false;
        foreach (var reason in reasons)
        {
            if (hidden.Any(g => Names(reason, g)))
            {
                if (!replaced) result.Add(NotEveryGroup);
                replaced = true;
            }
            else result.Add(reason);
        }
        return result;
    }

    /// <summary>The verdict with its reasons filtered (null stays null).</summary>
    public static ConsensusResult? Filter(ConsensusResult? verdict, IEnumerable<string> hiddenGroups) =>
        verdict is null ? null : verdict with { Reasons = Filter(verdict.Reasons, hiddenGroups) };

    /// <summary>
    /// The rules name a group by its slug (<c>group housing: …</c>, a list of groups whose absence flips the
    /// verdict); a line counts when the slug stands in it as a word of its own, whatever the wording around it.
    /// </summary>
    private static bool Names(string reason, string slug)
    {
        for (var at = reason.IndexOf(slug, StringComparison.Ordinal); at >= 0; at = reason.IndexOf(slug, at + 1, StringComparison.Ordinal))
        {
            var before = at == 0 || !IsSlugChar(reason[at - 1]);
            var after = at + slug.Length == reason.Length || !IsSlugChar(reason[at + slug.Length]);
            if (before && after) return true;
        }
        return false;
    }

    private static bool IsSlugChar(char c) => char.IsLetterOrDigit(c) || c is '-' or '_';
}
