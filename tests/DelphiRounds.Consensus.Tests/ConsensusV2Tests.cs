using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>
/// Version 2's direction and verdict: consensus for, against, split, and what each criterion means.
/// Expected values are worked out by hand from the contract's definitions (type 7 quartiles).
/// </summary>
public class ConsensusV2Tests
{
    [Fact]
    public void Shared_no_is_consensus_against()
    {
        // 1,1,2,2: all four in [1, 2], none in [6, 7]; quartiles 1 and 2, iqr 1.
        var analysis = V2.Analyze(V2.Rating(V2.YesNo with { MaxIqr = 1 }, V2.Answers(1, 1, 2, 2)));
        Assert.Equal(ConsensusDirection.Against, analysis.Consensus!.Direction);
        Assert.True(analysis.Consensus.Reached);
        Assert.Equal(ConsensusVerdict.ConsensusAgainst, analysis.Verdict);
        Assert.Equal(1.0, analysis.DisagreementInBand);
        Assert.Equal(0.0, analysis.Overall.AgreementInBand);
    }

    [Fact]
    public void Shared_yes_is_consensus_for()
    {
        var analysis = V2.Analyze(V2.Rating(V2.YesNo with { MaxIqr = 1 }, V2.Answers(6, 6, 7, 7)));
        Assert.Equal(ConsensusDirection.For, analysis.Consensus!.Direction);
        Assert.Equal(ConsensusVerdict.ConsensusFor, analysis.Verdict);
    }

    [Fact]
    public void Shared_no_without_a_disagreement_band_is_no_consensus()
    {
        var criteria = new ConsensusCriteriaV2 { AgreementBand = (6, 7), MinAgreement = 0.75, MaxIqr = 1 };
        var analysis = V2.Analyze(V2.Rating(criteria, V2.Answers(1, 1, 2, 2)));
        Assert.Null(analysis.Consensus!.Direction);
        Assert.False(analysis.Consensus.Reached);
        Assert.Equal(ConsensusVerdict.Continue, analysis.Verdict);
        Assert.Null(analysis.Dissensus);
    }

    [Fact]
    public void Against_is_not_judged_without_a_minimum_agreement()
    {
        // Only maxIqr: 1,1,2,2 agree on a value (iqr 1), which is "for" in the sense of agreeing, not "against".
        var criteria = new ConsensusCriteriaV2 { AgreementBand = (6, 7), DisagreementBand = (1, 2), MaxIqr = 1 };
        var analysis = V2.Analyze(V2.Rating(criteria, V2.Answers(1, 1, 2, 2)));
        Assert.Equal(ConsensusDirection.For, analysis.Consensus!.Direction);
    }

    [Fact]
    public void Both_camps_at_the_minimum_is_a_split_panel_not_consensus()
    {
        // 1,1,7,7 with minAgreement 0.5: half in each band, so for and against both hold.
        var criteria = V2.YesNo with { MinAgreement = 0.5 };
        var analysis = V2.Analyze(V2.Rating(criteria, V2.Answers(1, 1, 7, 7)));
        Assert.Null(analysis.Consensus!.Direction);
        Assert.False(analysis.Consensus.Reached);
        Assert.NotEmpty(analysis.Consensus.Reasons);
    }

    [Fact]
    public void With_only_a_largest_iqr_for_means_the_panel_agrees_on_a_value()
    {
        // 10, 11, 12: quartiles 10.5 and 11.5, iqr exactly 1 (equality passes).
        var close = V2.Analyze(V2.Numeric(new ConsensusCriteriaV2 { MaxIqr = 1 }, V2.Answers(10, 11, 12)));
        Assert.Equal(ConsensusDirection.For, close.Consensus!.Direction);

        // 10, 11, 12, 20: quartiles 10.75 and 14, iqr 3.25.
        var spread = V2.Analyze(V2.Numeric(new ConsensusCriteriaV2 { MaxIqr = 1 }, V2.Answers(10, 11, 12, 20)));
        Assert.Null(spread.Consensus!.Direction);
        Assert.Contains("iqr 3.25 > 1", spread.Consensus.Reasons);
    }

    [Fact]
    public void Without_an_iqr_or_agreement_criterion_there_is_no_direction()
    {
        var criteria = new ConsensusCriteriaV2 { AgreementBand = (6, 7), MaxChangedFraction = 0.2 };
        var analysis = V2.Analyze(V2.Rating(criteria, V2.Answers(7, 7, 7)));
        Assert.Null(analysis.Consensus!.Direction);
        Assert.Equal(ConsensusVerdict.Continue, analysis.Verdict);
    }

    [Fact]
    public void Every_group_large_enough_must_agree_the_same_way()
    {
        // Panel 4 of 5 in [6, 7] (0.8), but group b (7, 1) only 0.5.
        var answers = V2.Answers(("a", 7), ("a", 7), ("a", 7), ("b", 7), ("b", 1));
        var criteria = new ConsensusCriteriaV2 { AgreementBand = (6, 7), MinAgreement = 0.75, RequireEveryGroup = true, MinGroupSize = 2 };
        Assert.Null(V2.Analyze(V2.Rating(criteria, answers)).Consensus!.Direction);

        // With groups of at least 3 judged, b is not, and the panel decides.
        var larger = criteria with { MinGroupSize = 3 };
        Assert.Equal(ConsensusDirection.For, V2.Analyze(V2.Rating(larger, answers)).Consensus!.Direction);
    }

    [Fact]
    public void Stability_no_longer_decides_consensus()
    {
        // Everyone moved (changed fraction 1), yet 6,6,7,7 is consensus for.
        var previous = V2.Answers(3, 3, 4, 4);
        var criteria = V2.YesNo with { MaxChangedFraction = 0.15 };
        var analysis = V2.Analyze(V2.Rating(criteria, V2.Answers(6, 6, 7, 7), previous));
        Assert.Equal(1.0, analysis.Stability!.ChangedFraction);
        Assert.False(analysis.Stability.Stable);
        Assert.Equal(ConsensusVerdict.ConsensusFor, analysis.Verdict);
    }

    [Fact]
    public void Stable_answers_without_consensus_are_stable_dissent()
    {
        // Two participants swap 1 and 7: nobody agrees, and the distribution did not move (net change 0).
        var previous = V2.Answers(1, 7);
        var criteria = V2.YesNo with { MaxNetChange = 0.15 };
        var analysis = V2.Analyze(V2.Rating(criteria, V2.Answers(7, 1), previous));
        Assert.Null(analysis.Consensus!.Direction);
        Assert.True(analysis.Stability!.Stable);
        Assert.Equal(ConsensusVerdict.StableDissent, analysis.Verdict);
    }

    [Fact]
    public void Moving_answers_without_consensus_continue()
    {
        // 1,7 → 2,6: net change ½(½ + ½ + ½ + ½) = 1.
        var criteria = V2.YesNo with { MaxNetChange = 0.15 };
        var analysis = V2.Analyze(V2.Rating(criteria, V2.Answers(2, 6), V2.Answers(1, 7)));
        Assert.Equal(1.0, analysis.Stability!.NetChange);
        Assert.False(analysis.Stability.Stable);
        Assert.Equal(ConsensusVerdict.Continue, analysis.Verdict);
    }

    [Fact]
    public void An_item_nobody_answered_continues()
    {
        var analysis = V2.Analyze(V2.Rating(V2.YesNo with { MaxIqr = 1 }, V2.Answers(Array.Empty<double>())));
        Assert.Equal(0, analysis.Overall.N);
        Assert.Null(analysis.Overall.Median);
        Assert.Null(analysis.DisagreementInBand);
        Assert.Null(analysis.Consensus!.Direction);
        Assert.Equal(0, analysis.Consensus.FlipsWithoutOne);
        Assert.Empty(analysis.Consensus.FlipsWithoutGroup);
        Assert.Equal(ConsensusVerdict.Continue, analysis.Verdict);
    }

    [Fact]
    public void Without_criteria_there_is_no_consensus_or_verdict()
    {
        var analysis = V2.Analyze(V2.Rating(null, V2.Answers(7, 7), V2.Answers(7, 6)));
        Assert.Null(analysis.Consensus);
        Assert.Null(analysis.Verdict);
        Assert.Null(analysis.Stability!.Stable);
        Assert.Null(analysis.Attrition!.DirectionWithDropouts);
    }

    [Fact]
    public void Reasons_name_the_judgement_they_belong_to()
    {
        // 2,4,6: for 1/3 in [6, 7], against 1/3 in [1, 2]; both fail.
        var analysis = V2.Analyze(V2.Rating(V2.YesNo, V2.Answers(2, 4, 6)));
        Assert.Equal(["for: agreement 0.3333 < 0.75", "against: disagreement 0.3333 < 0.75"], analysis.Consensus!.Reasons);
    }
}
