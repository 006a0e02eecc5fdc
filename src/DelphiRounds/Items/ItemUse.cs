namespace DelphiRounds.Items;

/// <summary>
/// What the questionnaire's rules ask of the features built on items. Items does not know them: Rounds,
/// Answers and Convergence each implement their part, and composition registers them.
/// </summary>
public interface IItemRounds
{
    /// <summary>Whether the item is being asked in the study's open round (its wording and place are then fixed).</summary>
    Task<bool> IsAskedInOpenRoundAsync(long studyId, long itemId);

    /// <summary>The number of the study's last closed round, 0 before the first closes.</summary>
    Task<int> LastClosedRoundNumberAsync(long studyId);

    /// <summary>
    /// Before round 1: no numbered round of the study has opened (a draft may be prepared) and, when <paramref name="itemId"/>
    /// is given, that item was never asked (not even in round 0). Until then items may be edited, deleted and reordered freely.
    /// </summary>
    Task<bool> BeforeRoundOneAsync(long studyId, long? itemId = null);
}

/// <summary>The ideas of round 0 that an item may be made from.</summary>
public interface IIdeaSource
{
    Task<HashSet<long>> IdeaIdsAsync(long studyId);
}

/// <summary>Whether an item has settled (consensus or stable dissent at its latest closed round).</summary>
public interface IItemSettlement
{
    /// <summary>The number of the round in which the item settled, or null when its latest verdict is to continue (or it has none).</summary>
    Task<int?> SettledInRoundAsync(long studyId, long itemId);
}
