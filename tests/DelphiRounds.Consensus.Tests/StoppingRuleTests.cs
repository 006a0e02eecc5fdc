using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>When an item, and a study, stop asking.</summary>
public class StoppingRuleTests
{
    private static ItemAnalysis Round(ConsensusCriteria criteria, double[] now, double[]? before) =>
        Analyzer.Analyze(Build.Rating(now) with
        {
            Criteria = criteria,
            PreviousRound = before?.Select((v, i) => new Response($"p{i + 1:00}", null, v)).ToList(),
        });

    [Fact]
    public void Consensus_stops_the_item()
    {
        var criteria = new ConsensusCriteria { MaxIqr = 1 };
        Assert.Equal(StoppingVerdict.Consensus, StoppingRule.Decide(Round(criteria, [6, 6, 6, 7], null), criteria));
    }

    [Fact]
    public void Answers_that_no_longer_move_without_consensus_are_stable_dissent()
    {
        var criteria = new ConsensusCriteria { MaxIqr = 1 };
        double[] split = [1, 1, 1, 7, 7, 7, 7, 1, 1, 7];
        double[] almost = [1, 1, 1, 7, 7, 7, 7, 1, 1, 6];
        // 1 of 10 changed: 0.1 ≤ the default 0.15.
        Assert.Equal(StoppingVerdict.StableDissent, StoppingRule.Decide(Round(criteria, split, almost), criteria));
        // With a stricter bound of its own the same movement is not yet stable.
        var strict = criteria with { MaxChangedFraction = 0.05 };
        Assert.Equal(StoppingVerdict.Continue, StoppingRule.Decide(Round(strict, split, almost), strict));
    }

    [Fact]
    public void Moving_answers_without_consensus_continue()
    {
        var criteria = new ConsensusCriteria { MaxIqr = 1 };
        Assert.Equal(StoppingVerdict.Continue, StoppingRule.Decide(Round(criteria, [1, 7, 1, 7], [2, 6, 2, 6]), criteria));
    }

    [Fact]
    public void Without_a_previous_round_an_item_cannot_be_stable_dissent()
    {
        var criteria = new ConsensusCriteria { MaxIqr = 1 };
        Assert.Equal(StoppingVerdict.Continue, StoppingRule.Decide(Round(criteria, [1, 7, 1, 7], null), criteria));
    }

    [Fact]
    public void An_analysis_made_without_criteria_is_judged_by_the_rule()
    {
        var criteria = new ConsensusCriteria { MaxIqr = 1 };
        var analysis = Analyzer.Analyze(Build.Rating(5, 5, 5));
        Assert.Equal(StoppingVerdict.Consensus, StoppingRule.Decide(analysis, criteria));
    }

    [Fact]
    public void A_study_stops_when_every_item_stopped()
    {
        Assert.True(StoppingRule.StudyStops([StoppingVerdict.Consensus, StoppingVerdict.StableDissent], roundNumber: 2, maxRounds: 4));
        Assert.False(StoppingRule.StudyStops([StoppingVerdict.Consensus, StoppingVerdict.Continue], roundNumber: 2, maxRounds: 4));
    }

    [Fact]
    public void A_study_stops_at_the_round_limit()
    {
        Assert.True(StoppingRule.StudyStops([StoppingVerdict.Continue], roundNumber: 4, maxRounds: 4));
        Assert.False(StoppingRule.StudyStops([StoppingVerdict.Continue], roundNumber: 3, maxRounds: 4));
    }
}
