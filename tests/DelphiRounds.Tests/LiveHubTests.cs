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
}
