namespace DelphiRounds.Consensus;

/// <summary>
/// When to stop asking: an item stops at consensus, or when its answers no longer move although the
/// criteria fail (stable dissent); a study stops when every item has stopped or the round limit is reached.
/// </summary>
public static class StoppingRule
{
    /// <summary>The changed fraction at or below which answers count as stable when the criteria give none.</summary>
    public const double DefaultMaxChangedFraction = 0.15;

    /// <summary>
    /// The verdict for one item after a round closes. <paramref name="analysis"/> should carry the
    /// stability against the previous round; without it an item can only reach consensus or continue.
    /// The consensus verdict in the analysis is used when present, else the criteria are judged here.
    /// </summary>
    public static StoppingVerdict Decide(ItemAnalysis analysis, ConsensusCriteria criteria)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(criteria);
        var consensus = analysis.Consensus ?? ConsensusJudge.Judge(analysis.Overall, analysis.Groups, analysis.Stability, criteria);
        if (consensus.Reached) return StoppingVerdict.Consensus;

        double maxChanged = criteria.MaxChangedFraction ?? DefaultMaxChangedFraction;
        // Without pairs there is no evidence that answers settled, so no stable dissent either.
        return analysis.Stability is { ChangedFraction: { } changed } && changed <= maxChanged
            ? StoppingVerdict.StableDissent
            : StoppingVerdict.Continue;
    }

    /// <summary>The W at or above which a ranking counts as consensus when the study gives none (strong agreement).</summary>
    public const double DefaultMinKendallW = 0.7;

    /// <summary>The change in W at or below which a ranking counts as stable between rounds.</summary>
    public const double DefaultMaxKendallWChange = 0.05;

    /// <summary>
    /// The verdict for a ranking item: consensus when Kendall's W reaches <paramref name="minW"/>; stable
    /// dissent when it falls short but moved by at most <paramref name="maxChange"/> since the previous
    /// round; otherwise continue. Without a W (nobody ranked, or everyone tied everything) it continues.
    /// </summary>
    public static StoppingVerdict DecideRanking(RankingAnalysis current, RankingAnalysis? previous,
        double minW = DefaultMinKendallW, double maxChange = DefaultMaxKendallWChange)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (current.KendallW is not { } w) return StoppingVerdict.Continue;
        if (w >= minW) return StoppingVerdict.Consensus;
        return previous?.KendallW is { } before && Math.Abs(w - before) <= maxChange
            ? StoppingVerdict.StableDissent
            : StoppingVerdict.Continue;
    }

    /// <summary>
    /// True when the study stops after round <paramref name="roundNumber"/> (1-based): every item has a
    /// verdict other than <see cref="StoppingVerdict.Continue"/>, or the round limit is reached.
    /// </summary>
    public static bool StudyStops(IEnumerable<StoppingVerdict> verdicts, int roundNumber, int maxRounds)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentOutOfRangeException.ThrowIfLessThan(roundNumber, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRounds, 1);
        return roundNumber >= maxRounds || verdicts.All(v => v != StoppingVerdict.Continue);
    }
}
