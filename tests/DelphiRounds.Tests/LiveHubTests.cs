using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Real SignalR connections (WebSockets on Kestrel) to <c>/hubs/live</c>.</summary>
public sealed class LiveHubTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Participant_B_receives_StatsUpdated_after_participant_A_answers()
    {
        var s = await Scenario.CreateAsync(app);
        var (a, b) = (s.Participants[0], s.Participants[4]);
        var updates = Channel.CreateUnbounded<JsonElement>();

        await using var hub = app.Hub(b.Token);
        hub.On<JsonElement>("StatsUpdated", u => updates.Writer.TryWrite(u));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", s.RoundId);

        // Released once three people answered (threshold release): one push with all three.
        foreach (var p in new[] { a, s.Participants[1], s.Participants[2] })
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);

        using var cts = new CancellationTokenSource(Patience);
        var update = await updates.Reader.ReadAsync(cts.Token);
        Assert.Equal(s.RoundId, update.GetProperty("roundId").GetInt64());
        var item = update.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == s.SevenPointItem);
        Assert.Equal(3, item.GetProperty("overall").GetProperty("n").GetInt32());
        Assert.Equal(6, item.GetProperty("overall").GetProperty("median").GetDouble());
        Assert.True(item.GetProperty("version").GetInt64() > 0);
    }

    [Fact]
    public async Task A_participant_of_study_X_cannot_join_study_Y_round()
    {
        var x = await Scenario.CreateAsync(app);
        var y = await Scenario.CreateAsync(app);

        await using var hub = app.Hub(x.Participants[0].Token);
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", x.RoundId); // own round: fine
        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("JoinRound", y.RoundId));
        Assert.Contains("roundId", refused.Message);

        // and it receives nothing from Y
        var received = 0;
        var ownPushes = Channel.CreateUnbounded<JsonElement>();
        hub.On<JsonElement>("StatsUpdated", u =>
        {
            var round = u.GetProperty("roundId").GetInt64();
            if (round == y.RoundId) Interlocked.Increment(ref received);
            else if (round == x.RoundId) ownPushes.Writer.TryWrite(u);
        });
        // Y's own facilitator follows Y: its push proves the publisher has sent Y's answer to Y's groups.
        await using var yFacilitator = app.Hub(y.FacilitatorToken);
        var yPushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        yFacilitator.On<JsonElement>("StatsUpdated", u => { if (u.GetProperty("roundId").GetInt64() == y.RoundId) yPushed.TrySetResult(); });
        await yFacilitator.StartAsync();
        await yFacilitator.InvokeAsync("JoinRound", y.RoundId);
        // Three answers: threshold release pushes an item once at least three people changed it.
        foreach (var p in y.Participants.Take(3))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, y.RoundId, new { itemId = y.SevenPointItem, value = 3 }), HttpStatusCode.Created);
        await yPushed.Task.WaitAsync(Patience);
        // An answer in X, given after that, is pushed in a later tick of the publisher: on this connection its push
        // comes after anything sent to it for Y, and SignalR hands a connection's messages to the handlers in order.
        foreach (var p in x.Participants.Skip(1).Take(3))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, x.RoundId, new { itemId = x.SevenPointItem, value = 5 }), HttpStatusCode.Created);
        using (var cts = new CancellationTokenSource(Patience))
        {
            while (!(await ownPushes.Reader.ReadAsync(cts.Token)).GetProperty("items").EnumerateArray()
                       .Any(i => i.GetProperty("itemId").GetInt64() == x.SevenPointItem && i.GetProperty("overall").GetProperty("n").GetInt32() >= 3)) { }
        }
        Assert.Equal(0, Volatile.Read(ref received));
    }

    [Fact]
    public async Task A_facilitator_cannot_join_another_facilitators_round()
    {
        var x = await Scenario.CreateAsync(app);
        var y = await Scenario.CreateAsync(app);
        await using var hub = app.Hub(x.FacilitatorToken);
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", x.RoundId);
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("JoinRound", y.RoundId));
    }

    [Fact]
    public async Task The_hub_refuses_a_connection_without_or_with_a_wrong_token()
    {
        await using var anonymous = app.Hub(null);
        var e1 = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, e1.StatusCode);

        await using var wrong = app.Hub("dlp_" + new string('x', 43));
        var e2 = await Assert.ThrowsAsync<HttpRequestException>(() => wrong.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, e2.StatusCode);
    }

    [Fact]
    public async Task Facilitator_follows_the_round_and_sees_it_close()
    {
        var s = await Scenario.CreateAsync(app);
        var closed = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = app.Hub(s.FacilitatorToken);
        hub.On<JsonElement>("RoundStateChanged", c => closed.TrySetResult(c));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", s.RoundId);

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var change = await closed.Task.WaitAsync(Patience);
        Assert.Equal("closed", change.GetProperty("state").GetString());
    }

    [Fact]
    public async Task At_the_close_the_facilitator_gets_each_items_verdict_as_the_convergence_page_shows_it_and_participants_do_not()
    {
        var s = await Scenario.CreateAsync(app);
        var facilitatorClosed = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var participantClosed = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var facilitator = app.Hub(s.FacilitatorToken);
        facilitator.On<JsonElement>("RoundStateChanged", c => { if (c.GetProperty("state").GetString() == "closed") facilitatorClosed.TrySetResult(c); });
        await facilitator.StartAsync();
        await facilitator.InvokeAsync("JoinRound", s.RoundId);
        await using var participant = app.Hub(s.Participants[0].Token);
        participant.On<JsonElement>("RoundStateChanged", c => { if (c.GetProperty("state").GetString() == "closed") participantClosed.TrySetResult(c); });
        await participant.StartAsync();
        await participant.InvokeAsync("JoinRound", s.RoundId);

        // Grid operators and housing for (5 5 5, 5 5 4), residents against (1 1 1): 6 of 9 in 4–5 and 3 of 9 in 1–2, both at
        // least 0.25, so polarised with its poles named; everyone at 1 or 2 on the 1–7 item (against, but round 1 cannot settle it).
        int[] split = [5, 5, 5, 5, 5, 4, 1, 1, 1];
        for (var i = 0; i < s.Participants.Count; i++)
        {
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.FivePointItem, value = split[i] }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 1 + i % 2 }), HttpStatusCode.Created);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        var pushed = (await facilitatorClosed.Task.WaitAsync(Patience)).GetProperty("verdicts").EnumerateArray().ToDictionary(v => v.GetProperty("itemId").GetInt64());
        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var shown = convergence.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(shown.Select(i => i.GetProperty("itemId").GetInt64()).Order(), pushed.Keys.Order());
        foreach (var item in shown)
        {
            var v = pushed[item.GetProperty("itemId").GetInt64()];
            Assert.Equal(item.GetProperty("verdict").GetString(), v.GetProperty("verdict").GetString());
            Assert.Equal(item.GetProperty("outcome").GetString(), v.GetProperty("outcome").GetString());
            Assert.Equal(1, v.GetProperty("round").GetInt32());
        }
        var polarised = pushed[s.FivePointItem];
        Assert.Equal("polarised", polarised.GetProperty("outcome").GetString());
        Assert.Equal("continue", polarised.GetProperty("verdict").GetString());
        Assert.Equal(["grid-operators", "housing"], polarised.GetProperty("polesFor").EnumerateArray().Select(g => g.GetString()!));
        Assert.Equal(["residents"], polarised.GetProperty("polesAgainst").EnumerateArray().Select(g => g.GetString()!));
        Assert.Equal("continue", pushed[s.SevenPointItem].GetProperty("verdict").GetString());

        // The participant learns that the round closed, not the stopping rule's working.
        var toParticipant = await participantClosed.Task.WaitAsync(Patience);
        Assert.False(toParticipant.TryGetProperty("verdicts", out _));
    }
}
