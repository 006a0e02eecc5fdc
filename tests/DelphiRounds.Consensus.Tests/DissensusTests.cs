using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>Where a panel without consensus stands: polarised or not, and which groups form each pole.</summary>
public class DissensusTests
{
    private static readonly ConsensusCriteriaV2 Bands = V2.YesNo with { MinGroupSize = 2 };

    // yes: 6,7,7 (median 7); no: 1,1,2 (median 1); mid: 4,6 (median 5); tiny: 7 (one answer).
    private static readonly List<Response> Divided = V2.Answers(
        ("yes", 6), ("yes", 7), ("yes", 7), ("no", 1), ("no", 1), ("no", 2), ("mid", 4), ("mid", 6), ("tiny", 7));

    [Fact]
    public void Two_large_camps_make_a_polarised_panel_with_poles()
    {
        // For: 6,7,7,6,7 = 5 of 9; against: 1,1,2 = 3 of 9; both at least 0.25.
        var analysis = V2.Analyze(V2.Rating(Bands, Divided));
        Check.Near(5.0 / 9, analysis.Overall.AgreementInBand);
        Check.Near(3.0 / 9, analysis.DisagreementInBand);
        Assert.True(analysis.Dissensus!.Polarised);
        // mid's median 5 is in neither band; tiny has fewer answers than minGroupSize.
        Assert.Equal(["yes"], analysis.Dissensus.For);
        Assert.Equal(["no"], analysis.Dissensus.Against);
    }

    [Fact]
    public void A_camp_below_the_smallest_pole_is_not_polarisation()
    {
        // Against holds 3 of 9 (0.333) < 0.4.
        var analysis = V2.Analyze(V2.Rating(Bands with { MinPole = 0.4 }, Divided));
        Assert.False(analysis.Dissensus!.Polarised);
        Assert.Equal(["no"], analysis.Dissensus.Against);
    }

    [Fact]
    public void Fewer_than_four_answers_are_never_polarised()
    {
        // 7,1,1: shares ⅓ and ⅔, both above 0.25, but only 3 answers.
        var analysis = V2.Analyze(V2.Rating(V2.YesNo, V2.Answers(7, 1, 1)));
        Assert.False(analysis.Dissensus!.Polarised);
        // 7,1,1,7: halves, and four answers.
        Assert.True(V2.Analyze(V2.Rating(V2.YesNo, V2.Answers(7, 1, 1, 7))).Dissensus!.Polarised);
    }

    [Fact]
    public void Disagreement_in_band_is_given_per_group()
    {
        var analysis = V2.Analyze(V2.Rating(Bands, Divided));
        Assert.Equal(1.0, analysis.GroupDisagreementInBand["no"]);
        Assert.Equal(0.0, analysis.GroupDisagreementInBand["yes"]);
        Assert.Equal(Divided.Select(r => r.Group).Distinct().Order(StringComparer.Ordinal), analysis.GroupDisagreementInBand.Keys.Order(StringComparer.Ordinal));
    }
}
