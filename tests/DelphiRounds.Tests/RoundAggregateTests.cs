using DelphiRounds.Consensus;
using DelphiRounds.Live;

namespace DelphiRounds.Tests;

/// <summary>The in-memory aggregate of a round, which the live pushes read from.</summary>
public sealed class RoundAggregateTests
{
    private static RoundAggregate Round()
    {
        var round = new RoundAggregate(1);
        round.AddItem(10, "rating", new RatingAggregate(new RatingScale(1, 7), 7, null));
        return round;
    }

    [Fact]
    public void A_snapshot_for_a_page_does_not_swallow_the_next_push()
    {
        var round = Round();
        Assert.True(round.Apply(10, participantId: 1, "residents", 5, null, answerId: 100, acceptedTimestamp: 1));
        var forPage = round.Snapshot(3, dirtyOnly: false);
        Assert.Single(forPage);
        var forPush = round.Snapshot(3, dirtyOnly: true);
        Assert.Equal(1, Assert.Single(forPush).Version); // the first change to the item in this round, not answer 100
        Assert.Empty(round.Snapshot(3, dirtyOnly: true));
    }

    [Fact]
    public void An_older_revision_arriving_late_does_not_replace_a_newer_one()
    {
        var round = Round();
        round.Apply(10, 1, "residents", 6, null, 200, 2);
        // It is still a stored revision of the item: the version counts it (and is pushed), the figures keep the newer one.
        Assert.True(round.Apply(10, 1, "residents", 2, null, 150, 1));
        var stats = Assert.Single(round.Snapshot(3, dirtyOnly: false));
        Assert.Equal(1, stats.Overall.N);
        Assert.Equal(6, stats.Overall.Median);
        Assert.Equal(2, stats.Version);
    }

    [Fact]
    public void A_revision_replaces_the_participants_earlier_answer()
    {
        var round = Round();
        round.Apply(10, 1, "residents", 2, null, 1, 1);
        round.Apply(10, 2, "residents", 4, null, 2, 1);
        round.Apply(10, 1, "residents", 7, null, 3, 1);
        var stats = Assert.Single(round.Snapshot(3, dirtyOnly: false));
        Assert.Equal(2, stats.Overall.N);
        Assert.Equal(5.5, stats.Overall.Median);
        Assert.Equal(0, stats.Overall.Distribution![2]);
        Assert.Equal(3, stats.Version);
    }

    [Fact]
    public void Group_figures_below_three_answers_are_never_in_the_stats()
    {
        var round = Round();
        round.Apply(10, 1, "residents", 2, null, 1, 1);
        round.Apply(10, 2, "residents", 3, null, 2, 1);
        round.Apply(10, 3, "housing", 4, null, 3, 1);
        round.Apply(10, 4, "housing", 4, null, 4, 1);
        round.Apply(10, 5, "housing", 5, null, 5, 1);
        round.Apply(10, 6, "grid", 6, null, 6, 1); // the groups left out have 3 answers together: the panel's figures give none of them away
        var stats = Assert.Single(round.Snapshot(3, dirtyOnly: false));
        Assert.Equal(["housing"], stats.Groups.Keys);
        Assert.Equal(["grid", "residents"], stats.HiddenGroups.Order());
    }

    [Fact]
    public void A_group_under_three_is_not_given_away_by_the_panel_figures_minus_the_groups_shown()
    {
        // Housing (3) shown beside the panel (5) would show residents' two answers as the difference: housing is left out too.
        var round = Round();
        round.Apply(10, 1, "residents", 2, null, 1, 1);
        round.Apply(10, 2, "residents", 3, null, 2, 1);
        round.Apply(10, 3, "housing", 4, null, 3, 1);
        round.Apply(10, 4, "housing", 4, null, 4, 1);
        round.Apply(10, 5, "housing", 5, null, 5, 1);
        var stats = Assert.Single(round.Snapshot(3, dirtyOnly: false));
        Assert.Empty(stats.Groups);
        Assert.Equal(["housing", "residents"], stats.HiddenGroups.Order());
        Assert.Equal(5, stats.Overall.N);
    }
}
