namespace DelphiRounds.Consensus;

/// <summary>
/// Neumaier's compensated sum. Used wherever sums are kept: a revision subtracts exactly the term it
/// once added, and the running total stays within a few ulps of the exact sum however long the history.
/// </summary>
internal struct CompensatedSum
{
    private double _sum;
    private double _compensation;

    public readonly double Value => _sum + _compensation;

    public void Add(double term)
    {
        double t = _sum + term;
        _compensation += Math.Abs(_sum) >= Math.Abs(term) ? (_sum - t) + term : (term - t) + _sum;
        _sum = t;
    }

    public void Reset() => (_sum, _compensation) = (0, 0);
}

/// <summary>
/// What every way of holding answers (a sorted array, counts per category, a balanced tree) hands over
/// so that one piece of code turns it into <see cref="Statistics"/>: the numbers agree because the
/// formulas are written once.
/// </summary>
/// <param name="N">Number of answers.</param>
/// <param name="Mean">Their mean.</param>
/// <param name="C2">Σ(x − mean)².</param>
/// <param name="C3">Σ(x − mean)³.</param>
/// <param name="C4">Σ(x − mean)⁴.</param>
/// <param name="Min">Smallest answer.</param>
/// <param name="Max">Largest answer.</param>
/// <param name="Kth">The k-th smallest answer, 1-based.</param>
internal readonly record struct Summary(int N, double Mean, double C2, double C3, double C4, double Min, double Max, Func<int, double> Kth);

/// <summary>Turns a <see cref="Summary"/> into <see cref="Statistics"/>: the one place the formulas live.</summary>
internal static class Describe
{
    /// <summary>The statistics of no answers: every figure undefined, the distribution all zeros.</summary>
    public static Statistics Empty(RatingScale? scale) => new()
    {
        N = 0,
        Distribution = scale is null ? null : Distribution(scale, new int[scale.Categories]),
    };

    /// <summary>
    /// Builds the statistics. <paramref name="counts"/> (per category, rating only) feeds the distribution
    /// and the two agreement measures; <paramref name="inBand"/> is the number of answers in the band, if any.
    /// </summary>
    public static Statistics From(in Summary s, int quantileMethod, RatingScale? scale, int[]? counts, int? inBand)
    {
        if (s.N == 0) return Empty(scale);

        double n = s.N;
        bool constant = s.Min == s.Max;
        // All answers equal: the spread is exactly zero, whatever rounding the sums picked up.
        double mean = constant ? s.Min : s.Mean;
        double? sd = s.N < 2 ? null : constant ? 0 : Math.Sqrt(s.C2 / (n - 1));
        double? cv = sd is null || mean == 0 ? null : sd / mean;

        double median = Quantiles.Of(s.N, s.Kth, quantileMethod, 0.5);
        double q1 = Quantiles.Of(s.N, s.Kth, quantileMethod, 0.25);
        double q3 = Quantiles.Of(s.N, s.Kth, quantileMethod, 0.75);

        return new Statistics
        {
            N = s.N,
            Mean = Finite(mean),
            Sd = Finite(sd),
            Cv = Finite(cv),
            Median = Finite(median),
            Q1 = Finite(q1),
            Q3 = Finite(q3),
            Iqr = Finite(q3 - q1),
            Min = s.Min,
            Max = s.Max,
            Distribution = scale is not null && counts is not null ? Distribution(scale, counts) : null,
            AgreementInBand = inBand is { } k ? k / n : null,
            TastleWierman = scale is not null && counts is not null ? Finite(Agreement.TastleWierman(counts, s.N, mean - scale.Min)) : null,
            VanDerEijkA = counts is not null ? Finite(Agreement.VanDerEijk(counts)) : null,
            BimodalityCoefficient = constant ? null : Finite(BimodalityCoefficient(s.N, s.C2, s.C3, s.C4)),
        };
    }

    /// <summary>
    /// Sarle's bimodality coefficient with skewness and excess kurtosis bias-corrected as SAS and
    /// <c>e1071::skewness/kurtosis(type = 2)</c> do; NaN (later null) below 4 answers.
    /// </summary>
    public static double BimodalityCoefficient(int count, double c2, double c3, double c4)
    {
        if (count < 4 || !(c2 > 0)) return double.NaN;
        double n = count;
        double g1 = Math.Sqrt(n) * c3 / Math.Pow(c2, 1.5);
        double skewness = g1 * Math.Sqrt(n * (n - 1)) / (n - 2);
        double r = n * c4 / (c2 * c2);
        double kurtosis = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3));
        return (skewness * skewness + 1) / (kurtosis + 3 * (n - 1) * (n - 1) / ((n - 2) * (n - 3)));
    }

    public static IReadOnlyDictionary<int, int> Distribution(RatingScale scale, int[] counts)
    {
        // Insertion order is ascending, which is the order a reader expects when enumerating.
        var distribution = new Dictionary<int, int>(counts.Length);
        for (int i = 0; i < counts.Length; i++) distribution.Add(scale.Min + i, counts[i]);
        return distribution;
    }

    public static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
