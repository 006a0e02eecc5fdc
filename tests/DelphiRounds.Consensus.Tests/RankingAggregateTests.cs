using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

public sealed class RankingAggregateTests
{
    private static readonly string[] Options = ["heat-network", "heat-pumps", "hydrogen", "green-gas"];

    [Fact]
    public void Ranking_aggregate_equals_the_full_analysis_and_replaces_a_revised_ranking()
    {
        var aggregate = new RankingAggregate(Options);
        var rankings = new (string P, double[] R)[]
        {
            ("p01", [1, 2, 4, 3]), ("p02", [1, 3, 4, 2]), ("p03", [2, 1, 4, 3]), ("p04", [1, 2, 3, 4]), ("p05", [2, 1, 4, 3]),
        };
        aggregate.Set("p05", "x", Ranks([4, 3, 2, 1])); // revised below
        foreach (var (p, r) in rankings) aggregate.Set(p, "x", Ranks(r));

        var analysis = aggregate.Analysis();
        Assert.Equal(5, analysis.M);
        Assert.Equal(0.728, analysis.KendallW!.Value, 1e-12); // the R reference vector ranking-no-ties
        Assert.Equal(1.4, analysis.MeanRanks["heat-network"], 1e-12);
    }

    [Fact]
    public void An_empty_ranking_aggregate_has_no_W()
    {
        var analysis = new RankingAggregate(Options).Analysis();
        Assert.Equal(0, analysis.M);
        Assert.Null(analysis.KendallW);
    }

    [Theory]
    [InlineData(0.8, null, StoppingVerdict.Consensus)]
    [InlineData(0.4, null, StoppingVerdict.Continue)]
    [InlineData(0.4, 0.42, StoppingVerdict.StableDissent)]
    [InlineData(0.4, 0.2, StoppingVerdict.Continue)]
    public void Ranking_verdict_follows_W_and_its_change(double w, double? previousW, StoppingVerdict expected)
    {
        static RankingAnalysis With(double? w) => new() { M = 5, N = 4, Df = 3, KendallW = w, MeanRanks = new Dictionary<string, double>() };
        Assert.Equal(expected, StoppingRule.DecideRanking(With(w), previousW is null ? null : With(previousW)));
    }

    private static Dictionary<string, double> Ranks(double[] r) =>
        Options.Select((o, i) => (o, r[i])).ToDictionary(x => x.o, x => x.Item2);
}
