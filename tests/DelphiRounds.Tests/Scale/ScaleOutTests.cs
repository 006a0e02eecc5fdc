using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.Scale;

/// <summary>
/// Two instances of DelphiRounds on one database (PostgreSQL in the PostgreSQL run, one shared SQLite file
/// otherwise) and one Redis (<c>DELPHI_TEST_REDIS</c> from scripts/test.sh, else a private redis-server).
/// </summary>
public sealed class ScaleOutFixture : IAsyncLifetime
{
    private Process? _redis;
    private string? _postgres;
    private readonly string _shared = Path.Combine(Path.GetTempPath(), "delphi-tests", "scale-" + Guid.NewGuid().ToString("N"));

    public DelphiApp A { get; private set; } = null!;
    public DelphiApp B { get; private set; } = null!;

    /// <summary>The Redis both instances use (host:port).</summary>
    public string Redis { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var redis = Environment.GetEnvironmentVariable("DELPHI_TEST_REDIS");
        if (string.IsNullOrEmpty(redis))
        {
            var port = FreePort();
            try
            {
                _redis = Process.Start(new ProcessStartInfo("redis-server", ["--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no"])
                { RedirectStandardOutput = true, UseShellExecute = false });
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("The scale-out tests need Redis: set DELPHI_TEST_REDIS or install redis-server (scripts/test.sh does).", e);
            }
            redis = $"127.0.0.1:{port}";
            await WaitForPongAsync(_redis!, port, TimeSpan.FromSeconds(10));
        }
        Redis = redis;
        Directory.CreateDirectory(_shared);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["Storage:KeysFolder"] = Path.Combine(_shared, "keys"),
        };
        if (TestPostgres.AdminConnectionString is not null)
        {
            _postgres = TestPostgres.CreateDatabase();
            settings["ConnectionStrings:Postgres"] = _postgres;
        }
        else
        {
            settings["Storage:SqlitePath"] = Path.Combine(_shared, "delphi.db");
        }
        A = new Instance(settings);
        _ = A.Address; // A migrates before B starts
        B = new Instance(settings);
        _ = B.Address;
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        if (_postgres is not null) TestPostgres.DropDatabase(_postgres);
        if (_redis is { HasExited: false }) { _redis.Kill(); await _redis.WaitForExitAsync(); }
        _redis?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_shared, recursive: true); } catch (IOException) { }
    }

    /// <summary>Waits until the Redis server just started answers PING (it refuses connections until it listens).</summary>
    private static async Task WaitForPongAsync(Process redis, int port, TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        while (true)
        {
            if (redis.HasExited) throw new InvalidOperationException($"redis-server exited with {redis.ExitCode} before answering PING");
            try
            {
                using var client = new TcpClient();
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), attempt.Token);
                var reply = new byte[64];
                var read = await stream.ReadAsync(reply, attempt.Token);
                if (System.Text.Encoding.ASCII.GetString(reply, 0, read).StartsWith("+PONG", StringComparison.Ordinal)) return;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException) { }
            if (DateTime.UtcNow > until) throw new TimeoutException($"redis-server on port {port} did not answer PING in {patience.TotalSeconds} s");
            // The server is still starting (connection refused): try again shortly.
            await Task.Delay(20);
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private sealed class Instance(Dictionary<string, string?> shared) : DelphiApp
    {
        protected override IDictionary<string, string?> Settings => shared;
    }
}

public sealed class ScaleOutTests(ScaleOutFixture f) : IClassFixture<ScaleOutFixture>
{
    [Fact]
    public async Task Exactly_one_instance_pushes_and_both_know_it()
    {
        var a = f.A.Services.GetRequiredService<ILiveFanOut>();
        var b = f.B.Services.GetRequiredService<ILiveFanOut>();
        Assert.IsType<RedisFanOut>(a);
        await LiveReconnectTests.Eventually(() => a.IsPublisher ^ b.IsPublisher, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_client_on_instance_B_receives_the_update_for_an_answer_given_on_instance_A()
    {
        var s = await Scenario.CreateAsync(f.A);
        using var http = f.B.Client();
        await using var onB = new LiveFollower(f.B.Address, http, s.Participants[4].Token, s.RoundId);
        await onB.StartAsync();

        // Three answers: the first release (threshold release, k = 3), version 3 (the item's third change in this round) on both instances.
        foreach (var p in s.Participants.Take(3))
            Assert.True((await Scenario.Expect(await Scenario.AnswerAsync(f.A, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created)).GetProperty("id").GetInt64() > 0);
        await LiveReconnectTests.Eventually(() => onB.Items.TryGetValue(s.SevenPointItem, out var v) && v.Version == 3 && v.N == 3, TimeSpan.FromSeconds(10));
        Assert.True(onB.Pushes >= 1, "the update came as a push, not only from the snapshot");
        Assert.Equal(6, onB.Items[s.SevenPointItem].Median);

        // B's own aggregate took the answer from A too: its snapshot has it.
        var stats = await Scenario.Expect(await f.B.Client(s.Participants[4].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        Assert.Equal(3, Scenario.ItemStats(stats, s.SevenPointItem).GetProperty("overall").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Answers_on_both_instances_end_on_every_screen_as_in_the_database()
    {
        var s = await Scenario.CreateAsync(f.A, perGroup: 6);
        using var httpA = f.A.Client();
        using var httpB = f.B.Client();
        var followers = new List<LiveFollower>();
        for (var i = 0; i < 6; i++)
        {
            var (app, http) = i % 2 == 0 ? (f.A, httpA) : (f.B, httpB);
            followers.Add(new LiveFollower(app.Address, http, s.Participants[i].Token, s.RoundId));
        }
        foreach (var x in followers) await x.StartAsync();

        var random = new Random(6);
        await Parallel.ForEachAsync(Enumerable.Range(0, 80), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var app = i % 2 == 0 ? f.A : f.B;
            int participant, value;
            lock (random) { participant = random.Next(s.Participants.Count); value = random.Next(1, 6); }
            var r = await Scenario.AnswerAsync(app, s.Participants[participant].Token, s.RoundId, new { itemId = s.FivePointItem, value });
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        });

        // The last one or two changes are held while the round is open (threshold release); the close, on
        // instance B whichever instance pushes, releases the final figures to every screen.
        await Scenario.Expect(await f.B.Client(s.FacilitatorToken).PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var expected = await LiveReconnectTests.DatabaseStateAsync(f.A, s.RoundId);
        try
        {
            await LiveReconnectTests.Eventually(() => followers.All(x => LiveReconnectTests.Matches(x, expected)), TimeSpan.FromSeconds(15));
        }
        catch (Exception) when (Describe() is var shown)
        {
            Assert.Fail("database: " + string.Join(", ", expected.Select(e => $"{e.Key} v{e.Value.Version} n{e.Value.N} [{string.Join(" ", e.Value.Counts.OrderBy(c => c.Key).Select(c => $"{c.Key}:{c.Value}"))}]")) + "\nshown:\n" + shown);
        }
        foreach (var x in followers) await x.DisposeAsync();

        string Describe() => string.Join("\n", followers.Select(x => string.Join(", ", x.Items.Select(i =>
            $"{i.Key} v{i.Value.Version} n{i.Value.N} [{string.Join(" ", i.Value.Distribution.Where(d => d.Value > 0).OrderBy(d => d.Key).Select(d => $"{d.Key}:{d.Value}"))}]"))));
    }

    [Fact]
    public async Task Every_instance_shows_the_same_releases_and_each_step_rests_on_at_least_three_answers()
    {
        // Issue 15 scaled out (issue 22, item 3): releases are decided once, by the publisher, and stored before anyone
        // sees them; the stats endpoint of either instance serves the last one stored, never a release of its own.
        var s = await Scenario.CreateAsync(f.A, perGroup: 10);
        var item = s.SevenPointItem;
        var pushes = new List<(string Instance, List<string> Seen)>();
        var hubs = new List<Microsoft.AspNetCore.SignalR.Client.HubConnection>();
        foreach (var (app, name, who) in new[] { (f.A, "A", 0), (f.B, "B", 1), (f.A, "A", 2), (f.B, "B", 3) })
        {
            var seen = new List<string>();
            var hub = app.Hub(s.Participants[who].Token);
            Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.On<System.Text.Json.JsonElement>(hub, "StatsUpdated", u =>
            {
                foreach (var x in u.GetProperty("items").EnumerateArray())
                    if (x.GetProperty("itemId").GetInt64() == item) lock (seen) seen.Add(Release.Of(x).ToString());
            });
            await hub.StartAsync();
            await Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.InvokeAsync(hub, "JoinRound", s.RoundId);
            hubs.Add(hub);
            pushes.Add((name, seen));
        }
        var read = new List<(string Instance, Release State, string Json)>();
        async Task ReadBothAsync()
        {
            foreach (var (app, name) in new[] { (f.A, "A"), (f.B, "B") })
            {
                var stats = Scenario.ItemStats(await Scenario.Expect(await app.Client(s.Participants[29].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK), item);
                read.Add((name, Release.Of(stats), stats.GetRawText()));
            }
        }

        // Everyone answers once, alternately on A and B, in bursts of one to four at once (so the two instances do not
        // see the answers at the same moments), and after each burst a participant reads the stats on both.
        var random = new Random(22);
        var order = s.Participants.OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < order.Count;)
        {
            var burst = order.Skip(i).Take(random.Next(1, 5)).Select((p, j) => (p.Token, App: (i + j) % 2 == 0 ? f.A : f.B, Value: random.Next(1, 8))).ToList();
            await Task.WhenAll(burst.Select(async b =>
                await Scenario.Expect(await Scenario.AnswerAsync(b.App, b.Token, s.RoundId, new { itemId = item, value = b.Value }), HttpStatusCode.Created)));
            i += burst.Count;
            await ReadBothAsync();
        }
        // Once the answers stop, both instances serve the same figures, byte for byte.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        do
        {
            await Task.Delay(100);
            await ReadBothAsync();
        } while (read[^1].Json != read[^2].Json && DateTime.UtcNow < until);
        Assert.Equal(read[^2].Json, read[^1].Json);
        var last = read[^1].State;
        // (The last answers may be held: a group shown moved by one or two since the last release.)
        Assert.True(last.N >= 9, $"the last release holds {last.N} of 30 answers");
        // Every client of both instances got the same releases in the same order, ending with what both serve.
        await LiveReconnectTests.Eventually(() => pushes.All(p => { lock (p.Seen) return p.Seen.Count > 0 && p.Seen[^1] == last.ToString(); }), TimeSpan.FromSeconds(10));
        var sequences = pushes.Select(p => { lock (p.Seen) return string.Join("\n", p.Seen); }).ToList();
        Assert.All(sequences, x => Assert.Equal(sequences[0], x));
        // (A release pushed again — a resync after a reconnect — is the same release, not a step.)
        var all = sequences[0].Split('\n');
        var released = all.Where((x, j) => j == 0 || x != all[j - 1]).ToArray();
        // At least one step to check (how many there are depends on how the bursts fall between the groups and the ticks).
        Assert.True(released.Length >= 2, $"only {released.Length} releases of 30 answers: {string.Join(" | ", released)}");
        // Nothing either instance's stats endpoint served is a release the clients did not get: one chain of releases.
        foreach (var (instance, state, _) in read.Where(r => r.State.N > 0))
            Assert.True(released.Contains(state.ToString()), $"instance {instance} served {state}, which was never pushed; pushed: {string.Join(" | ", released)}");
        // And every step of that chain rests on at least three answers: the panel's, each group's shown, and the rest.
        var chain = released.Select(Release.Parse).ToList();
        Assert.True(chain[0].N >= ReleaseThreshold.K);
        for (var i = 1; i < chain.Count; i++)
        {
            var (a, b) = (chain[i - 1], chain[i]);
            Assert.True(b.Version > a.Version, $"the releases go back: {a} → {b}");
            var dn = b.N - a.N;
            Assert.True(dn >= ReleaseThreshold.K, $"the panel moved by {dn} answer(s): {a} → {b}");
            var both = a.Groups.Keys.Intersect(b.Groups.Keys).ToList();
            foreach (var g in both)
                Assert.True(b.Groups[g] == a.Groups[g] || b.Groups[g] - a.Groups[g] >= ReleaseThreshold.K, $"group {g} moved by {b.Groups[g] - a.Groups[g]}: {a} → {b}");
            var rest = dn - both.Sum(g => b.Groups[g] - a.Groups[g]);
            Assert.True(rest == 0 || rest >= ReleaseThreshold.K, $"the panel less the groups shown moved by {rest}: {a} → {b}");
        }
        foreach (var hub in hubs) await hub.DisposeAsync();
    }

    /// <summary>One item's released state as a screen shows it (a push or the stats endpoint): version, panel count and distribution, each group's count.</summary>
    private sealed record Release(long Version, int N, string Distribution, IReadOnlyDictionary<string, int> Groups)
    {
        public static Release Of(System.Text.Json.JsonElement item)
        {
            var overall = item.GetProperty("overall");
            var distribution = overall.TryGetProperty("distribution", out var d) && d.ValueKind == System.Text.Json.JsonValueKind.Object
                ? string.Join(",", d.EnumerateObject().Where(c => c.Value.GetInt32() > 0).Select(c => $"{c.Name}:{c.Value.GetInt32()}")) : "";
            var groups = item.TryGetProperty("groups", out var gs) && gs.ValueKind == System.Text.Json.JsonValueKind.Object
                ? gs.EnumerateObject().ToDictionary(g => g.Name, g => g.Value.GetProperty("n").GetInt32()) : [];
            return new Release(item.GetProperty("version").GetInt64(), overall.TryGetProperty("n", out var n) ? n.GetInt32() : 0, distribution, groups);
        }

        public static Release Parse(string text)
        {
            var parts = text.Split(' ');
            return new Release(long.Parse(parts[0][1..], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1][2..], System.Globalization.CultureInfo.InvariantCulture), parts[2].Trim('[', ']'),
                parts.Skip(3).Select(p => p.Split(':')).ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)));
        }

        public override string ToString() =>
            $"v{Version} n={N} [{Distribution}]{string.Concat(Groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $" {g.Key}:{g.Value}"))}";
    }

    [Fact]
    public async Task Forged_and_malformed_notes_on_the_channel_are_ignored_logged_and_change_no_figure()
    {
        var s = await Scenario.CreateAsync(f.A);
        var answered = await Scenario.Expect(await Scenario.AnswerAsync(f.A, s.Participants[0].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        var realId = answered.GetProperty("id").GetInt64();
        // Two more, so the item has released figures to compare (threshold release, k = 3).
        foreach (var p in s.Participants.Skip(1).Take(2))
            await Scenario.Expect(await Scenario.AnswerAsync(f.A, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        var aggregatesB = f.B.Services.GetRequiredService<LiveAggregates>();
        await LiveReconnectTests.Eventually(() => aggregatesB.SnapshotAsync(s.RoundId).Result!.Single(i => i.ItemId == s.SevenPointItem).Overall.N == 3, TimeSpan.FromSeconds(10));
        var before = Figures(await aggregatesB.SnapshotAsync(s.RoundId));
        var fanOutB = f.B.Services.GetRequiredService<RedisFanOut>();
        var ignoredBefore = fanOutB.IgnoredNotes;

        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(f.Redis);
        var channel = StackExchange.Redis.RedisChannel.Literal(RedisFanOut.AnswersChannel);
        var forged = new[]
        {
            "not json at all",
            """{"shape":"wrong"}""",
            // An unknown round with an answer id the database does not have.
            System.Text.Json.JsonSerializer.Serialize(new AnswerNote("forger", 987_654, s.SevenPointItem, s.Participants[1].Id, "g0", 1, 987_654_321, 0)),
            // A real round, an answer id the database does not have, figures that would move the median.
            System.Text.Json.JsonSerializer.Serialize(new AnswerNote("forger", s.RoundId, s.SevenPointItem, s.Participants[1].Id, "g0", 1, realId + 1_000_000, 0)),
            // A real answer id with a forged value: the database's value counts, not the note's.
            System.Text.Json.JsonSerializer.Serialize(new AnswerNote("forger", s.RoundId, s.SevenPointItem, s.Participants[0].Id, "g0", 1, realId, 0)),
        };
        foreach (var message in forged) await redis.GetSubscriber().PublishAsync(channel, message);

        // Four of the five are rejected (the fifth names a real answer, which is read as the database has it).
        await LiveReconnectTests.Eventually(() => fanOutB.IgnoredNotes >= ignoredBefore + 4, TimeSpan.FromSeconds(10));
        // One full catch-up after the notes, so anything they could have changed would show.
        await aggregatesB.CatchUpAsync();
        Assert.Equal(before, Figures(await aggregatesB.SnapshotAsync(s.RoundId)));
        Assert.Equal(6, (await aggregatesB.SnapshotAsync(s.RoundId))!.Single(i => i.ItemId == s.SevenPointItem).Overall.Median);
    }

    private static string Figures(IReadOnlyList<ItemStats>? items) =>
        string.Join(";", items!.OrderBy(i => i.ItemId).Select(i => $"{i.ItemId}:{i.Version}:{i.Overall.N}:{i.Overall.Median}"));

    [Fact]
    public async Task A_cut_off_publisher_stops_before_another_takes_over_and_the_takeover_is_within_2_s()
    {
        // A lease of its own (another Redis database) so the fixture's instances do not take part.
        const string Db = ",defaultDatabase=7";
        using var cutter = new TcpCutter(new Uri($"redis://{f.Redis}"));
        var log = f.A.Services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RedisFanOut>>();
        var x = new RedisFanOut($"127.0.0.1:{cutter.Address.Port}{Db}", f.A.Services, log);
        var y = new RedisFanOut(f.Redis + Db, f.A.Services, log);
        var overlaps = 0;
        var stop = new CancellationTokenSource();
        // Sampled on a thread of its own, as often as it can, for the whole test.
        var sampler = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
                if (x.IsPublisher && y.IsPublisher) Interlocked.Increment(ref overlaps);
        }, TaskCreationOptions.LongRunning);
        try
        {
            await x.StartAsync(CancellationToken.None);
            await LiveReconnectTests.Eventually(() => x.IsPublisher, TimeSpan.FromSeconds(10));
            await y.StartAsync(CancellationToken.None);
            // y sees the lease held and keeps trying.
            await Task.Delay(RedisFanOut.LeaseTime * 2);
            Assert.True(x.IsPublisher && !y.IsPublisher, "x keeps the lease while it can renew it");

            cutter.Refusing = true;
            cutter.CutAll();
            var cut = Stopwatch.StartNew();
            await LiveReconnectTests.Eventually(() => y.IsPublisher, TimeSpan.FromSeconds(10));
            var takeover = cut.Elapsed;
            Assert.True(takeover < TimeSpan.FromSeconds(2), $"takeover took {takeover.TotalMilliseconds:F0} ms");

            // x comes back and finds the lease taken: one publisher (y keeps it unless a renewal came late on a busy
            // machine; never both, which the sampler counts).
            cutter.Refusing = false;
            await Task.Delay(RedisFanOut.LeaseTime * 2);
            await LiveReconnectTests.Eventually(() => x.IsPublisher ^ y.IsPublisher, TimeSpan.FromSeconds(5));

            // A clean stop hands the lease over at once.
            var (holder, other) = y.IsPublisher ? (y, x) : (x, y);
            await holder.StopAsync(CancellationToken.None);
            await LiveReconnectTests.Eventually(() => other.IsPublisher, TimeSpan.FromSeconds(5));
        }
        finally
        {
            stop.Cancel();
            await sampler;
            await x.StopAsync(CancellationToken.None);
            await y.StopAsync(CancellationToken.None);
        }
        Assert.Equal(0, overlaps);
    }
}
