using DelphiRounds.Consensus;
using MathNet.Numerics.Distributions;

namespace DelphiRounds.Consensus.Tests;

/// <summary>How answers moved between rounds, and Wilcoxon's signed-rank p.</summary>
public class StabilityTests
{
    private static ItemInput Rounds(double[] now, double[] before) => Build.Rating(now) with
    {
        PreviousRound = before.Select((v, i) => new Response($"p{i + 1:00}", null, v)).ToList(),
    };

    [Fact]
    public void Wilcoxon_drops_zero_differences_and_corrects_for_ties_and_continuity()
    {
        // Differences 1, −1, 2, 2, 0, 3: the 0 is dropped; |d| ranks 1.5, 1.5, 3.5, 3.5, 5; V = 13.5.
        // z = (13.5 − 5·6/4 − ½) / √(5·6·11/24 − (6 + 6)/48) = 5.5 / √13.5.
        var p = SignedRank.TwoSidedP([1, -1, 2, 2, 0, 3]);
        Check.Near(2 * Normal.CDF(0, 1, -5.5 / Math.Sqrt(13.5)), p, 1e-12, "p");
    }

    [Fact]
    public void Wilcoxon_is_two_sided()
    {
        Assert.Equal(SignedRank.TwoSidedP([1, 2, -3, 4, 5]), SignedRank.TwoSidedP([-1, -2, 3, -4, -5]));
    }

    [Fact]
    public void One_changed_answer_gives_p_one()
    {
        // V = 1, z = 1 − ½ − ½ = 0 after the continuity correction.
        Assert.Equal(1, SignedRank.TwoSidedP([0, 0, 2]));
    }

    [Fact]
    public void Nobody_changing_leaves_Wilcoxon_undefined()
    {
        var stability = Analyzer.Analyze(Rounds([4, 5, 6], [4, 5, 6])).Stability!;
        Assert.Equal(3, stability.Pairs);
        Assert.Equal(0, stability.ChangedFraction);
        Assert.Equal(0, stability.MeanAbsoluteChange);
        Assert.Null(stability.WilcoxonP);
    }

    [Fact]
    public void Only_participants_in_both_rounds_are_paired()
    {
        var input = Build.Rating(4, 5, 6) with
        {
            PreviousRound = [new Response("p01", null, 2), new Response("p03", null, 6), new Response("p99", null, 1)],
        };
        var stability = Analyzer.Analyze(input).Stability!;
        Assert.Equal(2, stability.Pairs);
        Assert.Equal(0.5, stability.ChangedFraction);
        Assert.Equal(1, stability.MeanAbsoluteChange);
    }

    [Fact]
    public void No_pairs_leaves_every_stability_figure_undefined()
    {
        var input = Build.Rating(4, 5) with { PreviousRound = [new Response("someone-else", null, 3)] };
        Assert.Equal(new Stability(0, null, null, null), Analyzer.Analyze(input).Stability);
    }

    [Fact]
    public void Stability_is_absent_without_a_previous_round()
    {
        Assert.Null(Analyzer.Analyze(Build.Rating(4, 5)).Stability);
    }
}
