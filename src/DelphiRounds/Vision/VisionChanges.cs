using DelphiRounds.Items;

namespace DelphiRounds.Vision;

/// <summary>A target that moved between two versions: an item's median and middle half in each.</summary>
public sealed record MovedTarget(long ItemId, LocalizedText ItemText, double? MedianBefore, double? Q1Before, double? Q3Before,
    double? MedianAfter, double? Q1After, double? Q3After);

/// <summary>
/// What changed from one frozen version of a vision to the next (issue 21): statements added, removed or reworded (by their
/// number), and targets moved (an item's final median or middle half). Read from the two hashed documents only.
/// </summary>
public sealed record VisionChanges(IReadOnlyList<StatementView> Added, IReadOnlyList<StatementView> Removed,
    IReadOnlyList<(StatementView Before, StatementView After)> Changed, IReadOnlyList<MovedTarget> Moved)
{
    public bool None => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0 && Moved.Count == 0;

    public static VisionChanges Between(FrozenVision before, FrozenVision after)
    {
        var old = before.Statements.ToDictionary(s => s.Number);
        var now = after.Statements.ToDictionary(s => s.Number);
        var added = after.Statements.Where(s => !old.ContainsKey(s.Number)).ToList();
        var removed = before.Statements.Where(s => !now.ContainsKey(s.Number)).ToList();
        var changed = after.Statements.Where(s => old.TryGetValue(s.Number, out var o) && o.Text != s.Text).Select(s => (old[s.Number], s)).ToList();
        static Dictionary<long, LinkedItem> Targets(FrozenVision v) =>
            v.Statements.SelectMany(s => s.Items).Where(i => i.Kind is "numeric" or "year" && i.Median is not null).GroupBy(i => i.ItemId).ToDictionary(g => g.Key, g => g.First());
        var targetsBefore = Targets(before);
        var moved = Targets(after).Values
            .Where(i => targetsBefore.TryGetValue(i.ItemId, out var b) && (b.Median != i.Median || b.Q1 != i.Q1 || b.Q3 != i.Q3))
            .Select(i => new MovedTarget(i.ItemId, i.Text, targetsBefore[i.ItemId].Median, targetsBefore[i.ItemId].Q1, targetsBefore[i.ItemId].Q3, i.Median, i.Q1, i.Q3))
            .OrderBy(m => m.ItemId).ToList();
        return new VisionChanges(added, removed, changed, moved);
    }
}
