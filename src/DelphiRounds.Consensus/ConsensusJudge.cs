namespace DelphiRounds.Consensus;

/// <summary>Judges the consensus criteria of the contract against computed statistics.</summary>
internal static class ConsensusJudge
{
    public static ConsensusResult Judge(
        Statistics overall, IReadOnlyDictionary<string, Statistics> groups, Stability? stability, ConsensusCriteria criteria)
    {
        var reasons = new List<string>();
        // With no answers every figure is undefined; nobody can be said to agree.
        if (overall.N == 0) reasons.Add("no answers yet");
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
                if (statistics.N >= Math.Max(1, criteria.MinGroupSize)) Check(statistics, $"group {group}: ", criteria, reasons);
            }
        }
        return new ConsensusResult(reasons.Count == 0, reasons);
    }

    private static void Check(Statistics statistics, string prefix, ConsensusCriteria criteria, List<string> reasons)
    {
        // Equality passes: a criterion fails only on a strict breach.
        if (criteria.MaxIqr is { } maxIqr && statistics.Iqr is { } iqr && iqr > maxIqr)
        {
            reasons.Add($"{prefix}iqr {Show(iqr, maxIqr)} > {Analyzer.Show(maxIqr)}");
        }
        if (criteria.MinAgreement is { } minAgreement && statistics.AgreementInBand is { } agreement && agreement < minAgreement)
        {
            reasons.Add($"{prefix}agreement {Show(agreement, minAgreement)} < {Analyzer.Show(minAgreement)}");
        }
    }

    // Four decimals read well; the full value is shown only when rounding would make it look equal to the bound.
    internal static string Show(double value, double bound)
    {
        double rounded = Math.Round(value, 4);
        return Analyzer.Show(rounded == bound ? value : rounded);
    }
}
