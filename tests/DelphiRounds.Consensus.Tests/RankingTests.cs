using DelphiRounds.Consensus;
using MathNet.Numerics.Distributions;

namespace DelphiRounds.Consensus.Tests;

/// <summary>Kendall's W with the tie correction, as irr::kendall(correct = TRUE).</summary>
public class RankingTests
{
    [Fact]
    public void Kendall_W_is_corrected_for_ties()
    {
        // Rank sums 4, 5.5, 8.5 around 6: S = 10.5. One tie of two: T = 2³ − 2 = 6.
        // W = 12·10.5 / (3²(3³ − 3) − 3·6) = 126/198 = 7/11 (uncorrected it would be 126/216).
        var analysis = Analyzer.AnalyzeRanking(new RankingInput(
        [
            Build.Ranking("p1", ("a", 1), ("b", 2.5), ("c", 2.5)),
            Build.Ranking("p2", ("a", 1), ("b", 2), ("c", 3)),
            Build.Ranking("p3", ("a", 2), ("b", 1), ("c", 3)),
        ]));
        Assert.Equal(3, analysis.M);
        Assert.Equal(3, analysis.N);
        Assert.Equal(2, analysis.Df);
        Check.Near(7.0 / 11, analysis.KendallW, 1e-12, "W");
        Check.Near(42.0 / 11, analysis.ChiSquare, 1e-12, "chi-square");
        // With 2 degrees of freedom the upper tail of χ² is exp(−x/2).
        Check.Near(Math.Exp(-21.0 / 11), analysis.PValue, 1e-12, "p");
        Assert.Equal([4.0 / 3, 5.5 / 3, 8.5 / 3], analysis.MeanRanks.Values);
    }

    [Fact]
    public void Perfect_concordance_gives_W_one()
    {
        var analysis = Analyzer.AnalyzeRanking(new RankingInput(
            Enumerable.Range(1, 6).Select(i => Build.Ranking($"p{i}", ("x", 1), ("y", 2), ("z", 3), ("w", 4))).ToList()));
        Check.Near(1, analysis.KendallW, 1e-12, "W");
        Check.Near(6 * 3, analysis.ChiSquare, 1e-12, "chi-square");
        Check.Near(1 - ChiSquared.CDF(3, 18), analysis.PValue, 1e-9, "p");
    }

    [Fact]
    public void Every_rater_tying_every_option_leaves_W_undefined()
    {
        var analysis = Analyzer.AnalyzeRanking(new RankingInput(
        [
            Build.Ranking("p1", ("a", 2), ("b", 2), ("c", 2)),
            Build.Ranking("p2", ("a", 2), ("b", 2), ("c", 2)),
        ]));
        Assert.Null(analysis.KendallW);
        Assert.Null(analysis.ChiSquare);
        Assert.Null(analysis.PValue);
        Assert.Equal(2, analysis.Df);
    }

    [Fact]
    public void Mean_ranks_keep_the_order_options_were_first_seen()
    {
        var analysis = Analyzer.AnalyzeRanking(new RankingInput(
        [
            Build.Ranking("p1", ("zeta", 1), ("alpha", 2), ("mu", 3)),
            Build.Ranking("p2", ("mu", 1), ("alpha", 2), ("zeta", 3)),
        ]));
        Assert.Equal(["zeta", "alpha", "mu"], analysis.MeanRanks.Keys);
    }

    [Fact]
    public void No_rankings_yet_gives_an_empty_analysis()
    {
        var analysis = Analyzer.AnalyzeRanking(new RankingInput([]));
        Assert.Equal(0, analysis.M);
        Assert.Null(analysis.KendallW);
        Assert.Empty(analysis.MeanRanks);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4 }, true)]
    [InlineData(new[] { 1.0, 2.5, 2.5, 4 }, true)]
    [InlineData(new[] { 2.0, 2, 2, 4 }, true)]
    [InlineData(new[] { 2.5, 2.5, 2.5, 2.5 }, true)]
    [InlineData(new[] { 4.0, 3, 1, 2 }, true)]
    [InlineData(new[] { 1.0, 2, 2, 4 }, false)]
    [InlineData(new[] { 1.0, 1, 3, 4 }, false)]
    [InlineData(new[] { 0.0, 1, 2, 3 }, false)]
    [InlineData(new[] { 1.0, 2, 3, 5 }, false)]
    [InlineData(new[] { 1.0, 2, 3, 3 }, false)]
    public void Ranks_must_run_one_to_n_with_mid_ranks_for_ties(double[] ranks, bool valid)
    {
        var input = new RankingInput([new RankingResponse("p1", null, ranks.Select((r, i) => ($"o{i}", r)).ToDictionary(x => x.Item1, x => x.r))]);
        if (valid)
        {
            Analyzer.AnalyzeRanking(input);
        }
        else
        {
            var refused = Assert.Throws<AnalysisInputException>(() => Analyzer.AnalyzeRanking(input));
            Assert.StartsWith("rankings[0].ranks.o", refused.Field);
        }
    }

    [Fact]
    public void A_rater_who_skips_an_option_is_refused()
    {
        var refused = Assert.Throws<AnalysisInputException>(() => Analyzer.AnalyzeRanking(new RankingInput(
        [
            Build.Ranking("p1", ("a", 1), ("b", 2), ("c", 3)),
            Build.Ranking("p2", ("a", 1), ("b", 2)),
        ])));
        Assert.Equal("rankings[1].ranks", refused.Field);
        Assert.Contains("'c'", refused.Problem);
    }

    [Fact]
    public void A_participant_who_ranks_twice_is_refused()
    {
        var refused = Assert.Throws<AnalysisInputException>(() => Analyzer.AnalyzeRanking(new RankingInput(
        [
            Build.Ranking("p1", ("a", 1), ("b", 2)),
            Build.Ranking("p1", ("a", 2), ("b", 1)),
        ])));
        Assert.Equal("rankings[1].participant", refused.Field);
    }
}
