namespace DelphiRounds.Consensus;

/// <summary>Judges the consensus criteria of the contract against computed statistics.</summary>
internal static class ConsensusJudge
{
    public static ConsensusResult Judge(
        Statistics overall, IReadOnlyDictionary<string, Statistics> groups, Stability? stability, ConsensusCriteria criteria)
    {
        var reasons = new List<string>();
        // With no answers every figure is undefined; nobody can be said to agree.
        if (overall.N == 0) reasons.Add(NoAnswers);
        Check(overall, "", criteria, reasons);

        // Stability is a property of the panel's movement, judged for the whole panel only.
        if (stability is { ChangedFraction: { } changed } && criteria.MaxChangedFraction is { } maxChanged && changed > maxChanged)
        {
            reasons.Add($"changed fraction {Show(changed, maxChanged)} > {Analyzer.Show(maxChanged)}");
        }

        if (criteria.RequireEveryGroup)
        {
            foreach (var (group, statistics) in groups)
            {
                if (statistics.N >= criteria.SmallestJudgedGroup) Check(statistics, $"group {group}: ", criteria, reasons);
            }
        }
        return new ConsensusResult(reasons.Count == 0, reasons);
    }

    private static void Check(Statistics statistics, string prefix, ConsensusCriteria criteria, List<string> reasons)
    {
        // Equality passes: a criterion fails only on a strict breach.
        if (criteria.MaxIqr is { } maxIqr && statistics.Iqr is { } iqr && iqr > maxIqr)
        {
            reasons.Add(IqrTooWide(prefix, iqr, maxIqr));
        }
        if (criteria.MinAgreement is { } minAgreement && statistics.AgreementInBand is { } agreement && agreement < minAgreement)
        {
            reasons.Add(ShareTooSmall(prefix, "agreement", agreement, minAgreement));
        }
    }

    // Both versions word a failing criterion alike, so a reader of either learns one way of saying it.
    internal const string NoAnswers = "no answers yet";

    internal static string IqrTooWide(string prefix, double iqr, double maxIqr) =>
        $"{prefix}iqr {Show(iqr, maxIqr)} > {Analyzer.Show(maxIqr)}";

    internal static string ShareTooSmall(string prefix, string label, double share, double minShare) =>
        $"{prefix}{label} {Show(share, minShare)} < {Analyzer.Show(minShare)}";

    // Four decimals read well; the full value is shown only when rounding would make it look equal to the bound.
    internal static string Show(double value, double bound)
    {
        double rounded = Math.Round(value, 4);
        return Analyzer.Show(rounded == bound ? value : rounded);
    }
}
