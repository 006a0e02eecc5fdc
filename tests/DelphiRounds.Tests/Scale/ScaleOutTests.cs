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
        await LiveReconnectTests.Eventually(() => followers.All(x => LiveReconnectTests.Matches(x, expected)), TimeSpan.FromSeconds(15));
        foreach (var x in followers) await x.DisposeAsync();
    }
}
