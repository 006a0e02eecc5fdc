using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>How much the direction hangs on single answers, whole groups, and those who left.</summary>
public class FragilityTests
{
    private static readonly ConsensusCriteriaV2 ThreeQuartersYes = new() { AgreementBand = (6, 7), MinAgreement = 0.75 };

    [Fact]
    public void Consensus_resting_on_one_answer_flips_without_it()
    {
        // 6,7,7,1: 3 of 4 in [6, 7], exactly 0.75. Without any of the three yeses: 2 of 3, no consensus;
        // without the 1: 3 of 3, still for.
        var analysis = V2.Analyze(V2.Rating(ThreeQuartersYes, V2.Answers(("zeta", 6), ("zeta", 7), ("alpha", 7), ("mid", 1))));
        Assert.Equal(ConsensusDirection.For, analysis.Consensus!.Direction);
        Assert.Equal(3, analysis.Consensus.FlipsWithoutOne);
        // Without zeta: 7,1 (0.5); without alpha: 6,7,1 (⅔); without mid: 6,7,7 (1). Sorted by name.
        Assert.Equal(["alpha", "zeta"], analysis.Consensus.FlipsWithoutGroup);
    }

    [Fact]
    public void Each_of_several_equal_answers_counts_as_its_own_flip()
    {
        // 7,7,7,1: without any one of the three 7s, 2 of 3 is below 0.75.
        var analysis = V2.Analyze(V2.Rating(ThreeQuartersYes, V2.Answers(7, 7, 7, 1)));
        Assert.Equal(3, analysis.Consensus!.FlipsWithoutOne);
    }

    [Fact]
    public void Unanimous_consensus_does_not_flip()
    {
        var analysis = V2.Analyze(V2.Rating(ThreeQuartersYes, V2.Answers(("a", 7), ("a", 7), ("b", 6), ("b", 7), ("c", 7))));
        Assert.Equal(0, analysis.Consensus!.FlipsWithoutOne);
        Assert.Empty(analysis.Consensus.FlipsWithoutGroup);
    }

    [Fact]
    public void Removing_an_answer_that_takes_a_group_under_the_minimum_stops_judging_it()
    {
        // a: 7,7,7; b: 7,1 (0.5 < 0.6) blocks consensus while b has 2 answers. Without either of b's answers
        // b is no longer judged and the panel (4 of 4, or 3 of 4) agrees; without one of a's it does not.
        var criteria = new ConsensusCriteriaV2 { AgreementBand = (6, 7), MinAgreement = 0.6, RequireEveryGroup = true, MinGroupSize = 2 };
        var analysis = V2.Analyze(V2.Rating(criteria, V2.Answers(("a", 7), ("a", 7), ("a", 7), ("b", 7), ("b", 1))));
        Assert.Null(analysis.Consensus!.Direction);
        Assert.Equal(2, analysis.Consensus.FlipsWithoutOne);
        // Without a: 7,1 is 0.5; without b: 7,7,7 is for.
        Assert.Equal(["b"], analysis.Consensus.FlipsWithoutGroup);
    }

    [Fact]
    public void Answers_without_a_group_are_no_group_to_remove()
    {
        // 7,1 is no consensus; without the 7 still none, without the 1 it is for.
        var analysis = V2.Analyze(V2.Rating(ThreeQuartersYes, V2.Answers((null, 7), (null, 1))));
        Assert.Equal(1, analysis.Consensus!.FlipsWithoutOne);
        Assert.Empty(analysis.Consensus.FlipsWithoutGroup);
    }

    [Fact]
    public void Dropouts_are_counted_and_judged_back_in()
    {
        // p03 answered 1 last round and left: now 7,7 is for; with the 1 back, 2 of 3 is not.
        var before = V2.Answers(7, 7, 1);
        var now = V2.Answers(7, 7);
        var analysis = V2.Analyze(V2.Rating(ThreeQuartersYes, now, before));
        Assert.Equal(ConsensusDirection.For, analysis.Consensus!.Direction);
        Assert.Equal(1, analysis.Attrition!.Dropped);
        Assert.Null(analysis.Attrition.DirectionWithDropouts);
    }

    [Fact]
    public void A_dropout_comes_back_in_the_group_they_were_in()
    {
        // Now a: 7,7 and b: 7 (too small to judge): for. Put p04's earlier 1 back in b: b is 7,1 and judged (0.5),
        // while the panel (3 of 4) would still pass; so the group is what decides.
        var criteria = ThreeQuartersYes with { RequireEveryGroup = true, MinGroupSize = 2 };
        var now = V2.Answers(("a", 7), ("a", 7), ("b", 7));
        var before = V2.Answers(("a", 7), ("a", 7), ("b", 7), ("b", 1));
        var analysis = V2.Analyze(V2.Rating(criteria, now, before));
        Assert.Equal(ConsensusDirection.For, analysis.Consensus!.Direction);
        Assert.Null(analysis.Attrition!.DirectionWithDropouts);

        var ungrouped = V2.Answers(("a", 7), ("a", 7), ("b", 7), (null, 1));
        Assert.Equal(ConsensusDirection.For, V2.Analyze(V2.Rating(criteria, now, ungrouped)).Attrition!.DirectionWithDropouts);
    }

    [Fact]
    public void Newcomers_are_not_dropouts()
    {
        var analysis = V2.Analyze(V2.Rating(ThreeQuartersYes, V2.Answers(7, 7, 7), V2.Answers(7)));
        Assert.Equal(0, analysis.Attrition!.Dropped);
        Assert.Equal(ConsensusDirection.For, analysis.Attrition.DirectionWithDropouts);
    }

    /// <summary>
    /// Fragility by its definition, on random panels: take each answer away in turn (each a flip of its own when the
    /// direction changes), then each group; the judge, which takes values out of sorted lists, must count the same.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Fragility_counts_what_taking_each_answer_and_each_group_away_does(int seed)
    {
        var random = new Random(seed);
        string?[] groupNames = [null, "grid", "housing", "port", "residents"];
        for (var panel = 0; panel < 150; panel++)
        {
            var criteria = new ConsensusCriteriaV2
            {
                AgreementBand = (5 + random.Next(2), 7),
                DisagreementBand = random.Next(2) == 0 ? null : (1, 2 + random.Next(2)),
                MinAgreement = 0.5 + random.Next(5) * 0.1,
                MaxIqr = random.Next(3) == 0 ? null : 1 + random.Next(3),
                RequireEveryGroup = random.Next(2) == 0,
                MinGroupSize = 1 + random.Next(4),
            };
            // Ratings (points 1..7) and numeric answers (halves between 1 and 7).
            var numeric = random.Next(2) == 0;
            var answers = V2.Answers(Enumerable.Range(0, 1 + random.Next(25))
                .Select(_ => (groupNames[random.Next(groupNames.Length)], numeric ? 1 + random.Next(13) / 2.0 : 1 + random.Next(7)))
                .ToArray());
            ItemInputV2 Input(List<Response> responses) => numeric ? V2.Numeric(criteria, responses) : V2.Rating(criteria, responses);
            var consensus = V2.Analyze(Input(answers)).Consensus!;

            ConsensusDirection? DirectionOf(List<Response> responses) => V2.Analyze(Input(responses)).Consensus!.Direction;
            var flips = Enumerable.Range(0, answers.Count).Count(i => DirectionOf(answers.Where((_, j) => j != i).ToList()) != consensus.Direction);
            var groupFlips = answers.Select(a => a.Group).OfType<string>().Distinct().Order(StringComparer.Ordinal)
                .Where(g => DirectionOf(answers.Where(a => a.Group != g).ToList()) != consensus.Direction).ToList();
            Assert.True(flips == consensus.FlipsWithoutOne, $"panel {panel}: {flips} flips by taking each answer away, the judge counted {consensus.FlipsWithoutOne}");
            Assert.Equal(groupFlips, consensus.FlipsWithoutGroup);
        }
    }
}
