using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>
/// Hyndman–Fan types 1–9 on two samples, the expected values worked by hand from R's definitions
/// (quantile.default: types 1–3 with m = 0, 0, −½ and the 0/½/1 weights; types 4–9 with
/// nppm = a + p(n + 1 − a − b)). The type 6 and 7 quartiles of the first sample are also in the
/// R-computed reference vectors (quartile-example-type6/7: q1 2.5 / 3.5, q3 4.75 / 4.25).
/// </summary>
public class QuantileTests
{
    // R: quantile(c(2,2,4,4,4,4,5,5), c(.25,.5,.75), type = k)
    [Theory]
    [InlineData(1, 2.0, 4.0, 4.0)]
    [InlineData(2, 3.0, 4.0, 4.5)]
    [InlineData(3, 2.0, 4.0, 4.0)]
    [InlineData(4, 2.0, 4.0, 4.0)]
    [InlineData(5, 3.0, 4.0, 4.5)]
    [InlineData(6, 2.5, 4.0, 4.75)]
    [InlineData(7, 3.5, 4.0, 4.25)]
    [InlineData(8, 17.0 / 6, 4.0, 55.0 / 12)]
    [InlineData(9, 2.875, 4.0, 4.5625)]
    public void Quartiles_of_an_even_sample_follow_each_type(int type, double q1, double median, double q3)
    {
        double[] sorted = [2, 2, 4, 4, 4, 4, 5, 5];
        Check.Near(q1, Quantiles.Of(sorted, type, 0.25), 1e-12, "q1");
        Check.Near(median, Quantiles.Of(sorted, type, 0.5), 1e-12, "median");
        Check.Near(q3, Quantiles.Of(sorted, type, 0.75), 1e-12, "q3");
    }

    // R: quantile(c(1,3,7,15,31), c(.25,.5,.75), type = k). Type 3 takes the nearest even order
    // statistic, so its median of five values is x[2]; type 8's median needs R's fuzz (nppm = 3 − ε).
    [Theory]
    [InlineData(1, 3.0, 7.0, 15.0)]
    [InlineData(2, 3.0, 7.0, 15.0)]
    [InlineData(3, 1.0, 3.0, 15.0)]
    [InlineData(4, 1.5, 5.0, 13.0)]
    [InlineData(5, 2.5, 7.0, 19.0)]
    [InlineData(6, 2.0, 7.0, 23.0)]
    [InlineData(7, 3.0, 7.0, 15.0)]
    [InlineData(8, 7.0 / 3, 7.0, 61.0 / 3)]
    [InlineData(9, 2.375, 7.0, 20.0)]
    public void Quartiles_of_an_odd_sample_follow_each_type(int type, double q1, double median, double q3)
    {
        double[] sorted = [1, 3, 7, 15, 31];
        Check.Near(q1, Quantiles.Of(sorted, type, 0.25), 1e-12, "q1");
        Check.Near(median, Quantiles.Of(sorted, type, 0.5), 1e-12, "median");
        Check.Near(q3, Quantiles.Of(sorted, type, 0.75), 1e-12, "q3");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(9)]
    public void One_answer_is_every_quantile(int type)
    {
        double[] sorted = [42];
        Assert.Equal(42, Quantiles.Of(sorted, type, 0.25));
        Assert.Equal(42, Quantiles.Of(sorted, type, 0.5));
        Assert.Equal(42, Quantiles.Of(sorted, type, 0.75));
    }

    [Fact]
    public void Interpolating_between_equal_values_returns_that_value_exactly()
    {
        // R skips the interpolation when both neighbours are equal; (1 − h)x + hx need not be x in floating point.
        double[] sorted = [0.1, 0.1, 0.1, 0.7];
        for (int type = 1; type <= 9; type++) Assert.Equal(0.1, Quantiles.Of(sorted, type, 0.25));
    }

    [Fact]
    public void Quantile_method_outside_one_to_nine_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantiles.Of([1.0, 2.0], 0, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantiles.Of([1.0, 2.0], 10, 0.5));
    }

    [Fact]
    public void Default_quantile_method_is_type_seven()
    {
        var analysis = Analyzer.Analyze(Build.Rating(2, 2, 4, 4, 4, 4, 5, 5));
        Assert.Equal(7, analysis.QuantileMethod);
        Assert.Equal(3.5, analysis.Overall.Q1);
        Assert.Equal(4.25, analysis.Overall.Q3);
    }
}
