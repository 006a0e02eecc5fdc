namespace DelphiRounds.Rounds;

/// <summary>
/// Whether a study's Delphi rounds are over because its result was fixed (the vision frozen). Rounds does
/// not know the vision: the feature that fixes the result implements this, and composition registers it.
/// </summary>
public interface IStudyConclusion
{
    /// <summary>When the study's result was fixed, or null while the panel may still be asked.</summary>
    Task<DateTimeOffset?> ConcludedAtAsync(long studyId);
}
