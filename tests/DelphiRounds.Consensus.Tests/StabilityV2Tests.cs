using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>Version 2's stability: net change for ratings, median shift for numbers, one <c>stable</c> over what applies.</summary>
public class StabilityV2Tests
{
    [Fact]
    public void Net_change_is_half_the_moved_share_over_all_answers_of_each_round()
    {
        // Before 3,3,4,4: ½ at 3, ½ at 4. Now 3,4,4,5,5 (one newcomer): ⅕ at 3, ⅖ at 4, ⅖ at 5.
        // ½(|0.2 − 0.5| + |0.4 − 0.5| + |0.4 − 0|) = ½(0.3 + 0.1 + 0.4) = 0.4.
        var analysis = V2.Analyze(V2.Rating(null, V2.Answers(3, 4, 4, 5, 5), V2.Answers(3, 3, 4, 4)));
        Check.Near(0.4, analysis.Stability!.NetChange);
        Assert.Null(analysis.Stability.MedianShift);
        Assert.Equal(4, analysis.Stability.Pairs);
    }

    [Fact]
    public void Answers_that_trade_places_are_no_net_change()
    {
        var analysis = V2.Analyze(V2.Rating(null, V2.Answers(5, 3), V2.Answers(3, 5)));
        Assert.Equal(0.0, analysis.Stability!.NetChange);
        Assert.Equal(1.0, analysis.Stability.ChangedFraction);
    }

    [Fact]
    public void Every_stability_criterion_that_applies_must_hold()
    {
        var swapped = (Now: V2.Answers(5, 3), Before: V2.Answers(3, 5));
        var net = V2.Analyze(V2.Rating(new ConsensusCriteriaV2 { MaxNetChange = 0.15 }, swapped.Now, swapped.Before));
        Assert.True(net.Stability!.Stable);

        // The version 1 criterion still applies to both kinds: every answer changed.
        var both = V2.Analyze(V2.Rating(new ConsensusCriteriaV2 { MaxNetChange = 0.15, MaxChangedFraction = 0.15 }, swapped.Now, swapped.Before));
        Assert.False(both.Stability!.Stable);
    }

    [Fact]
    public void Median_shift_is_the_distance_between_the_medians_of_the_rounds()
    {
        // Before 10, 20, 30: median 20. Now 12, 24, 40, 50: median (24 + 40) / 2 = 32. Shift 12.
        var before = V2.Answers(10, 20, 30);
        var now = V2.Answers(12, 24, 40, 50);
        var exact = V2.Analyze(V2.Numeric(new ConsensusCriteriaV2 { MaxMedianShift = 12 }, now, before));
        Assert.Equal(12, exact.Stability!.MedianShift);
        Assert.Null(exact.Stability.NetChange);
        Assert.True(exact.Stability.Stable);

        var stricter = V2.Analyze(V2.Numeric(new ConsensusCriteriaV2 { MaxMedianShift = 11.9 }, now, before));
        Assert.False(stricter.Stability!.Stable);
    }

    [Fact]
    public void Median_shift_uses_the_item_quantile_method()
    {
        // Type 1 takes the lower middle answer of an even count: now 24, before 20, shift 4.
        var input = V2.Numeric(null, V2.Answers(12, 24, 40, 50), V2.Answers(10, 20, 30)) with { QuantileMethod = 1 };
        Assert.Equal(4, V2.Analyze(input).Stability!.MedianShift);
    }

    [Fact]
    public void A_criterion_for_the_other_kind_of_item_is_left_out()
    {
        // Net change is a rating figure: on a numeric item nothing is left to judge.
        var analysis = V2.Analyze(V2.Numeric(new ConsensusCriteriaV2 { MaxNetChange = 0.15 }, V2.Answers(1, 2), V2.Answers(1, 2)));
        Assert.Null(analysis.Stability!.Stable);
    }

    [Fact]
    public void An_empty_round_has_no_net_change_and_no_verdict_on_stability()
    {
        var analysis = V2.Analyze(V2.Rating(new ConsensusCriteriaV2 { MaxNetChange = 0.15, MaxChangedFraction = 0.15 }, V2.Answers(4, 5), []));
        Assert.Null(analysis.Stability!.NetChange);
        Assert.Equal(0, analysis.Stability.Pairs);
        Assert.Null(analysis.Stability.ChangedFraction);
        Assert.Null(analysis.Stability.Stable);

        var numeric = V2.Analyze(V2.Numeric(new ConsensusCriteriaV2 { MaxMedianShift = 1 }, [], V2.Answers(4, 5)));
        Assert.Null(numeric.Stability!.MedianShift);
    }

    [Fact]
    public void Without_a_previous_round_there_is_no_stability()
    {
        var analysis = V2.Analyze(V2.Rating(new ConsensusCriteriaV2 { MaxNetChange = 0.15 }, V2.Answers(4, 5)));
        Assert.Null(analysis.Stability);
        Assert.Null(analysis.Attrition);
    }
}
