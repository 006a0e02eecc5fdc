using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>The consensus criteria: equality passes, small groups are not judged, stability is the panel's.</summary>
public class ConsensusTests
{
    private static ItemInput Panel(ConsensusCriteria criteria, params (string Group, double Value)[] answers) => new()
    {
        Kind = ItemKind.Rating,
        Scale = Build.SevenPoint,
        Responses = answers.Select((a, i) => new Response($"p{i:00}", a.Group, a.Value)).ToList(),
        Criteria = criteria,
    };

    [Fact]
    public void An_iqr_equal_to_the_maximum_passes()
    {
        // 5,5,6,6: type 7 quartiles 5 and 6, iqr exactly 1.
        var analysis = Analyzer.Analyze(Panel(new ConsensusCriteria { MaxIqr = 1 }, ("a", 5), ("a", 5), ("a", 6), ("a", 6)));
        Assert.Equal(1, analysis.Overall.Iqr);
        Assert.True(analysis.Consensus!.Reached);

        var stricter = Analyzer.Analyze(Panel(new ConsensusCriteria { MaxIqr = 0.5 }, ("a", 5), ("a", 5), ("a", 6), ("a", 6)));
        Assert.False(stricter.Consensus!.Reached);
        Assert.Equal(["iqr 1 > 0.5"], stricter.Consensus.Reasons);
    }

    [Fact]
    public void Agreement_equal_to_the_minimum_passes()
    {
        var criteria = new ConsensusCriteria { AgreementBand = (6, 7), MinAgreement = 0.6 };
        var analysis = Analyzer.Analyze(Panel(criteria, ("a", 6), ("a", 7), ("a", 6), ("a", 2), ("a", 3)));
        Assert.Equal(0.6, analysis.Overall.AgreementInBand);
        Assert.True(analysis.Consensus!.Reached);
    }

    [Fact]
    public void Groups_below_the_minimum_size_are_not_judged()
    {
        var criteria = new ConsensusCriteria { MaxIqr = 1, RequireEveryGroup = true, MinGroupSize = 3 };
        var answers = new[] { ("big", 6.0), ("big", 6.0), ("big", 6.0), ("big", 6.0), ("small", 1.0), ("small", 7.0) };
        var analysis = Analyzer.Analyze(Panel(criteria, answers));
        Assert.Equal(3, analysis.Groups["small"].Iqr);
        Assert.True(analysis.Consensus!.Reached);
        Assert.Contains("small", analysis.Groups.Keys);

        var everyGroup = Analyzer.Analyze(Panel(criteria with { MinGroupSize = 2 }, answers));
        Assert.False(everyGroup.Consensus!.Reached);
        Assert.Equal(["group small: iqr 3 > 1"], everyGroup.Consensus.Reasons);
    }

    [Fact]
    public void Groups_are_not_judged_unless_every_group_is_required()
    {
        var answers = new[] { ("big", 6.0), ("big", 6.0), ("big", 6.0), ("big", 6.0), ("other", 1.0), ("other", 7.0), ("other", 7.0) };
        var analysis = Analyzer.Analyze(Panel(new ConsensusCriteria { MaxIqr = 1, RequireEveryGroup = false }, answers));
        Assert.True(analysis.Consensus!.Reached);
    }

    [Fact]
    public void Stability_is_judged_for_the_whole_panel_only_and_only_with_a_previous_round()
    {
        var criteria = new ConsensusCriteria { MaxChangedFraction = 0.25, RequireEveryGroup = true };
        var now = Panel(criteria, ("a", 5), ("a", 5), ("b", 5), ("b", 5));
        Assert.True(Analyzer.Analyze(now).Consensus!.Reached);

        // Group b changed entirely (2 of 2) but the panel only by half: the panel's 0.5 fails, no group line.
        var moved = now with { PreviousRound = [new Response("p00", "a", 5), new Response("p01", "a", 5), new Response("p02", "b", 4), new Response("p03", "b", 4)] };
        var verdict = Analyzer.Analyze(moved).Consensus!;
        Assert.False(verdict.Reached);
        Assert.Equal(["changed fraction 0.5 > 0.25"], verdict.Reasons);
    }

    [Fact]
    public void Without_criteria_there_is_no_verdict()
    {
        Assert.Null(Analyzer.Analyze(Build.Rating(3, 4, 5)).Consensus);
    }

    [Fact]
    public void No_answers_is_not_consensus()
    {
        var analysis = Analyzer.Analyze(Panel(new ConsensusCriteria { MaxIqr = 1 }));
        Assert.False(analysis.Consensus!.Reached);
    }
}
