using MathNet.Numerics.Distributions;

namespace DelphiRounds.Consensus;

/// <summary>
/// Wilcoxon's (1945) signed-rank test for paired answers, as R's
/// <c>wilcox.test(x, y, paired = TRUE, exact = FALSE, correct = TRUE)</c> computes it.
/// </summary>
internal static class SignedRank
{
    /// <summary>
    /// Two-sided p from the normal approximation with tie and continuity correction; zero differences
    /// are dropped first. Null when no difference is left (nobody changed).
    /// </summary>
    public static double? TwoSidedP(IReadOnlyList<double> differences)
    {
        var nonZero = differences.Where(d => d != 0).ToArray();
        int n = nonZero.Length;
        if (n == 0) return null;

        var absolute = nonZero.Select(Math.Abs).ToArray();
        var ranks = Kendall.MidRanks(absolute);
        double statistic = 0;
        for (int i = 0; i < n; i++) if (nonZero[i] > 0) statistic += ranks[i];

        double nn = n;
        double z = statistic - nn * (nn + 1) / 4;
        double ties = Kendall.TieSum(absolute);
        double sigma = Math.Sqrt(nn * (nn + 1) * (2 * nn + 1) / 24 - ties / 48);
        double correction = Math.Sign(z) * 0.5;
        z = (z - correction) / sigma;
        // 2 · min(lower, upper) tail, taken from the upper tail of |z| to keep precision far out.
        double p = 2 * Normal.CDF(0, 1, -Math.Abs(z));
        return Describe.Finite(Math.Min(1, p));
    }
}
