using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace DelphiRounds.Tests.Hardening;

/// <summary>
/// Issue 17, item 9: a push tells a participant nothing about the server. The version of an item counts the answers
/// and revisions of that item in that round (not the global answer id, which shows how busy other studies are), and
/// the server's clock (<c>acceptedTimestamp</c>) goes only to facilitators.
/// </summary>
public sealed class PushInternalsTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Participant_pushes_and_stats_carry_round_local_versions_and_no_server_clock_facilitator_pushes_keep_the_clock()
    {
        // Another study is busy first: its answers take the low ids.
        var busy = await Scenario.CreateAsync(app);
        foreach (var p in busy.Participants)
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, busy.RoundId, new { itemId = busy.SevenPointItem, value = 4 }), HttpStatusCode.Created);

        var s = await Scenario.CreateAsync(app);
        var toParticipant = Channel.CreateUnbounded<JsonElement>();
        var toFacilitator = Channel.CreateUnbounded<JsonElement>();
        await using var participant = app.Hub(s.Participants[8].Token);
        participant.On<JsonElement>("StatsUpdated", u => toParticipant.Writer.TryWrite(u));
        await participant.StartAsync();
        await participant.InvokeAsync("JoinRound", s.RoundId);
        await using var facilitator = app.Hub(s.FacilitatorToken);
        facilitator.On<JsonElement>("StatsUpdated", u => toFacilitator.Writer.TryWrite(u));
        await facilitator.StartAsync();
        await facilitator.InvokeAsync("JoinRound", s.RoundId);

        var ids = new List<long>();
        foreach (var (p, value) in new[] { (s.Participants[0], 2), (s.Participants[3], 5), (s.Participants[6], 6), (s.Participants[0], 3) })
            ids.Add((await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value }), HttpStatusCode.Created)).GetProperty("id").GetInt64());
        Assert.True(ids.Min() > 9, "the answers of this round have global ids above the busy study's");

        // Threshold release: the first push comes once three people answered (version 3), with P0's revision too
        // when it came in the same tick (version 4); the revision alone is held back.
        var seen = await ItemPushesUntilAsync(toParticipant, s.SevenPointItem, version: 3);
        Assert.All(seen, i => Assert.False(i.TryGetProperty("acceptedTimestamp", out _), i.ToString()));
        Assert.All(seen, i => Assert.InRange(i.GetProperty("version").GetInt64(), 1, 4));
        Assert.Equal(3, seen[^1].GetProperty("overall").GetProperty("n").GetInt32());

        var forFacilitator = await ItemPushesUntilAsync(toFacilitator, s.SevenPointItem, version: 3);
        Assert.True(forFacilitator[^1].GetProperty("acceptedTimestamp").GetInt64() > 0);

        var stats = await Scenario.Expect(await app.Client(s.Participants[8].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        var item = Scenario.ItemStats(stats, s.SevenPointItem);
        Assert.InRange(item.GetProperty("version").GetInt64(), 3, 4);
        Assert.False(item.TryGetProperty("acceptedTimestamp", out _), item.ToString());
    }

    private static async Task<List<JsonElement>> ItemPushesUntilAsync(Channel<JsonElement> pushes, long itemId, long version)
    {
        using var cts = new CancellationTokenSource(Patience);
        var seen = new List<JsonElement>();
        while (true)
        {
            var update = await pushes.Reader.ReadAsync(cts.Token);
            foreach (var i in update.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("itemId").GetInt64() == itemId))
                seen.Add(i);
            if (seen.Count > 0 && seen[^1].GetProperty("version").GetInt64() >= version) return seen;
        }
    }
}
