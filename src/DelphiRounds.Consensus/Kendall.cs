using MathNet.Numerics;

namespace DelphiRounds.Consensus;

/// <summary>
/// Kendall &amp; Babington Smith's (1939) coefficient of concordance W with the correction for ties,
/// as <c>irr::kendall(ratings, correct = TRUE)</c> reports it.
/// </summary>
internal static class Kendall
{
    public static RankingAnalysis Analyze(IReadOnlyList<RankingResponse> rankings, IReadOnlyList<string> options)
    {
        int m = rankings.Count;
        int n = options.Count;
        var sums = new double[n];
        double tieSum = 0;
        foreach (var ranking in rankings)
        {
            for (int j = 0; j < n; j++) sums[j] += ranking.Ranks[options[j]];
            tieSum += TieSum(ranking.Ranks.Values.ToArray());
        }

        var meanRanks = new Dictionary<string, double>(n, StringComparer.Ordinal);
        for (int j = 0; j < n; j++) meanRanks.Add(options[j], sums[j] / m);

        double? w = null;
        double? chiSquare = null;
        double? p = null;
        double mm = m;
        double nn = n;
        double denominator = mm * mm * (nn * nn * nn - nn) - mm * tieSum;
        // Zero when there is nothing to agree on: one option, no raters, or every rater tying everything.
        if (m > 0 && n > 1 && denominator > 0)
        {
            double meanSum = sums.Sum() / n;
            double s = 0;
            foreach (var r in sums) s += (r - meanSum) * (r - meanSum);
            w = 12 * s / denominator;
            chiSquare = mm * (nn - 1) * w;
            // Upper tail of χ² with n − 1 degrees of freedom: Q((n − 1)/2, χ²/2), accurate where 1 − CDF is not.
            p = SpecialFunctions.GammaUpperRegularized((nn - 1) / 2, chiSquare.Value / 2);
        }

        return new RankingAnalysis
        {
            M = m,
            N = n,
            KendallW = Describe.Finite(w),
            ChiSquare = Describe.Finite(chiSquare),
            Df = Math.Max(n - 1, 0),
            PValue = Describe.Finite(p),
            MeanRanks = meanRanks,
        };
    }

    /// <summary>Average ranks with ties sharing the mean of their places, as R's <c>rank()</c>.</summary>
    public static double[] MidRanks(IReadOnlyList<double> values)
    {
        int n = values.Count;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
        var ranks = new double[n];
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + 1 + end + 1) / 2.0;
            for (int i = start; i <= end; i++) ranks[order[i]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>Σ (t³ − t) over the groups of equal values.</summary>
    public static double TieSum(IReadOnlyList<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double sum = 0;
        for (int start = 0; start < sorted.Length;)
        {
            int end = start;
            while (end + 1 < sorted.Length && sorted[end + 1] == sorted[start]) end++;
            double t = end - start + 1;
            sum += t * t * t - t;
            start = end + 1;
        }
        return sum;
    }
}
