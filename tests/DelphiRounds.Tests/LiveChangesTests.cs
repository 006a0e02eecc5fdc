using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using MessagePack;
using Microsoft.AspNetCore.SignalR.Client;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 20, "send what changed": a client that joins with <c>JoinRoundChanges</c> gets per item only what changed since
/// its last push; applied onto exactly the version it builds on it gives what the snapshot shows, and a client that
/// missed a version fetches the snapshot instead, so no figure rests on a change that did not arrive.
/// </summary>
public sealed class LiveChangesTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static LiveFigures Figures(int n, double median, double q1, double q3, Dictionary<int, int>? distribution = null, double? min = null, double? max = null) =>
        new(n, median, q1, q3, min, max, distribution);

    private static LiveItem Item(long version, Dictionary<int, int> distribution, Dictionary<string, LiveFigures> groups, bool? consensus = false, int? dontKnow = null) =>
        new(7, "rating", version, 0, Figures(distribution.Values.Sum(), 4, 3, 5, distribution, 1, 7), groups, consensus) { DontKnow = dontKnow };

    /// <summary>A change applied onto the item it builds on, as live.js and LiveFollower do it (null: unchanged).</summary>
    private static LiveItem Apply(LiveItem shown, LiveItem change)
    {
        Assert.Equal(shown.Version, change.BaseVersion);
        var o = change.Overall;
        var distribution = shown.Overall.Distribution is null ? null : new Dictionary<int, int>(shown.Overall.Distribution);
        if (o.Distribution is not null) foreach (var (point, count) in o.Distribution) distribution![point] = count;
        var groups = new Dictionary<string, LiveFigures>(shown.Groups);
        foreach (var (slug, g) in change.Groups)
            groups[slug] = groups.TryGetValue(slug, out var was)
                ? new LiveFigures(g.N, g.Median ?? was.Median, g.Q1 ?? was.Q1, g.Q3 ?? was.Q3, g.Min ?? was.Min, g.Max ?? was.Max, was.Distribution)
                : g;
        return shown with
        {
            Version = change.Version, AcceptedTimestamp = change.AcceptedTimestamp,
            Overall = new LiveFigures(o.N, o.Median ?? shown.Overall.Median, o.Q1 ?? shown.Overall.Q1, o.Q3 ?? shown.Overall.Q3,
                o.Min ?? shown.Overall.Min, o.Max ?? shown.Overall.Max, distribution),
            Groups = groups, ConsensusReached = change.ConsensusReached ?? shown.ConsensusReached,
            DontKnow = change.DontKnow ?? shown.DontKnow, Ranking = change.Ranking ?? shown.Ranking,
        };
    }

    private static void AssertSame(LiveItem expected, LiveItem actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.True(LiveFigures.Same(expected.Overall, actual.Overall), "overall");
        Assert.Equal(expected.Groups.Keys.Order(), actual.Groups.Keys.Order());
        foreach (var (slug, figures) in expected.Groups) Assert.True(LiveFigures.Same(figures, actual.Groups[slug]), slug);
        Assert.Equal(expected.ConsensusReached, actual.ConsensusReached);
        Assert.Equal(expected.DontKnow, actual.DontKnow);
    }

    [Fact]
    public void A_change_carries_only_what_changed_and_applied_onto_its_base_gives_the_new_item()
    {
        var before = Item(10, new() { [1] = 0, [2] = 1, [3] = 4, [4] = 6, [5] = 3, [6] = 1, [7] = 0 },
            new() { ["grid-operators"] = Figures(5, 4, 3, 5), ["housing"] = Figures(5, 3, 3, 4), ["residents"] = Figures(5, 5, 4, 5) });
        // Three residents moved from 3 to 6: two counts, the residents' figures, the housing group's upper quartile and the
        // panel's upper quartile changed; "don't know" appears.
        var after = Item(13, new() { [1] = 0, [2] = 1, [3] = 1, [4] = 6, [5] = 3, [6] = 4, [7] = 0 },
            new() { ["grid-operators"] = Figures(5, 4, 3, 5), ["housing"] = Figures(5, 3, 3, 4.5), ["residents"] = Figures(5, 6, 5, 6) }, consensus: false, dontKnow: 3)
            with { Overall = Figures(15, 4, 3, 5.5, new() { [1] = 0, [2] = 1, [3] = 1, [4] = 6, [5] = 3, [6] = 4, [7] = 0 }, 1, 7) };

        var change = after.ChangesSince(before);
        Assert.NotNull(change);
        Assert.Equal(10, change.BaseVersion);
        Assert.Equal(new Dictionary<int, int> { [3] = 1, [6] = 4 }, change.Overall.Distribution);
        Assert.Equal(["housing", "residents"], change.Groups.Keys.Order());
        Assert.Equal(new LiveFigures(5, null, null, 4.5, null, null, null), change.Groups["housing"]); // n and what changed
        Assert.Equal(new LiveFigures(5, 6, 5, 6, null, null, null), change.Groups["residents"]); // all three moved
        Assert.Null(change.Overall.Median);
        Assert.Equal(5.5, change.Overall.Q3);
        Assert.Null(change.ConsensusReached); // unchanged
        Assert.Equal(3, change.DontKnow);
        AssertSame(after, Apply(before, change));

        // Smaller on the wire: five such items in MessagePack against today's whole items in JSON.
        var whole = new StatsUpdate(1, Enumerable.Repeat(after, 5).ToList());
        var changes = new StatsUpdate(1, Enumerable.Repeat(change, 5).ToList());
        var json = JsonSerializer.SerializeToUtf8Bytes(whole, new JsonSerializerOptions(JsonSerializerDefaults.Web)).Length;
        var packed = MessagePackSerializer.Serialize(changes, LiveWire.Options).Length;
        Assert.True(json >= 3 * packed, $"JSON whole {json} B, MessagePack changes {packed} B");
    }

    [Fact]
    public void The_whole_item_goes_when_there_is_nothing_to_build_on_or_something_disappeared()
    {
        var groups = new Dictionary<string, LiveFigures> { ["grid-operators"] = Figures(3, 4, 3, 5), ["housing"] = Figures(3, 3, 3, 4) };
        var before = Item(5, new() { [3] = 3, [4] = 3 }, groups, consensus: true, dontKnow: 3);
        Assert.Null(before.ChangesSince(null));
        Assert.Null(before.ChangesSince(before)); // the version did not rise
        var fewerGroups = Item(8, new() { [3] = 3, [4] = 3 }, new() { ["grid-operators"] = Figures(3, 4, 3, 5) }, consensus: true, dontKnow: 3);
        Assert.Null(fewerGroups.ChangesSince(before));
        Assert.Null(Item(8, new() { [3] = 3, [4] = 3 }, groups, consensus: null, dontKnow: 3).ChangesSince(before));
        Assert.Null(Item(8, new() { [3] = 3, [4] = 3 }, groups, consensus: true, dontKnow: null).ChangesSince(before));
        // A change of a change is never made: changes are computed between whole items only.
        var change = Item(8, new() { [3] = 2, [4] = 4 }, groups, consensus: true, dontKnow: 3).ChangesSince(before)!;
        Assert.Equal(5, change.BaseVersion);
        Assert.Null((change with { Version = 9 }).ChangesSince(before));
    }

    [Fact]
    public void The_facilitators_copy_carries_each_verdict_whole_and_an_item_whose_verdict_went_goes_whole()
    {
        var groups = new Dictionary<string, LiveFigures> { ["grid-operators"] = Figures(3, 4, 3, 5), ["housing"] = Figures(3, 3, 3, 4) };
        var first = Item(5, new() { [3] = 3, [4] = 3 }, groups, consensus: true, dontKnow: null);
        var second = Item(8, new() { [3] = 2, [4] = 4 }, groups, consensus: true, dontKnow: null);
        var verdict = new ItemVerdict(first.ItemId, 1, "consensus-for", "agreed", null, null, Fragile: false, DependsOnDropouts: false);
        var judged = new HashSet<(long, long)>();

        // The first push: the whole item, with its verdict, in both copies.
        var (update, changes) = LivePublisher.ForFacilitators(new StatsUpdate(1, [first]), new StatsUpdate(1, [first]),
            new Dictionary<long, ItemVerdict> { [first.ItemId] = verdict }, judged);
        Assert.Equal(verdict, update.Items[0].Verdict);
        Assert.Equal(verdict, changes.Items[0].Verdict);

        // A change with a verdict: the change as participants get it, plus the verdict.
        var change = second.ChangesSince(first)!;
        (update, changes) = LivePublisher.ForFacilitators(new StatsUpdate(1, [second]), new StatsUpdate(1, [change]),
            new Dictionary<long, ItemVerdict> { [first.ItemId] = verdict with { Verdict = "stable-dissent" } }, judged);
        Assert.Equal(5, changes.Items[0].BaseVersion);
        Assert.Equal("stable-dissent", changes.Items[0].Verdict!.Verdict);

        // The verdict went: a change cannot take it away, so the whole item goes (and the one after is a change again).
        var third = Item(11, new() { [3] = 3, [4] = 5 }, groups, consensus: true, dontKnow: null);
        (_, changes) = LivePublisher.ForFacilitators(new StatsUpdate(1, [third]), new StatsUpdate(1, [third.ChangesSince(second)!]),
            new Dictionary<long, ItemVerdict>(), judged);
        Assert.Null(changes.Items[0].BaseVersion);
        Assert.Null(changes.Items[0].Verdict);
        Assert.Equal(third, changes.Items[0]);
        var fourth = Item(14, new() { [3] = 4, [4] = 5 }, groups, consensus: true, dontKnow: null);
        (_, changes) = LivePublisher.ForFacilitators(new StatsUpdate(1, [fourth]), new StatsUpdate(1, [fourth.ChangesSince(third)!]),
            new Dictionary<long, ItemVerdict>(), judged);
        Assert.Equal(11, changes.Items[0].BaseVersion);
    }

    /// <param name="client">json or messagepack: the .NET SignalR client; bare: a WebSocket speaking the MessagePack hub protocol itself (BareFollower).</param>
    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    [InlineData("bare")]
    public async Task A_follower_applying_changes_ends_equal_to_the_snapshot(string client)
    {
        var s = await Scenario.CreateAsync(app);
        using var http = new HttpClient { BaseAddress = app.Address };
        await using FollowedScreen follower = client == "bare"
            ? new BareFollower(app.Address, http, s.Participants[8].Token, s.RoundId, changes: true)
            : new LiveFollower(app.Address, http, s.Participants[8].Token, s.RoundId, messagePack: client == "messagepack", changes: true);
        await follower.StartAsync();
        // What a client that follows changes receives, raw (JSON).
        var raw = Channel.CreateUnbounded<JsonElement>();
        await using var hub = app.Hub(s.Participants[7].Token);
        hub.On<JsonElement>("StatsUpdated", u => raw.Writer.TryWrite(u));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRoundChanges", s.RoundId);

        await AnswerGroupByGroupAsync(s, i => 1 + i % 7);
        await Until(() => follower.Items.TryGetValue(s.SevenPointItem, out var v) && v.N == 9);
        // Then group by group, three people at a time (each a release, k = 3), each pushed as a change.
        for (var round = 0; round < 3; round++)
        {
            var version = follower.Items[s.SevenPointItem].Version;
            for (var i = 3 * round; i < 3 * round + 3; i++)
                await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 7 - round }), HttpStatusCode.Created);
            await Until(() => follower.Items[s.SevenPointItem].Version > version);
        }
        Assert.True(follower.ChangesApplied > 0, "no change was applied");
        Assert.Equal(0, follower.MissedBases);

        await using var fresh = new LiveFollower(app.Address, http, s.Participants[6].Token, s.RoundId);
        await fresh.StartAsync();
        await Until(() => follower.Items[s.SevenPointItem].Version == fresh.Items[s.SevenPointItem].Version);
        AssertSameView(fresh.Items[s.SevenPointItem], follower.Items[s.SevenPointItem]);

        // On the wire: a change names its base and carries only the counts that changed.
        var changes = new List<JsonElement>();
        while (raw.Reader.TryRead(out var u))
            foreach (var item in u.GetProperty("items").EnumerateArray())
                if (item.TryGetProperty("baseVersion", out _)) changes.Add(item);
        Assert.NotEmpty(changes);
        Assert.All(changes, c => Assert.True(c.GetProperty("overall").GetProperty("distribution").EnumerateObject().Count() < 7, c.GetRawText()));
    }

    [Fact]
    public async Task A_follower_that_missed_a_version_fetches_the_snapshot_and_shows_what_it_shows()
    {
        var s = await Scenario.CreateAsync(app);
        using var http = new HttpClient { BaseAddress = app.Address };
        await using var follower = new LiveFollower(app.Address, http, s.Participants[8].Token, s.RoundId, messagePack: true, changes: true);
        await follower.StartAsync();
        // Another follower stays joined the whole time: when it has a release, that release has been pushed.
        await using var observer = new LiveFollower(app.Address, http, s.Participants[7].Token, s.RoundId, changes: true);
        await observer.StartAsync();
        await AnswerGroupByGroupAsync(s, _ => 4);
        await Until(() => follower.Items.TryGetValue(s.SevenPointItem, out var v) && v.N == 9,
            () => $"follower {Describe(follower, s.SevenPointItem)}, observer {Describe(observer, s.SevenPointItem)}");
        var snapshots = follower.Snapshots;

        // It stops following for one release (as a client whose push is lost would), then follows again.
        await follower.Connection.InvokeAsync("LeaveRound", s.RoundId);
        var missed = follower.Items[s.SevenPointItem].Version;
        for (var i = 0; i < 3; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 1 }), HttpStatusCode.Created);
        // The stats read releases what may be released now; the push of that release goes to nobody following.
        var released = Scenario.ItemStats(await Scenario.Expect(await app.Client(s.Participants[5].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK), s.SevenPointItem);
        var releasedVersion = released.GetProperty("version").GetInt64();
        Assert.True(releasedVersion > missed);
        await Until(() => observer.Items[s.SevenPointItem].Version >= releasedVersion);
        await follower.Connection.InvokeAsync("JoinRoundChanges", s.RoundId);
        Assert.Equal(missed, follower.Items[s.SevenPointItem].Version);

        // The next release is a change on top of the one it missed: it fetches the snapshot instead of applying it.
        for (var i = 3; i < 6; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 7 }), HttpStatusCode.Created);
        await Until(() => follower.MissedBases > 0 && follower.Snapshots > snapshots);
        await using var fresh = new LiveFollower(app.Address, http, s.Participants[6].Token, s.RoundId);
        await fresh.StartAsync();
        await Until(() => follower.Items[s.SevenPointItem].Version == fresh.Items[s.SevenPointItem].Version);
        AssertSameView(fresh.Items[s.SevenPointItem], follower.Items[s.SevenPointItem]);
        Assert.Equal(3, follower.Items[s.SevenPointItem].Distribution["7"]);
        Assert.Equal(3, follower.Items[s.SevenPointItem].Distribution["1"]);
    }

    /// <summary>
    /// Every participant answers, group by group, three at a time: each group's three answers are released whole (the
    /// stats read releases what may be released), whenever the push ticks, so no answer is left held.
    /// </summary>
    private async Task AnswerGroupByGroupAsync(Scenario s, Func<int, int> value)
    {
        for (var g = 0; g < 3; g++)
        {
            for (var i = 3 * g; i < 3 * g + 3; i++)
                await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = value(i) }), HttpStatusCode.Created);
            await Scenario.Expect(await app.Client(s.Participants[i0(g)].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        }
        static int i0(int g) => 3 * g;
    }

    private static void AssertSameView(ItemView expected, ItemView actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.N, actual.N);
        Assert.Equal(expected.Median, actual.Median);
        Assert.Equal(expected.Distribution.Where(d => d.Value > 0).OrderBy(d => d.Key), actual.Distribution.Where(d => d.Value > 0).OrderBy(d => d.Key));
    }

    private static string Describe(LiveFollower f, long itemId) =>
        (f.Items.TryGetValue(itemId, out var v) ? $"v{v.Version} n{v.N} [{string.Join(",", v.Distribution.Select(d => $"{d.Key}:{d.Value}"))}]" : "nothing")
        + $" pushes {f.Pushes} changes {f.ChangesApplied} missed {f.MissedBases} snapshots {f.Snapshots} stale {f.StalePushes}";

    private static async Task Until(Func<bool> done, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!done())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("not reached in time" + (state is null ? "" : ": " + state()));
            await Task.Delay(25);
        }
    }
}
