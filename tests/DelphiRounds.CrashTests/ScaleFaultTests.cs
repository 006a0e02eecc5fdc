using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DelphiRounds.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace DelphiRounds.CrashTests;

/// <summary>
/// The scale-out fault suite (issue 22): two servers as processes on their own ports, one PostgreSQL (the one
/// scripts/test.sh starts: <c>DELPHI_SCALE_POSTGRES</c>, restarted with <c>DELPHI_SCALE_PG_CTL</c>) and a private
/// redis-server this suite stops and starts. Each instance reaches Redis through a relay the suite can cut.
/// Three followers per instance; after each fault every one of them must show what threshold release requires of
/// the answers table within 2 s of the fault ending, and at the close exactly what the table says. The times are
/// printed (and written to <c>DELPHI_SCALE_REPORT</c>).
/// </summary>
/// <remarks>
/// Threshold release (k = 3) holds an open round's item until three people changed it since its last release, so
/// while the round is open a screen may lag the table by the newest answers of one or two people, never more. The
/// suite therefore checks every screen against the table as of a release: the table less the newest answers of at
/// most k − 1 people, with the version counting exactly the answers shown (one stakeholder group, so the group rule
/// is the panel's). When a screen still lags after the fault (a change held back, an answer read late that alone is
/// not released), it gives answers of three more people per item until every screen shows. After each fault, answers
/// of three people per item must reach every screen too. At the close every screen must show the table exactly
/// (figures and version): an answer an instance lost for good cannot pass there.
/// </remarks>
[Trait("Suite", "ScaleFaults")]
public sealed class ScaleFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Promise = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "delphi-scale", Guid.NewGuid().ToString("N"));
    private readonly List<(string Fault, double Ms)> _times = [];
    private string _admin = "", _pgCtl = "", _database = "", _facilitator = "";
    private RedisServer _redis = null!;
    private TcpCutter _relayA = null!, _relayB = null!;
    private ServerProcess _a = null!, _b = null!;
    private CrashStudy _study = null!;
    private readonly List<(ServerProcess Server, LiveFollower Follower)> _followers = [];
    private readonly List<HttpClient> _clients = [];

    public async Task InitializeAsync()
    {
        _admin = Environment.GetEnvironmentVariable("DELPHI_SCALE_POSTGRES") ?? "";
        _pgCtl = Environment.GetEnvironmentVariable("DELPHI_SCALE_PG_CTL") ?? "";
        if (_admin.Length == 0 || _pgCtl.Length == 0)
            throw new InvalidOperationException("The scale-out fault suite needs the PostgreSQL of scripts/test.sh: source scripts/scaleout-services.sh and run scaleout_services_start (it sets DELPHI_SCALE_POSTGRES and DELPHI_SCALE_PG_CTL).");
        _database = TestPostgres.CreateDatabase(_admin);
        _redis = await RedisServer.StartAsync();
        _relayA = new TcpCutter(new Uri($"redis://127.0.0.1:{_redis.Port}"));
        _relayB = new TcpCutter(new Uri($"redis://127.0.0.1:{_redis.Port}"));
        _a = await Instance("a", _relayA);
        var output = await _a.CliAsync("facilitator", "add", "scale@example.org", "--token", "scale");
        var token = _facilitator = output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("API token", StringComparison.Ordinal)).Split(' ').Last();
        await _a.StartAsync();
        _b = await Instance("b", _relayB);
        await _b.StartAsync();
        // One stakeholder group: threshold release's group rule is then the panel's (three people per release).
        _study = await Api.StudyAsync(_a.Address, token, participants: 12, groups: 1);
        for (var i = 0; i < 6; i++)
        {
            var server = i % 2 == 0 ? _a : _b;
            var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(10) };
            _clients.Add(http);
            var follower = new LiveFollower(server.Address, http, _study.Participants[i].Token, _study.RoundId);
            await follower.StartAsync();
            _followers.Add((server, follower));
        }
    }

    private async Task<ServerProcess> Instance(string name, TcpCutter relay)
    {
        var server = new ServerProcess(Path.Combine(_folder, name));
        Directory.CreateDirectory(server.Folder);
        await File.WriteAllTextAsync(server.SettingsPath, JsonSerializer.Serialize(new
        {
            ConnectionStrings = new { Postgres = _database, Redis = $"127.0.0.1:{relay.Address.Port}" },
            Storage = new { KeysFolder = Path.Combine(_folder, "keys") },
            Accounts = new { CreateFirstFacilitator = false },
            Site = new { PublicBaseUrl = "" },
            RateLimits = new
            {
                Answers = new { PermitLimit = 1_000_000, WindowSeconds = 60 },
                Login = new { PermitLimit = 1_000_000, WindowSeconds = 60 },
                Signing = new { PermitLimit = 1_000_000, WindowSeconds = 60 },
            },
            Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Warning", ["DelphiRounds.Live"] = "Information" } },
        }));
        return server;
    }

    [Fact]
    public async Task Every_client_of_both_instances_shows_the_database_within_2_s_of_each_fault()
    {
        await AnswerAsync([_a, _b], 20);
        // Not a fault: the servers warm up (JIT, first connections), so no promise of 2 s yet.
        await ConvergeAsync("start", Stopwatch.StartNew(), _followers, [_a, _b], promise: Patience);

        // 1. SIGKILL of the publisher under load; answers go on at the other instance.
        var (victim, survivor) = await PublisherAsync() == _a.Pid ? (_a, _b) : (_b, _a);
        Stopwatch killed;
        await using (var load = Load.Start(this, [_a, _b]))
        {
            await load.UntilAsync(40);
            victim.Kill();
            killed = Stopwatch.StartNew();
        }
        // Answers after the kill go to the survivor (ConvergeAsync gives them).
        await ConvergeAsync("publisher SIGKILLed: takeover", killed, _followers.Where(f => f.Server == survivor).ToList(), [survivor]);
        await victim.StartAsync();
        // Not a promise of 2 s: the restart's own followers come back at their retry pace.
        await ConvergeAsync("killed instance restarted", Stopwatch.StartNew(), _followers, [_a, _b], promise: Patience);

        // 2. Redis stopped and started; answers before, during and after, also on the instance whose
        // connection comes back last (a: its relay refuses until after b is back).
        await using (var load = Load.Start(this, [_a, _b]))
        {
            await load.UntilAsync(20);
            _redis.Stop();
            await load.UntilAsync(load.Accepted + 20);
        }
        _relayA.Refusing = true;
        _relayA.CutAll();
        await _redis.RestartAsync();
        await Until(async () => await _redis.ConnectedClientsAsync() >= 4, "b reconnects to Redis");
        await AnswerAsync([_a, _b], 10);
        _relayA.Refusing = false;
        var redisBack = Stopwatch.StartNew();
        await ConvergeAsync("Redis stopped and started", redisBack, _followers, [_a, _b]);

        // 3. Redis unreachable from one instance only.
        await using (var load = Load.Start(this, [_a, _b]))
        {
            await load.UntilAsync(load.Accepted + 20);
            _relayB.Refusing = true;
            _relayB.CutAll();
            await load.UntilAsync(load.Accepted + 30);
        }
        _relayB.Refusing = false;
        var relayBack = Stopwatch.StartNew();
        await ConvergeAsync("Redis cut from one instance", relayBack, _followers, [_a, _b]);

        // 4. PostgreSQL restarted under load.
        await using (var load = Load.Start(this, [_a, _b]))
        {
            await load.UntilAsync(load.Accepted + 20);
            await RestartPostgresAsync();
        }
        var postgresBack = Stopwatch.StartNew();
        await ConvergeAsync("PostgreSQL restarted", postgresBack, _followers, [_a, _b]);

        // 5. The close releases the final figures: every screen shows the table exactly, version included. One person's
        // answer per item just before, on the instance that does not publish, is held until then (fewer than k).
        var quiet = await PublisherAsync() == _a.Pid ? _b : _a;
        foreach (var item in _study.ItemIds)
            Assert.True(await TryAnswerAsync(quiet, _study.Participants[^1].Token, item, 5), "the last answer before the close was not accepted");
        using (var f = Api.Client(_a.Address, _facilitator))
            await Api.Expect(await f.PostAsync($"/api/v1/rounds/{_study.RoundId}/close", null), HttpStatusCode.OK);
        await ConvergeAsync("round closed: final figures", Stopwatch.StartNew(), _followers, [], exact: true);

        var worst = _times.Where(t => t.Fault != "killed instance restarted" && t.Fault != "start").MaxBy(t => t.Ms);
        Report($"worst time to every client showing the database after a fault: {worst.Ms:F0} ms ({worst.Fault})");
    }

    /// <summary>Gives answers round-robin over the servers until <paramref name="count"/> are accepted (a failed one is tried again).</summary>
    private async Task AnswerAsync(ServerProcess[] servers, int count)
    {
        var accepted = 0;
        var attempts = 0;
        while (accepted < count)
        {
            if (++attempts > count * 50) Assert.Fail($"only {accepted} of {count} answers accepted");
            if (await TryAnswerAsync(servers[attempts % servers.Length], Random.Shared)) accepted++;
        }
    }

    private readonly Dictionary<(Uri, string), HttpClient> _answerClients = [];

    private Task<bool> TryAnswerAsync(ServerProcess server, Random random) =>
        TryAnswerAsync(server, _study.Participants[random.Next(_study.Participants.Count)].Token,
            _study.ItemIds[random.Next(_study.ItemIds.Count)], random.Next(1, 6));

    private async Task<bool> TryAnswerAsync(ServerProcess server, string token, long itemId, int value)
    {
        HttpClient http;
        lock (_answerClients)
        {
            if (!_answerClients.TryGetValue((server.Address, token), out http!))
                _answerClients[(server.Address, token)] = http = Api.Client(server.Address, token, TimeSpan.FromSeconds(5));
        }
        try
        {
            using var response = await http.PostAsJsonAsync($"/api/v1/rounds/{_study.RoundId}/answers",
                new { itemId, value = (double)value }, Api.Web);
            return response.StatusCode == HttpStatusCode.Created;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return false; // the fault: the answer was not accepted, so it need not show
        }
    }

    /// <summary>Answers from two workers, round-robin over the servers, until disposed.</summary>
    private sealed class Load : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _work = Task.CompletedTask;
        private int _accepted;

        public int Accepted => Volatile.Read(ref _accepted);

        public static Load Start(ScaleFaultTests suite, ServerProcess[] servers)
        {
            var load = new Load();
            load._work = Task.WhenAll(Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
            {
                var random = new Random(w);
                for (var n = 0; !load._stop.IsCancellationRequested; n++)
                {
                    if (await suite.TryAnswerAsync(servers[n % servers.Length], random)) Interlocked.Increment(ref load._accepted);
                    else await Task.Delay(50); // a fault: do not spin
                }
            })));
            return load;
        }

        /// <summary>Waits until this many answers were accepted.</summary>
        public async Task UntilAsync(int accepted)
        {
            var deadline = Stopwatch.StartNew();
            while (Accepted < accepted)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(60)) Assert.Fail($"the load got only {Accepted} of {accepted} answers accepted");
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _work;
        }
    }

    /// <summary>
    /// Waits until every follower shows what threshold release requires of the answers table (see the remarks on the
    /// class; <paramref name="exact"/>: the table itself, as at the close); records and checks the time since the
    /// fault ended. While waiting it gives rounds of answers from three different people per item on
    /// <paramref name="servers"/>, so that everything before them must be released.
    /// </summary>
    private async Task ConvergeAsync(string fault, Stopwatch sinceEnd, IReadOnlyList<(ServerProcess Server, LiveFollower Follower)> followers,
        ServerProcess[] servers, TimeSpan? promise = null, bool exact = false)
    {
        IReadOnlyDictionary<long, List<Row>> table = new Dictionary<long, List<Row>>();
        for (var round = 0; ; round++)
        {
            // First the fault's own answers; when a screen is still short (a change held back, or an answer read
            // late that alone is not released), answers of three more people per item, until every screen shows.
            if (round > 0 && servers.Length > 0)
            {
                try { await ReleasingRoundAsync(servers); }
                catch (NpgsqlException) { } // not expected: answers go through the servers
            }
            var waited = Stopwatch.StartNew();
            var window = TimeSpan.FromMilliseconds(servers.Length == 0 ? 20_000 : round == 0 ? 1_500 : 400);
            var converged = false;
            while (!converged && waited.Elapsed < window && sinceEnd.Elapsed <= Patience)
            {
                try
                {
                    table = await DatabaseAsync();
                    converged = followers.All(f => Shows(f.Follower, table, exact));
                }
                catch (NpgsqlException) { } // PostgreSQL is still coming back
                if (!converged) await Task.Delay(20);
            }
            if (converged) break;
            if (sinceEnd.Elapsed > Patience)
            {
                var shown = string.Join("\n", followers.Select(f => $"{f.Server.Address}: " + string.Join(", ", f.Follower.Items.Select(i => $"{i.Key} v{i.Value.Version} n{i.Value.N} [{string.Join(" ", i.Value.Distribution.Select(d => $"{d.Key}:{d.Value}"))}]"))));
                var want = string.Join(", ", table.Select(e => (e.Key, State: FiguresOf(e.Value, new HashSet<long>()))).Select(e => $"{e.Key} v{e.State.Version} n{e.State.N} [{string.Join(" ", e.State.Counts.Select(d => $"{d.Key}:{d.Value}"))}]"));
                var snapshots = "";
                foreach (var server in new[] { _a, _b })
                {
                    using var http = Api.Client(server.Address, _study.Participants[0].Token, TimeSpan.FromSeconds(5));
                    try { snapshots += $"{server.Address} /stats: {await http.GetStringAsync($"/api/v1/rounds/{_study.RoundId}/stats")}\n"; }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { snapshots += $"{server.Address}: {e.Message}\n"; }
                }
                Assert.Fail($"{fault}: the followers did not show the database after {Patience.TotalSeconds} s.\ndatabase: {want}\nshown:\n{shown}\n{snapshots}--- a:\n{_a.Log}\n--- b:\n{_b.Log}");
            }
        }
        var ms = sinceEnd.Elapsed.TotalMilliseconds;
        _times.Add((fault, ms));
        Report($"{fault}: every client shows the database after {ms:F0} ms");
        Assert.True(sinceEnd.Elapsed <= (promise ?? Promise), $"{fault}: {ms:F0} ms, more than {(promise ?? Promise).TotalSeconds} s");
        if (servers.Length == 0) return;

        // Answers after the fault: three people per item on the same servers reach every screen too.
        await ReleasingRoundAsync(servers);
        var after = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                table = await DatabaseAsync();
                if (followers.All(f => Shows(f.Follower, table, exact))) break;
            }
            catch (NpgsqlException) { }
            Assert.True(after.Elapsed <= Patience, $"{fault}: answers given after it did not reach every screen in {Patience.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine("scale-out faults: " + line);
        if (Environment.GetEnvironmentVariable("DELPHI_SCALE_REPORT") is { Length: > 0 } path) File.AppendAllText(path, line + "\n");
    }

    private int _releasingRound;

    /// <summary>Three different people answer every item at once, over the servers in turn (each answer until it is accepted).</summary>
    private async Task ReleasingRoundAsync(ServerProcess[] servers)
    {
        var first = ReleaseK * _releasingRound++;
        var answers = Enumerable.Range(0, ReleaseK).SelectMany(p => _study.ItemIds.Select((item, i) => (
            Server: servers[(p * _study.ItemIds.Count + i) % servers.Length],
            Token: _study.Participants[(first + p) % _study.Participants.Count].Token,
            Item: item)));
        await Task.WhenAll(answers.Select(async a =>
        {
            for (var attempt = 0; !await TryAnswerAsync(a.Server, a.Token, a.Item, Random.Shared.Next(1, 6)); attempt++)
            {
                if (attempt > 50) Assert.Fail("an answer of a releasing round was not accepted");
                await Task.Delay(20);
            }
        }));
    }

    private const int ReleaseK = 3;

    private sealed record Row(long Id, long ParticipantId, double Value);

    private sealed record Figures(long Version, int N, Dictionary<string, int> Counts);

    /// <summary>An item's figures from its stored rows less <paramref name="held"/> (each person's newest answer counts).</summary>
    private static Figures FiguresOf(List<Row> rows, IReadOnlySet<long> held)
    {
        var kept = rows.Where(r => !held.Contains(r.Id)).ToList();
        var current = kept.GroupBy(r => r.ParticipantId).Select(p => p.MaxBy(r => r.Id)!).ToList();
        var counts = current.GroupBy(r => ((int)r.Value).ToString(CultureInfo.InvariantCulture)).ToDictionary(x => x.Key, x => x.Count());
        return new Figures(kept.Count, current.Count, counts);
    }

    /// <summary>
    /// True when the follower shows, for every item, the table as of a release: the table less the newest answers of
    /// at most k − 1 people (what threshold release may hold back), its version counting exactly the answers it shows
    /// (at the close: the table exactly).
    /// </summary>
    private static bool Shows(LiveFollower follower, IReadOnlyDictionary<long, List<Row>> table, bool exact)
    {
        var shown = follower.Items;
        foreach (var (itemId, rows) in table)
        {
            if (!shown.TryGetValue(itemId, out var view)) return false;
            var held = rows.Count - (int)view.Version;
            if (held < 0 || (exact && held > 0)) return false;
            if (!Held(rows, held).Any(h => Same(view, FiguresOf(rows, h)))) return false;
        }
        return true;
    }

    /// <summary>
    /// Each way threshold release may hold back <paramref name="count"/> stored answers of an item: the newest one or
    /// more answers of each of up to k − 1 people.
    /// </summary>
    private static IEnumerable<HashSet<long>> Held(List<Row> rows, int count)
    {
        if (count == 0)
        {
            yield return [];
            yield break;
        }
        var byPerson = rows.GroupBy(r => r.ParticipantId).Select(g => g.OrderByDescending(r => r.Id).Select(r => r.Id).ToList()).ToList();
        for (var a = 0; a < byPerson.Count; a++)
        {
            if (byPerson[a].Count >= count) yield return byPerson[a].Take(count).ToHashSet();
            for (var b = a + 1; b < byPerson.Count; b++)
                for (var fromA = 1; fromA < count; fromA++)
                    if (byPerson[a].Count >= fromA && byPerson[b].Count >= count - fromA)
                        yield return [.. byPerson[a].Take(fromA), .. byPerson[b].Take(count - fromA)];
        }
    }

    private static bool Same(ItemView view, Figures want) =>
        view.Version == want.Version && view.N == want.N
        && want.Counts.All(c => view.Distribution.TryGetValue(c.Key, out var n) && n == c.Value)
        && view.Distribution.Where(d => d.Value != 0).All(d => want.Counts.ContainsKey(d.Key));

    /// <summary>Every stored row of the round, by item (answers and revisions; the version counts each).</summary>
    private async Task<IReadOnlyDictionary<long, List<Row>>> DatabaseAsync()
    {
        await using var c = new NpgsqlConnection(_database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id, item_id, participant_id, value FROM answers WHERE round_id = @r", c);
        cmd.Parameters.AddWithValue("r", _study.RoundId);
        var rows = new Dictionary<long, List<Row>>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                if (!rows.TryGetValue(reader.GetInt64(1), out var list)) rows[reader.GetInt64(1)] = list = [];
                list.Add(new Row(reader.GetInt64(0), reader.GetInt64(2), reader.GetDouble(3)));
            }
        return rows;
    }

    /// <summary>The process id in the publisher lease (<c>machine:pid:guid</c>), once there is a holder.</summary>
    private async Task<int?> PublisherAsync()
    {
        int? pid = null;
        await Until(async () =>
        {
            var holder = await _redis.CliAsync("GET", "delphi:live:publisher");
            var parts = holder.Trim().Split(':');
            pid = parts.Length == 3 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var p) ? p : null;
            return pid == _a.Pid || pid == _b.Pid;
        }, "an instance holds the publisher lease");
        return pid;
    }

    private async Task RestartPostgresAsync()
    {
        var parts = _pgCtl.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var info = new ProcessStartInfo(parts[0]) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var p in parts.Skip(1)) info.ArgumentList.Add(p);
        foreach (var p in new[] { "-w", "-t", "60", "-m", "fast", "restart" }) info.ArgumentList.Add(p);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_ctl restart exited with {process.ExitCode}: {await error}");
    }

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > Patience) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (_, f) in _followers) await f.DisposeAsync();
        foreach (var c in _clients.Concat(_answerClients.Values)) c.Dispose();
        if (_a is not null) await _a.DisposeAsync();
        if (_b is not null) await _b.DisposeAsync();
        _relayA?.Dispose();
        _relayB?.Dispose();
        _redis?.Stop();
        if (_database.Length > 0) TestPostgres.DropDatabase(_database);
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A private redis-server (from Debian) that the suite stops with SIGKILL and starts again on the same port.</summary>
    private sealed class RedisServer
    {
        private Process? _process;
        public int Port { get; private init; }

        public static async Task<RedisServer> StartAsync()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var server = new RedisServer { Port = ((IPEndPoint)listener.LocalEndpoint).Port };
            listener.Stop();
            await server.RestartAsync();
            return server;
        }

        public async Task RestartAsync()
        {
            var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (var a in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no" })
                info.ArgumentList.Add(a);
            _process = Process.Start(info)!;
            _process.OutputDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            await Until(async () => (await CliAsync("PING")).Trim() == "PONG", "redis-server answers PING");
        }

        public void Stop()
        {
            if (_process is not { HasExited: false } p) return;
            p.Kill();
            p.WaitForExit();
        }

        public async Task<int> ConnectedClientsAsync()
        {
            var info = await CliAsync("INFO", "clients");
            var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("connected_clients:", StringComparison.Ordinal));
            // Less one: redis-cli itself.
            return line is null ? 0 : int.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture) - 1;
        }

        public async Task<string> CliAsync(params string[] args)
        {
            var info = new ProcessStartInfo("redis-cli") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture) }.Concat(args)) info.ArgumentList.Add(a);
            using var cli = Process.Start(info)!;
            var text = await cli.StandardOutput.ReadToEndAsync();
            await cli.WaitForExitAsync();
            return text;
        }
    }
}
