using System.Net;
using System.Net.WebSockets;
using System.Text;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// The hub speaks JSON and MessagePack (issue 20): real SignalR connections of both kinds on one round, and
/// hostile clients on raw WebSockets next to them.
/// </summary>
public sealed class LiveMessagePackTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_MessagePack_follower_shows_what_a_JSON_follower_shows()
    {
        var s = await Scenario.CreateAsync(app);
        using var http = new HttpClient { BaseAddress = app.Address };
        await using var json = new LiveFollower(app.Address, http, s.Participants[0].Token, s.RoundId);
        await using var packed = new LiveFollower(app.Address, http, s.Participants[1].Token, s.RoundId, messagePack: true);
        await json.StartAsync();
        await packed.StartAsync();

        // Released once three people answered (threshold release): nothing before that, so what the followers show
        // afterwards came in a push, not in the snapshot they fetched on joining.
        foreach (var (p, value) in s.Participants.Take(3).Zip(new[] { 2, 6, 6 }))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value }), HttpStatusCode.Created);
        await Until(() => new[] { json, packed }.All(f => f.Items.TryGetValue(s.SevenPointItem, out var v) && v.N == 3));

        var (a, b) = (json.Items[s.SevenPointItem], packed.Items[s.SevenPointItem]);
        Assert.True(packed.Pushes > 0);
        Assert.Equal(a.Version, b.Version);
        Assert.Equal(6, b.Median);
        Assert.Equal(a.Median, b.Median);
        Assert.Equal(a.Distribution.Where(d => d.Value > 0).OrderBy(d => d.Key), b.Distribution.Where(d => d.Value > 0).OrderBy(d => d.Key));
        Assert.Equal(1, b.Distribution["2"]);
        Assert.Equal(2, b.Distribution["6"]);
    }

    [Fact]
    public async Task Hostile_clients_are_refused_and_disconnected_while_300_others_keep_receiving()
    {
        var s = await Scenario.CreateAsync(app);
        using var http = new HttpClient { BaseAddress = app.Address };
        var good = Enumerable.Range(0, 300)
            .Select(i => new LiveFollower(app.Address, http, s.Participants[i % s.Participants.Count].Token, s.RoundId, messagePack: i % 2 == 1))
            .ToList();
        try
        {
            foreach (var batch in good.Chunk(50)) await Task.WhenAll(batch.Select(f => f.StartAsync()));

            var token = s.Participants[0].Token;
            // A protocol the hub does not speak: the handshake is answered with an error and the connection closed.
            using (var unknown = await RawAsync(token, "bogus"))
            {
                var answer = await ClosedAsync(unknown);
                Assert.Contains("error", answer, StringComparison.OrdinalIgnoreCase);
            }
            // MessagePack agreed, then bytes that are no MessagePack (0xc1 is never used).
            using (var malformed = await RawAsync(token, "messagepack"))
            {
                await malformed.SendAsync(new byte[] { 0x05, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1 }, WebSocketMessageType.Binary, true, CancellationToken.None);
                await ClosedAsync(malformed);
            }
            // MessagePack agreed, then a frame over the hub's 32 KiB.
            using (var oversized = await RawAsync(token, "messagepack"))
            {
                var length = 40_000;
                var frame = new List<byte>();
                for (var v = length; ; v >>= 7)
                {
                    if (v < 0x80) { frame.Add((byte)v); break; }
                    frame.Add((byte)(v & 0x7f | 0x80));
                }
                frame.AddRange(new byte[length]);
                try { await oversized.SendAsync(frame.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None); }
                catch (WebSocketException) { } // closed while it was still sending: refused all the same
                await ClosedAsync(oversized);
            }

            foreach (var p in s.Participants.Skip(3).Take(3))
                await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.FivePointItem, value = 4 }), HttpStatusCode.Created);
            await Until(() => good.All(f => f.Items.TryGetValue(s.FivePointItem, out var v) && v.N == 3 && v.Median == 4));
            Assert.All(good, f => Assert.Equal(0, f.Reconnects));
        }
        finally
        {
            foreach (var f in good) await f.DisposeAsync();
        }
    }

    /// <summary>A raw WebSocket to the hub (no negotiation) that has sent the handshake for <paramref name="protocol"/>.</summary>
    private async Task<ClientWebSocket> RawAsync(string token, string protocol)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        var uri = new UriBuilder(new Uri(app.Address, "/hubs/live")) { Scheme = "ws" }.Uri;
        await socket.ConnectAsync(uri, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"protocol\":\"{protocol}\",\"version\":1}}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
        return socket;
    }

    /// <summary>Reads until the server closes the socket; returns the text it sent before (the handshake answer).</summary>
    private static async Task<string> ClosedAsync(ClientWebSocket socket)
    {
        using var cts = new CancellationTokenSource(Patience);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close) return text.ToString();
                if (result.MessageType == WebSocketMessageType.Text) text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
        }
        catch (WebSocketException)
        {
            return text.ToString(); // the server dropped the connection without a close frame
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!condition()) await Task.Delay(20, cts.Token);
    }
}
