using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>Tastle–Wierman consensus, Van der Eijk's agreement A and the bimodality coefficient.</summary>
public class AgreementTests
{
    private static readonly int[] AgrmtExample = [30, 40, 210, 130, 530, 50, 10];

    [Fact]
    public void Van_der_Eijk_A_matches_the_agrmt_documentation_example()
    {
        // agrmt's help page: agreement(c(30,40,210,130,530,50,10)) "is given as 0.6113333".
        Check.Near(0.6113333, Agreement.VanDerEijk(AgrmtExample), 5e-8);
    }

    [Fact]
    public void Tastle_Wierman_matches_the_agrmt_documentation_example()
    {
        // agrmt's help page: consensus(c(30,40,210,130,530,50,10)) "is given as 0.7256876".
        var counts = AgrmtExample;
        int n = counts.Sum();
        double meanPosition = counts.Select((c, i) => (double)c * i).Sum() / n;
        Check.Near(0.7256876, Agreement.TastleWierman(counts, n, meanPosition), 5e-8);
    }

    // Worked from the layer definition (layers of the smallest non-zero count; U from 110/011 vs 101
    // triples; A = U(1 − (S−1)/(K−1)); weight = layer size / N). For example 40,10,0,10,40: layer
    // 11011 (U = −10/18, A = −5/36, weight .4) plus layer 10001 (A = −1, weight .6) = −0.6555….
    [Theory]
    [InlineData(new[] { 0, 0, 1 }, 1.0)]
    [InlineData(new[] { 0, 1, 1 }, 0.5)]
    [InlineData(new[] { 1, 0, 1 }, -1.0)]
    [InlineData(new[] { 1, 1, 1 }, 0.0)]
    [InlineData(new[] { 20, 20, 20, 20, 20 }, 0.0)]
    [InlineData(new[] { 10, 30, 50, 30, 10 }, 0.38461538461538464)]
    [InlineData(new[] { 50, 30, 10, 5, 5 }, 0.575)]
    [InlineData(new[] { 40, 10, 0, 10, 40 }, -0.6555555555555556)]
    [InlineData(new[] { 60, 0, 10, 20, 30 }, 0.0)]
    [InlineData(new[] { 5, 10, 20, 40, 50, 40, 20, 10, 5, 0 }, 0.5055555555555555)]
    [InlineData(new[] { 50, 20, 5, 0, 0, 0, 5, 20, 50, 0 }, -0.3498148148148148)]
    public void Van_der_Eijk_A_peels_layers_over_all_categories(int[] counts, double expected)
    {
        Check.Near(expected, Agreement.VanDerEijk(counts), 1e-12);
    }

    [Fact]
    public void Empty_categories_change_agreement_A()
    {
        // The same answers on a wider scale: the empty categories make the two used ones look closer.
        var narrow = Analyzer.Analyze(Build.Rating(new RatingScale(1, 3), 1, 3)).Overall.VanDerEijkA;
        var wide = Analyzer.Analyze(Build.Rating(new RatingScale(1, 7), 1, 3)).Overall.VanDerEijkA;
        Assert.Equal(-1, narrow);
        Assert.NotEqual(narrow, wide);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(11)]
    public void Identical_answers_give_full_agreement(int points)
    {
        var scale = new RatingScale(1, points);
        for (int value = 1; value <= points; value++)
        {
            var overall = Analyzer.Analyze(Build.Rating(scale, Enumerable.Repeat((double)value, 9).ToArray())).Overall;
            Assert.Equal(0, overall.Iqr);
            Assert.Equal(1, overall.TastleWierman);
            Assert.Equal(1, overall.VanDerEijkA);
            Assert.Equal(0, overall.Sd);
            Assert.Null(overall.BimodalityCoefficient);
        }
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(5, 4)]
    [InlineData(7, 5)]
    [InlineData(10, 50)]
    public void Half_at_each_end_of_the_scale_gives_full_polarization(int points, int half)
    {
        var scale = new RatingScale(1, points);
        var values = Enumerable.Repeat(1.0, half).Concat(Enumerable.Repeat((double)points, half)).ToArray();
        var overall = Analyzer.Analyze(Build.Rating(scale, values)).Overall;
        Check.Near(-1, overall.VanDerEijkA, 1e-12, "A");
        Check.Near(0, overall.TastleWierman, 1e-12, "Tastle–Wierman");
    }

    [Fact]
    public void Uniform_answers_give_agreement_zero()
    {
        var overall = Analyzer.Analyze(Build.Rating(1, 2, 3, 4, 5, 6, 7)).Overall;
        Assert.Equal(0, overall.VanDerEijkA);
    }

    [Fact]
    public void Tastle_Wierman_uses_the_width_of_the_scale_not_of_the_answers()
    {
        // 1 and 2 on a 1..7 scale: |X − μ| / 6 = 1/12 each, so 1 + log2(11/12).
        var overall = Analyzer.Analyze(Build.Rating(1, 2)).Overall;
        Check.Near(1 + Math.Log2(11.0 / 12), overall.TastleWierman, 1e-12);
    }

    [Fact]
    public void Bimodality_coefficient_uses_bias_corrected_skewness_and_kurtosis()
    {
        // e1071 type 2 on 2,2,4,4,4,4,5,5 (the R reference gives 0.3772641643739468), re-derived here:
        double[] x = [2, 2, 4, 4, 4, 4, 5, 5];
        double n = x.Length, mean = x.Average();
        double m2 = x.Sum(v => Math.Pow(v - mean, 2)), m3 = x.Sum(v => Math.Pow(v - mean, 3)), m4 = x.Sum(v => Math.Pow(v - mean, 4));
        double g1 = Math.Sqrt(n) * m3 / Math.Pow(m2, 1.5) * Math.Sqrt(n * (n - 1)) / (n - 2);
        double g2 = ((n + 1) * (n * m4 / (m2 * m2) - 3) + 6) * (n - 1) / ((n - 2) * (n - 3));
        double expected = (g1 * g1 + 1) / (g2 + 3 * (n - 1) * (n - 1) / ((n - 2) * (n - 3)));

        var overall = Analyzer.Analyze(Build.Rating(x)).Overall;
        Check.Near(expected, overall.BimodalityCoefficient, 1e-12);
        Check.Near(0.3772641643739468, overall.BimodalityCoefficient);
    }

    [Fact]
    public void Bimodality_coefficient_needs_four_answers()
    {
        Assert.Null(Analyzer.Analyze(Build.Rating(1, 4, 7)).Overall.BimodalityCoefficient);
        Assert.NotNull(Analyzer.Analyze(Build.Rating(1, 4, 7, 7)).Overall.BimodalityCoefficient);
    }
}
