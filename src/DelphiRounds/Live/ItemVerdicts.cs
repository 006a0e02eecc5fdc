namespace DelphiRounds.Live;

/// <summary>An item's verdict as the stats endpoint shows it to the facilitator: made when a round closed.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Round">The round whose close made it.</param>
/// <param name="Verdict">The stopping verdict: <c>consensus-for</c>, <c>consensus-against</c>, <c>stable-dissent</c>, <c>continue</c> (version 1: <c>consensus</c>).</param>
/// <param name="Outcome">What people read: the verdict, or <c>polarised</c> when there is no consensus and two camps.</param>
/// <param name="PolesFor">A polarised item's groups for the statement (slugs).</param>
/// <param name="PolesAgainst">A polarised item's groups against it (slugs).</param>
/// <param name="Fragile">A consensus that one answer or one group would tip.</param>
/// <param name="DependsOnDropouts">The answers of those who left would change the direction.</param>
public sealed record ItemVerdict(long ItemId, int Round, string Verdict, string Outcome,
    IReadOnlyList<string>? PolesFor, IReadOnlyList<string>? PolesAgainst, bool Fragile, bool DependsOnDropouts);

/// <summary>
/// The verdicts made when rounds closed, asked by the stats endpoint. Convergence answers; Live does not know it
/// (Convergence builds on Live's figures, so the question is defined here).
/// </summary>
public interface IItemVerdicts
{
    /// <summary>Each item's latest verdict made by round <paramref name="roundNumber"/> of the study or before.</summary>
    Task<IReadOnlyList<ItemVerdict>> UpToRoundAsync(long studyId, int roundNumber);
}

/// <summary>
/// The consensus reasons of a round's items as people read them ("8 of 15 chose 6 or 7; 70 % was needed"), in one
/// language, for the stats endpoint. Convergence words them (the one writer of verdicts for people); Live does not know it.
/// </summary>
public interface IReasonWords
{
    /// <summary>
    /// Each item of <paramref name="items"/> with a verdict: its reasons in plain words. A line about a group that is not
    /// shown beside the item's figures (not among its <see cref="ItemStats.Groups"/>) becomes "not every group agrees", once.
    /// </summary>
    /// <remarks>With <c>withLiveVerdicts</c>, also the open round's live verdicts (<see cref="IOpenRoundVerdicts"/>), from the same judgement.</remarks>
    Task<RoundReasons> ForRoundAsync(Rounds.Round round, IReadOnlyList<ItemStats> items, bool english, bool withLiveVerdicts = false);
}

/// <summary>
/// What <see cref="IReasonWords.ForRoundAsync"/> gives: the reasons in words per item and, when asked for while the
/// round is open, the live verdicts — both from one judgement of the released figures.
/// </summary>
public sealed record RoundReasons(IReadOnlyDictionary<long, IReadOnlyList<string>> Words, IReadOnlyList<ItemVerdict>? LiveVerdicts);

/// <summary>
/// The open round's verdicts for its facilitators' live pushes: each item judged as its close would judge it, on the
/// figures released so far (threshold release k) — the same as the convergence page's live verdict. Convergence
/// answers; participants never get these.
/// </summary>
public interface IOpenRoundVerdicts
{
    /// <summary>
    /// Each released item's verdict in round <paramref name="roundId"/> while it is open (none for a round not open):
    /// on <paramref name="held"/>, the releases the caller just stored (the publisher), or else on the releases stored.
    /// </summary>
    Task<IReadOnlyDictionary<long, ItemVerdict>> ForOpenRoundAsync(long roundId, IReadOnlyDictionary<long, ItemRelease>? held = null);
}
