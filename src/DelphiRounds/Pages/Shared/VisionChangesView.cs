using DelphiRounds.Agenda;

namespace DelphiRounds.Pages;

/// <summary>
/// What the <c>_VisionChanges</c> partial lists: what changed from the previous version of the vision to
/// <paramref name="Version"/> (points added, removed and reworded, targets moved). The report and /verify show the same list.
/// </summary>
public sealed record VisionChangesView(int Version, VisionChangesResponse Changes, bool English)
{
    public bool None => Changes.Added.Count + Changes.Removed.Count + Changes.Changed.Count + Changes.Moved.Count == 0;
}
