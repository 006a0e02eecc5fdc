namespace DelphiRounds.Consensus;

/// <summary>
/// Sample quantiles by Hyndman &amp; Fan (1996) types 1–9, computed exactly the way R's
/// <c>quantile(x, probs, type)</c> computes them (same formulas, same order of operations, same fuzz),
/// so that a median on screen is the median R prints, bit for bit where R's arithmetic allows.
/// </summary>
/// <remarks>
/// Works from an order-statistic accessor rather than an array: the full computation passes a sorted
/// array, the incremental aggregates pass a count scan or a balanced tree, and all share this one code path.
/// </remarks>
public static class Quantiles
{
    /// <summary>The default method: type 7, R's and spreadsheets' QUARTILE.INC.</summary>
    public const int DefaultMethod = 7;

    // R: fuzz <- 4 * .Machine$double.eps. Note double.Epsilon in .NET is the smallest subnormal, not DBL_EPSILON.
    private const double Fuzz = 4 * 2.220446049250313e-16;

    /// <summary>True for the methods R knows: 1 to 9.</summary>
    public static bool IsMethod(int method) => method is >= 1 and <= 9;

    /// <summary>The <paramref name="probability"/> quantile of a sorted sample held in an array or list.</summary>
    public static double Of(IReadOnlyList<double> sorted, int method, double probability)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        return Of(sorted.Count, k => sorted[k - 1], method, probability);
    }

    /// <summary>
    /// The <paramref name="probability"/> quantile of a sample of <paramref name="n"/> values, given
    /// <paramref name="kth"/>(k), the k-th smallest value, 1-based.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1, method outside 1..9 or probability outside [0, 1].</exception>
    public static double Of(int n, Func<int, double> kth, int method, double probability)
    {
        ArgumentNullException.ThrowIfNull(kth);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (!IsMethod(method)) throw new ArgumentOutOfRangeException(nameof(method), method, "Quantile methods are 1 to 9.");
        if (!(probability >= 0 && probability <= 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability lies in [0, 1].");

        if (method == 7)
        {
            // R keeps a separate, back-compatible branch for type 7; mirrored here for identical rounding.
            double index = 1 + (n - 1) * probability;
            int lo = (int)Math.Floor(index);
            int hi = (int)Math.Ceiling(index);
            double qs = kth(lo);
            if (index > lo)
            {
                double upper = kth(hi);
                if (upper != qs)
                {
                    double h = index - lo;
                    qs = (1 - h) * qs + h * upper;
                }
            }
            return qs;
        }

        double nppm;
        double j;
        double weight;
        if (method <= 3)
        {
            // Discontinuous types: the weight is 0, 1/2 or 1.
            nppm = method == 3 ? n * probability - .5 : n * probability;
            j = Math.Floor(nppm + Fuzz);
            weight = method switch
            {
                1 => nppm > j ? 1 : 0,
                2 => ((nppm > j ? 1 : 0) + 1) / 2.0,
                _ => nppm != j || Math.Abs(j % 2) == 1 ? 1 : 0,
            };
        }
        else
        {
            var (a, b) = method switch
            {
                4 => (0.0, 1.0),
                5 => (0.5, 0.5),
                6 => (0.0, 0.0),
                8 => (1 / 3.0, 1 / 3.0),
                _ => (3 / 8.0, 3 / 8.0),
            };
            nppm = a + probability * (n + 1 - a - b);
            j = Math.Floor(nppm + Fuzz);
            weight = nppm - j;
            if (Math.Abs(weight) < Fuzz) weight = 0;
        }

        // R pads the sorted sample with two copies of each end: x[j] and x[j+1], clamped to 1..n.
        int lower = Clamp(j, n);
        int next = Clamp(j + 1, n);
        double result = kth(lower);
        if (weight == 1)
        {
            result = kth(next);
        }
        else if (weight > 0 && weight < 1)
        {
            double upperValue = kth(next);
            if (result != upperValue) result = (1 - weight) * result + weight * upperValue;
        }
        return result;
    }

    private static int Clamp(double index, int n) => index < 1 ? 1 : index > n ? n : (int)index;
}
