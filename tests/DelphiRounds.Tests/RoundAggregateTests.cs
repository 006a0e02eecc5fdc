using DelphiRounds.Consensus;
using DelphiRounds.Live;

namespace DelphiRounds.Tests;

/// <summary>The in-memory aggregate of a round and its threshold release, which pages, the stats endpoint and pushes read.</summary>
public sealed class RoundAggregateTests
{
    private const int K = ReleaseThreshold.K;

    private static RoundAggregate Round()
    {
        var round = new RoundAggregate(1);
        round.AddItem(10, "rating", new RatingAggregate(new RatingScale(1, 7), 7, null));
        return round;
    }

    private static IReadOnlyList<ItemStats> Release(RoundAggregate round, bool closing = false) => round.Release(K, 3, closing, null);

    [Fact]
    public void A_page_reads_the_released_state_and_what_a_page_read_released_is_still_pushed_once()
    {
        var round = Round();
        Assert.True(round.Apply(10, participantId: 1, "residents", 5, null, answerId: 100, acceptedTimestamp: 1));
        Assert.Equal(0, Assert.Single(round.Released(K, 3, false, null)).Overall.N);
        Assert.Empty(Release(round));
        round.Apply(10, 2, "residents", 6, null, 101, 1);
        round.Apply(10, 3, "residents", 7, null, 102, 1);
        Assert.Equal(3, Assert.Single(round.Released(K, 3, false, null)).Overall.N);
        Assert.Equal(3, Assert.Single(Release(round)).Version); // three changes to the item in this round, not answer 102
        Assert.Empty(Release(round));
        Assert.Equal(3, Assert.Single(round.Released(K, 3, false, null)).Overall.N);
    }

    [Fact]
    public void A_release_stored_by_another_instance_is_what_this_one_shows_and_counts_its_changes_from()
    {
        // Instance "a" decided a release of answers 1–3 and then one of 1–6; "b" holds the same answers but decided nothing.
        var a = Round();
        var b = Round();
        for (var p = 1; p <= 6; p++)
        {
            a.Apply(10, p, "residents", p, null, p, 1);
            if (p == 3) Assert.Equal(3, Assert.Single(Release(a)).Overall.N);
        }
        var stored = a.Propose(K, 3, closing: false);
        var second = Assert.Single(stored).Release;
        a.Commit(second, null);
        Assert.Equal(6, second.Stats!.Overall.N);
        Assert.Equal(2, second.Seq);

        for (var p = 1; p <= 7; p++) b.Apply(10, p, "residents", p, null, p, 1);
        Assert.True(b.Adopt(second));
        Assert.False(b.Adopt(second), "the same release is taken once");
        // b shows a's release, not the 7 answers it holds, and goes on from it: answer 7 is one change, not seven.
        Assert.Equal(6, Assert.Single(b.Shown()).Overall.N);
        Assert.Empty(b.Propose(K, 3, closing: false));
        b.Apply(10, 8, "residents", 1, null, 8, 1);
        Assert.Empty(b.Propose(K, 3, closing: false));
        b.Apply(10, 9, "residents", 1, null, 9, 1);
        var next = Assert.Single(b.Propose(K, 3, closing: false));
        Assert.Equal(2, next.BaseSeq);
        Assert.Equal(3, next.Release.Seq);
        Assert.Equal(9, next.Release.Stats!.Overall.N);
    }

    [Fact]
    public void An_instance_that_has_not_read_every_answer_of_the_last_release_does_not_decide_the_next()
    {
        var a = Round();
        for (var p = 1; p <= 3; p++) a.Apply(10, p, "residents", 4, null, p, 1);
        var first = Assert.Single(a.Propose(K, 3, closing: false)).Release;
        // b missed answer 3 (its note is still on the way) but has three newer ones: it must not go back on answer 3.
        var b = Round();
        foreach (var p in new[] { 1, 2, 4, 5, 6 }) b.Apply(10, p, "residents", 7, null, p, 1);
        Assert.True(b.Adopt(first));
        Assert.Empty(b.Propose(K, 3, closing: false));
        b.Apply(10, 3, "residents", 4, null, 3, 1);
        Assert.Equal(6, Assert.Single(b.Propose(K, 3, closing: false)).Release.Stats!.Overall.N);
    }

    [Fact]
    public void A_moment_in_which_every_group_shown_moved_by_k_is_released_even_if_one_more_answer_came_before_the_tick()
    {
        var round = Round();
        string[] groups = ["residents", "housing", "grid"];
        long id = 0;
        for (var p = 1; p <= 9; p++) round.Apply(10, p, groups[(p - 1) % 3], 4, null, ++id, 1);
        Assert.Single(Release(round));
        // Three residents change: a release may be made now (the publisher decides it at once) …
        foreach (var p in new[] { 1, 4, 7 })
        {
            round.Apply(10, p, "residents", 7, null, ++id, 1);
            round.Prepare(10, K, 3);
        }
        // … and one housing answer comes in before the tick: now housing moved by one, so nothing may be released now.
        round.Apply(10, 2, "housing", 1, null, ++id, 1);
        round.Prepare(10, K, 3);
        var released = Assert.Single(round.Propose(K, 3, closing: false)).Release;
        round.Commit(released, null);
        Assert.Equal(3, released.Stats!.Groups["residents"].N);
        Assert.Equal(7, released.Stats.Groups["residents"].Median);
        Assert.Equal(4, released.Stats.Groups["housing"].Median);
        // The housing answer waits for two more of its group.
        Assert.Empty(round.Propose(K, 3, closing: false));
    }

    [Fact]
    public void No_panel_figures_below_k_answers_not_even_at_the_close()
    {
        var round = Round();
        round.Apply(10, 1, "residents", 2, null, 1, 1);
        round.Apply(10, 2, "housing", 6, null, 2, 1);
        Assert.Empty(Release(round));
        Assert.Empty(Release(round, closing: true));
        var shown = Assert.Single(round.Released(K, 3, false, null));
        Assert.Equal(0, shown.Overall.N);
        Assert.Null(shown.Overall.Median);
        Assert.Null(shown.Overall.Distribution);
    }

    [Fact]
    public void The_panel_moves_only_after_k_people_changed_it_and_revisions_count()
    {
        var round = Round();
        for (var p = 1; p <= 3; p++) round.Apply(10, p, "residents", 4, null, p, 1);
        Assert.Single(Release(round));
        round.Apply(10, 4, "residents", 7, null, 4, 1);
        Assert.Empty(Release(round));
        // The same person twice is one change: one person's revisions cannot make up the k of the others.
        round.Apply(10, 4, "residents", 1, null, 5, 1);
        round.Apply(10, 1, "residents", 5, null, 6, 1);
        Assert.Empty(Release(round));
        Assert.Equal(3, Assert.Single(round.Released(K, 3, false, null)).Overall.N);
        round.Apply(10, 2, "residents", 5, null, 7, 1);
        var released = Assert.Single(Release(round));
        Assert.Equal(4, released.Overall.N);
        Assert.Equal(7, released.Version);
    }

    [Fact]
    public void The_close_releases_the_last_changes_when_the_panel_has_k_answers()
    {
        var round = Round();
        for (var p = 1; p <= 3; p++) round.Apply(10, p, "residents", 4, null, p, 1);
        Release(round);
        round.Apply(10, 4, "residents", 7, null, 4, 1);
        Assert.Empty(Release(round));
        var final = Assert.Single(Release(round, closing: true));
        Assert.Equal(4, final.Overall.N);
    }

    [Fact]
    public void An_older_revision_arriving_late_does_not_replace_a_newer_one()
    {
        var round = Round();
        round.Apply(10, 1, "residents", 6, null, 200, 2);
        round.Apply(10, 2, "residents", 6, null, 201, 2);
        round.Apply(10, 3, "residents", 6, null, 202, 2);
        // Still a stored revision of the item: the version counts it, the figures keep the newer one.
        Assert.False(round.Apply(10, 1, "residents", 2, null, 150, 1));
        var stats = Assert.Single(Release(round));
        Assert.Equal(3, stats.Overall.N);
        Assert.Equal(6, stats.Overall.Median);
        Assert.Equal(4, stats.Version);
    }

    [Fact]
    public void A_revision_replaces_the_participants_earlier_answer()
    {
        var round = Round();
        round.Apply(10, 1, "residents", 2, null, 1, 1);
        round.Apply(10, 2, "residents", 4, null, 2, 1);
        round.Apply(10, 3, "residents", 5, null, 3, 1);
        round.Apply(10, 1, "residents", 7, null, 4, 1);
        var stats = Assert.Single(Release(round));
        Assert.Equal(3, stats.Overall.N);
        Assert.Equal(5, stats.Overall.Median);
        Assert.Equal(0, stats.Overall.Distribution![2]);
        Assert.Equal(4, stats.Version);
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
        var stats = Assert.Single(Release(round));
        Assert.Equal(["housing"], stats.Groups.Keys);
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
        var stats = Assert.Single(Release(round));
        Assert.Empty(stats.Groups);
        Assert.Equal(5, stats.Overall.N);
    }

    [Fact]
    public void An_item_is_held_whole_until_every_group_shown_moves_by_none_or_at_least_k_of_its_own()
    {
        var round = Round();
        var id = 0L;
        foreach (var (p, g) in new[] { (1, "housing"), (2, "housing"), (3, "housing"), (4, "grid"), (5, "grid"), (6, "grid") })
            round.Apply(10, p, g, 4, null, ++id, 1);
        Assert.Single(Release(round));
        // One housing member and two grid members: the panel has three changes, but housing beside it would show one.
        round.Apply(10, 7, "housing", 7, null, ++id, 1);
        round.Apply(10, 8, "grid", 1, null, ++id, 1);
        round.Apply(10, 9, "grid", 1, null, ++id, 1);
        Assert.Empty(Release(round));
        round.Apply(10, 10, "grid", 1, null, ++id, 1);
        Assert.Empty(Release(round));
        Assert.Equal(6, Assert.Single(round.Released(K, 3, false, null)).Overall.N);
        round.Apply(10, 11, "housing", 7, null, ++id, 1);
        round.Apply(10, 1, "housing", 7, null, ++id, 1);
        var released = Assert.Single(Release(round));
        Assert.Equal(11, released.Overall.N);
        Assert.Equal(5, released.Groups["housing"].N);
        Assert.Equal(6, released.Groups["grid"].N);
    }

    [Fact]
    public void The_rest_of_the_panels_change_outside_the_groups_shown_is_none_or_at_least_k_people()
    {
        var round = Round();
        var id = 0L;
        foreach (var (p, g) in new[] { (1, "housing"), (2, "housing"), (3, "housing"), (4, "grid"), (5, "grid"), (6, "grid") })
            round.Apply(10, p, g, 4, null, ++id, 1);
        Assert.Equal(2, Assert.Single(Release(round)).Groups.Count);
        // Three housing revisions and a first resident: housing beside the panel would show that resident's answer.
        foreach (var p in new[] { 1, 2, 3 }) round.Apply(10, p, "housing", 7, null, ++id, 1);
        round.Apply(10, 7, "residents", 1, null, ++id, 1);
        Assert.Empty(Release(round));
        round.Apply(10, 8, "residents", 1, null, ++id, 1);
        round.Apply(10, 9, "residents", 2, null, ++id, 1);
        var released = Assert.Single(Release(round));
        Assert.Equal(7, released.Groups["housing"].Median);
        Assert.Equal(3, released.Groups["residents"].N);
    }

    [Fact]
    public void Reasons_about_a_group_not_shown_say_only_that_not_every_group_agrees()
    {
        var reasons = ShownReasons.Filter(
            ["iqr 3 > 1", "group residents: agreement 0.3333 < 0.6", "against: group residents: iqr 2 > 1", "group housing: iqr 2 > 1", "flips without: residents"],
            hiddenGroups: ["residents"]);
        Assert.Equal(["iqr 3 > 1", ShownReasons.NotEveryGroup, "group housing: iqr 2 > 1"], reasons);
        Assert.DoesNotContain(reasons, r => r.Contains("residents", StringComparison.Ordinal));
        // A slug that is part of a longer word is not that group.
        Assert.Equal(["group residents-north: iqr 2 > 1"], ShownReasons.Filter(["group residents-north: iqr 2 > 1"], ["residents"]));
    }
}
