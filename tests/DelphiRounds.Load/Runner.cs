using System.Diagnostics;
using System.Net;
using Dapper;
using DelphiRounds.Testing;

namespace DelphiRounds.Load;

/// <summary>One step of a schedule: a steady offered rate for some seconds.</summary>
public sealed record Step(double Rate, double Seconds);

/// <summary>A run: one variant, one panel size, a schedule; a ramp stops after the first step that is not sustained.</summary>
/// <param name="Protocol">The hub protocol every client speaks: <c>json</c> or <c>messagepack</c>.</param>
/// <param name="Changes">Clients join with <c>JoinRoundChanges</c> (pushes carry per item only what changed), as the browser does; false: whole items.</param>
/// <param name="Facilitator">A facilitator's screen follows the round too, as in a real session: its pushes carry each item's live verdict, judged every tick.</param>
/// <param name="Http2">
/// The hub's WebSockets run over HTTP/2 (RFC 8441, h2c on a second port): the clients' connections are streams,
/// <see cref="BenchServer.Http2StreamsPerConnection"/> to a TCP connection, so the sockets do not limit how many are held.
/// </param>
/// <param name="Client">
/// What each participant's client is: the .NET SignalR client (<see cref="Clients.Hub"/>, <see cref="LiveFollower"/>) or a
/// bare WebSocket speaking the MessagePack hub protocol itself (<see cref="Clients.Bare"/>, <see cref="BareFollower"/>),
/// which costs the load generator less per push; the server sees the same SignalR connections.
/// </param>
public sealed record Scenario(string Label, string Variant, int Participants, IReadOnlyList<Step> Steps, bool Ramp, int Items = 5, string Protocol = Protocols.Json,
    bool Changes = true, bool Facilitator = true, bool Http2 = false, string Client = Clients.Hub);

/// <summary>The clients a benchmark's participants can have.</summary>
public static class Clients
{
    public const string Hub = "hub";
    public const string Bare = "bare";
}

/// <summary>The hub protocols a benchmark client can speak.</summary>
public static class Protocols
{
    public const string Json = "json";
    public const string MessagePack = "messagepack";
}

/// <summary>What the hub's WebSockets run over.</summary>
public static class Transports
{
    public const string Http1 = "http/1.1";
    public const string Http2 = "h2";
}

/// <summary>One measured step (a row of the table and of bench.json).</summary>
public sealed record Row(
    string Scenario, string Variant, int Participants, double OfferedAnswersPerSecond, double AnswersPerSecond,
    double DeliveriesPerSecond, double P50Ms, double P95Ms, double P99Ms, double ServerCpuPercent,
    long MemoryPerConnectionBytes, int MissedFinalStates, bool AggregatesExact, long StalePushes, long Refused, long NotSent,
    double LoadAverage1m, double ReleaseP50Ms = -1, double ReleaseP99Ms = -1, double ScreenChangeP50Ms = -1, double ScreenChangeP99Ms = -1,
    string Protocol = Protocols.Json, double BytesPerDelivery = -1, double BytesPerSecond = -1, double TickMaxMs = -1, double TickWidenings = -1, bool Changes = false,
    string Transport = Transports.Http1, string Client = Clients.Hub)
{
    /// <summary>Achieved at least 95 % of the offered rate with p99 ≤ the limit.</summary>
    public bool Sustained(double p99LimitMs) => AnswersPerSecond >= 0.95 * OfferedAnswersPerSecond && P99Ms <= p99LimitMs;
}

/// <summary>Runs a scenario against a fresh server and measures it.</summary>
/// <param name="quick">The smoke run (--quick): the pauses to let the server settle (before and after connecting, before the close) are halved.</param>
public sealed class Runner(string serverDll, string workFolder, TextWriter log, bool quick = false)
{
    private Task Settle(int ms) => Task.Delay(quick ? ms / 2 : ms);

    public const double SustainedP99Ms = 500;
    /// <summary>The p99 target of the 3,000-participant step at 300 answers/s: the log counts deliveries later than this per second.</summary>
    private const long LateMs = 150;
    private const int MaxInFlight = 512;

    /// <summary>
    /// The warm-up before a scenario's steps (none in the smoke run): a few clients follow the round while answers come,
    /// measured in nothing. Each scenario starts a fresh server, and .NET compiles each method when it is first called
    /// and again, optimised, once it is hot (tiered compilation): left to the steps, that took 8 s of one core's time in the
    /// first 15 s at 1,000 answers/s on this machine, and 3–4 s in each of a ramp's first steps. A server that has been
    /// running for a while did that long ago.
    /// </summary>
    private const int WarmUpSeconds = 10, WarmUpRate = 100, WarmUpClients = 50;

    private async Task WarmUpAsync(BenchServer server, Func<string, Action<long>?, Action<long, long, long>?, FollowedScreen> follower)
    {
        if (quick) return;
        var watch = Stopwatch.StartNew();
        var screens = server.Participants.Take(WarmUpClients).Select(p => follower(p.Token, null, null)).ToList();
        foreach (var screen in screens) await screen.StartAsync();
        var random = new Random(7);
        var answers = new List<Task<(HttpStatusCode Status, long Id)>>();
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < WarmUpSeconds)
        {
            for (var due = (long)(WarmUpRate * warm.Elapsed.TotalSeconds); answers.Count < due;)
                answers.Add(server.AnswerAsync(server.Participants[random.Next(server.Participants.Count)],
                    server.ItemIds[random.Next(server.ItemIds.Count)], random.Next(1, 8)));
            await Task.Delay(5);
        }
        var done = await Task.WhenAll(answers);
        foreach (var screen in screens) await screen.DisposeAsync();
        log.WriteLine($"   warm-up (measured in nothing): {screens.Count} clients followed the round while {done.Count(a => a.Status == HttpStatusCode.Created)} " +
                      $"answers came in {WarmUpSeconds} s; {watch.Elapsed.TotalSeconds:0.0} s in all");
    }

    public async Task<List<Row>> RunAsync(Scenario s)
    {
        log.WriteLine($"-- {s.Label}: {s.Variant}, {s.Protocol}{(s.Client == Clients.Bare ? " (bare clients)" : "")}, {(s.Changes ? "changes" : "whole items")}, {s.Participants} participants, steps {string.Join(", ", s.Steps.Select(x => $"{x.Rate}/s×{x.Seconds}s"))} (load {ProcStat.LoadAverage()})");
        await using var server = new BenchServer { ServerDll = serverDll, Folder = Path.Combine(workFolder, s.Label), Variant = s.Variant, Http2 = s.Http2 };
        await server.StartAsync(s.Participants, s.Items);
        log.WriteLine($"   server pid {server.Pid}, load generator pid {Environment.ProcessId}");

        // The histograms are made once per scenario and cleared for each step: each is an array of 4.8 MB, and making
        // them anew every step drove the load generator into blocking full garbage collections that stalled all its
        // clients at once (265 ms, counted as push latency). A step's push latencies go into one of two histograms in
        // turn, so the step before can still be read while the next one records.
        LatencyHistogram[] latencies = [new(), new()];
        LatencyHistogram answerLatency = new(), stepGaps = new(), afterTheSteps = new();
        LatencyHistogram current = latencies[0];
        // Deliveries later than LateMs per second of the step: one stall of the whole machine shows as one busy second.
        var late = new long[600];
        long stepStarted = Stopwatch.GetTimestamp();
        var lateTicks = LateMs * Stopwatch.Frequency / 1000;
        void Latency(long ticks)
        {
            Volatile.Read(ref current).Record(ticks);
            if (ticks <= lateTicks) return;
            var second = (Stopwatch.GetTimestamp() - Volatile.Read(ref stepStarted)) / Stopwatch.Frequency;
            if (second is >= 0 and < 600) Interlocked.Increment(ref late[second]);
        }

        await CheckClockAsync(server);

        // Followers: every participant is a real SignalR client.
        await Settle(1000);
        var snapshotHttp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
        // Over HTTP/2 every follower's WebSocket is a stream: one invoker opens a further TCP connection whenever the
        // server's limit of streams per connection is reached.
        using var http2 = s.Http2 ? new HttpMessageInvoker(new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        }) : null;
        var hub = s.Http2 ? server.Http2Address! : server.Address;
        if (s.Client == Clients.Bare && (s.Protocol != Protocols.MessagePack || s.Http2))
            throw new ArgumentException("bare clients speak MessagePack over HTTP/1.1 only");
        var followers = new FollowedScreen[s.Participants];
        FollowedScreen Follower(string token, Action<long>? latency = null, Action<long, long, long>? released = null) => s.Client == Clients.Bare
            ? new BareFollower(hub, snapshotHttp, token, server.RoundId, latency, released, changes: s.Changes)
            : new LiveFollower(hub, snapshotHttp, token, server.RoundId, latency, released, messagePack: s.Protocol == Protocols.MessagePack, changes: s.Changes, http2: http2);
        await WarmUpAsync(server, Follower);
        await Settle(1000);
        var rssBefore = ProcStat.RssBytes(server.Pid);
        // One screen notes each release (item, version, receipt) to time every answer to the release that includes it.
        var releases = new System.Collections.Concurrent.ConcurrentQueue<(long Item, long Version, long Received)>();
        // Every screen notes when it last changed: the time between two changes of one screen while answers flow is
        // what "every screen still changes within a second" promises (a push of several items is one change).
        var lastChange = new long[s.Participants];
        LatencyHistogram? gaps = null;
        void ScreenChanged(int i, long received)
        {
            if (Volatile.Read(ref gaps) is not { } h || received == lastChange[i]) return;
            h.Record(received - lastChange[i]);
            lastChange[i] = received;
        }
        var connectWatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, s.Participants), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var p = server.Participants[i];
            followers[i] = Follower(p.Token, Latency,
                i == 0 ? (item, version, received) => { releases.Enqueue((item, version, received)); ScreenChanged(i, received); }
                : (_, _, received) => ScreenChanged(i, received));
            await followers[i].StartAsync(ct);
        });
        log.WriteLine($"   {s.Participants} clients connected and joined in {connectWatch.Elapsed.TotalSeconds:0.0} s" +
                      (s.Http2 ? $", WebSockets over HTTP/2: {ProcStat.TcpConnectionsTo(server.Http2Address!.Port)} TCP connections to the server's h2c port" : "") +
                      $"; the server has {ProcStat.OpenFiles(server.Pid):N0} files open");
        // The facilitator's screen: not in the participants' figures; its pushes carry the live verdicts.
        FollowedScreen? facilitator = null;
        if (s.Facilitator)
        {
            facilitator = Follower(server.FacilitatorToken);
            await facilitator.StartAsync();
        }
        // The clients just made are the load generator's youngest objects (10,000 of them: some 460 MB). Left so, the
        // first collections inside the measured steps copy them into the older generations: pauses of up to a second
        // in which no client reads a push. Two full collections now (each promotes by one generation) make them old.
        var promote = Stopwatch.StartNew();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        log.WriteLine($"   the load generator's clients made old before the steps (two full collections): {promote.Elapsed.TotalMilliseconds:0} ms, heap {GC.GetTotalMemory(false) / 1048576.0:0} MB");
        await Settle(2000);
        var rssAfter = ProcStat.RssBytes(server.Pid);
        var memoryPerConnection = Math.Max(0, (rssAfter - rssBefore) / Math.Max(1, s.Participants));

        var rows = new List<(Step Step, double Achieved, double Deliveries, double Cpu, long Stale, long Refused, long NotSent, double Load, Percentiles Gaps, double BytesPerDelivery, double BytesPerSecond, double TickMax, double Widenings)>();
        // Each step's push latencies, read when the step after it starts (the last: when the round closes), so that what
        // arrives between the end of a step and the next one counts for the step that sent it.
        var pushLatencies = new List<Percentiles>();
        // The server's push tick (adaptive: 100 ms, wider while a tick's fan-out does not fit), read from its /metrics.
        await using var ticks = new TickWatch(server.Address);
        var answered = new List<System.Collections.Concurrent.ConcurrentQueue<(long Item, long Id, long Sent)>>();
        var random = new Random(2030);
        var inFlight = 0;
        var pending = new List<Task>();
        var failedInARow = 0;
        foreach (var step in s.Steps)
        {
            var histogram = latencies[rows.Count % 2];
            histogram.Clear();
            Volatile.Write(ref current, histogram);
            if (rows.Count > 0) pushLatencies.Add(latencies[(rows.Count - 1) % 2].Percentiles());
            long created = 0, refused = 0, notSent = 0;
            var pushesBefore = followers.Sum(f => (long)f.Pushes);
            var bytesBefore = followers.Sum(f => f.PushBytes);
            var staleBefore = followers.Sum(f => (long)f.StalePushes);
            var cpuBefore = ProcStat.CpuSeconds(server.Pid);
            var clientCpuBefore = ProcStat.CpuSeconds(Environment.ProcessId);
            answerLatency.Clear();
            var stepAnswers = new System.Collections.Concurrent.ConcurrentQueue<(long Item, long Id, long Sent)>();
            answered.Add(stepAnswers);
            var (widenedBefore, serverRuntimeBefore) = await ticks.StartStepAsync();
            var ownRuntimeBefore = RuntimeTotals.Own();
            Array.Clear(late);
            Volatile.Write(ref stepStarted, Stopwatch.GetTimestamp());
            var stepStartedUtc = DateTime.UtcNow; // in the log, to set a step beside the server's log
            var watch = Stopwatch.StartNew();
            stepGaps.Clear();
            Array.Fill(lastChange, Stopwatch.GetTimestamp());
            Volatile.Write(ref gaps, stepGaps);
            long offered = 0;
            while (watch.Elapsed.TotalSeconds < step.Seconds)
            {
                var due = (long)(step.Rate * watch.Elapsed.TotalSeconds);
                for (; offered < due; offered++)
                {
                    if (Volatile.Read(ref inFlight) >= MaxInFlight) { notSent++; continue; }
                    var p = server.Participants[random.Next(server.Participants.Count)];
                    var item = server.ItemIds[random.Next(server.ItemIds.Count)];
                    var value = random.Next(1, 8);
                    Interlocked.Increment(ref inFlight);
                    pending.Add(Task.Run(async () =>
                    {
                        try
                        {
                            var sent = Stopwatch.GetTimestamp();
                            var (status, id) = await server.AnswerAsync(p, item, value);
                            answerLatency.Record(Stopwatch.GetTimestamp() - sent);
                            if (status == HttpStatusCode.Created) stepAnswers.Enqueue((item, id, sent));
                            if (status == HttpStatusCode.Created && watch.Elapsed.TotalSeconds <= step.Seconds + 0.05) Interlocked.Increment(ref created);
                            else if (status != HttpStatusCode.Created) Interlocked.Increment(ref refused);
                        }
                        catch (Exception) { Interlocked.Increment(ref refused); }
                        finally { Interlocked.Decrement(ref inFlight); }
                    }));
                }
                await Task.Delay(1);
            }
            var seconds = watch.Elapsed.TotalSeconds;
            // The time since each screen's last change counts too (a screen that stood still until the step ended).
            Volatile.Write(ref gaps, null);
            var ended = Stopwatch.GetTimestamp();
            foreach (var changed in lastChange) stepGaps.Record(ended - changed);
            var cpu = (ProcStat.CpuSeconds(server.Pid) - cpuBefore) / seconds * 100;
            var clientCpu = (ProcStat.CpuSeconds(Environment.ProcessId) - clientCpuBefore) / seconds * 100;
            var delivered = followers.Sum(f => (long)f.Pushes) - pushesBefore;
            var deliveries = delivered / seconds;
            // Bytes as they came off each client's connection: every StatsUpdated frame the clients parsed.
            var bytes = followers.Sum(f => f.PushBytes) - bytesBefore;
            var bytesPerDelivery = delivered > 0 ? (double)bytes / delivered : -1;
            var stale = followers.Sum(f => (long)f.StalePushes) - staleBefore;
            var (tickMax, widened, serverRuntime) = await ticks.EndStepAsync();
            var ownRuntime = RuntimeTotals.Own() - ownRuntimeBefore;
            rows.Add((step, Interlocked.Read(ref created) / seconds, deliveries, cpu, stale, Interlocked.Read(ref refused), notSent, ProcStat.LoadAverage1m(), stepGaps.Percentiles(), bytesPerDelivery, bytes / seconds,
                tickMax, widened - widenedBefore));
            var last = rows[^1];
            var push = histogram.Percentiles();
            log.WriteLine($"   [{stepStartedUtc:HH:mm:ss.fff} UTC] offered {step.Rate,6:0}/s  achieved {last.Achieved,7:0.0}/s  deliveries {deliveries,9:0}/s  p50 {push.P50,7:0.0}  p95 {push.P95,7:0.0}  p99 {push.P99,7:0.0} ms  cpu {cpu,4:0}% (load generator {clientCpu:0}%)  answer round trip p50 {answerLatency.Percentile(.5):0.0} p99 {answerLatency.Percentile(.99):0.0} ms  screen change every p50 {last.Gaps.P50:0} p99 {last.Gaps.P99:0} ms  {bytesPerDelivery:0} B/delivery {bytes / seconds / 1024:0} KiB/s  tick up to {last.TickMax:0} ms (widened {last.Widenings:0}×)  runtime: server {serverRuntime - serverRuntimeBefore}, load generator {ownRuntime}  over {LateMs} ms by second of the step: {string.Join(" ", late.Take((int)Math.Ceiling(seconds)))}  refused {last.Refused} not sent {notSent}  load {last.Load:0.0}");
            pending.RemoveAll(t => t.IsCompleted);
            // A ramp ends after two steps in a row that are not sustained (one may be a hiccup of this shared machine).
            failedInARow = last.Achieved >= 0.95 * step.Rate && push.P99 <= SustainedP99Ms ? 0 : failedInARow + 1;
            if (s.Ramp && failedInARow >= 2) break;
        }

        // Let every accepted answer reach every screen, then compare with the database. Threshold release holds an
        // item's last one or two changes while the round is open; closing it releases the final figures.
        var drain = Stopwatch.StartNew();
        await Task.WhenAll(pending);
        await Settle(1000);
        var openReleases = releases.ToArray();
        // The close's final figures are not in the last step's latencies: they release what threshold release held
        // (an item's last one or two changes, counted below as held until the close), at a moment the benchmark chooses.
        Volatile.Write(ref current, afterTheSteps);
        if (rows.Count > 0) pushLatencies.Add(latencies[(rows.Count - 1) % 2].Percentiles());
        await server.CloseRoundAsync();
        var final = await FinalStateAsync(server);
        int missed = 0;
        var settle = Stopwatch.StartNew();
        do
        {
            missed = followers.Sum(f => Missed(f, final)) + (facilitator is null ? 0 : Missed(facilitator, final));
            if (missed == 0) break;
            await Task.Delay(250);
        } while (settle.Elapsed < TimeSpan.FromSeconds(20));
        var exact = missed == 0 && await ServerSnapshotExactAsync(server, final);
        log.WriteLine($"   drained in {drain.Elapsed.TotalSeconds:0.0} s; missed final states {missed}; aggregates exact {(exact ? "yes" : "no")}; reconnects {followers.Sum(f => f.Reconnects)}; " +
                      $"changes applied {followers.Sum(f => (long)f.ChangesApplied)}, for a version not held (snapshot fetched) {followers.Sum(f => (long)f.MissedBases)}");
        // Releases carry the item's version in the round (rows of the item so far), so each answer is matched by its own place among them.
        var versions = ReleaseMatching.VersionsOf(await server.Db.ReadAsync(c => c.QueryAsync<(long Id, long ItemId)>(
            "SELECT id, item_id FROM answers WHERE round_id = @RoundId", new { server.RoundId })));
        var releaseDelays = answered.Select(a => ReleaseMatching.Delays(a, openReleases, versions)).ToList();
        var held = answered.Sum(a => a.Count) - releaseDelays.Sum(d => d.Count);
        log.WriteLine($"   answer → release that includes it: {string.Join(", ", releaseDelays.Select(d => $"p50 {Percentile(d, .5):0} p99 {Percentile(d, .99):0} ms"))}; {held} answer(s) held until the close");

        if (facilitator is not null)
        {
            log.WriteLine($"   the facilitator's screen (live verdicts in its pushes): {facilitator.Pushes} pushes, " +
                          $"{(facilitator.Pushes == 0 ? 0 : facilitator.PushBytes / facilitator.Pushes)} B/delivery, missed final states {Missed(facilitator, final)}");
            await facilitator.DisposeAsync();
        }
        await Parallel.ForEachAsync(followers, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (f, _) => await f.DisposeAsync());
        snapshotHttp.Dispose();

        return rows.Select((r, i) => new Row(s.Label, s.Variant, s.Participants, r.Step.Rate, Math.Round(r.Achieved, 1), Math.Round(r.Deliveries),
            Round(pushLatencies[i].P50), Round(pushLatencies[i].P95), Round(pushLatencies[i].P99), Math.Round(r.Cpu, 1),
            memoryPerConnection, missed, exact, r.Stale, r.Refused, r.NotSent, r.Load,
            Round(Percentile(releaseDelays[i], .5)), Round(Percentile(releaseDelays[i], .99)),
            Round(r.Gaps.P50), Round(r.Gaps.P99), s.Protocol, Math.Round(r.BytesPerDelivery, 1), Math.Round(r.BytesPerSecond), r.TickMax, r.Widenings, s.Changes,
            s.Http2 ? Transports.Http2 : Transports.Http1, s.Client)).ToList();
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static double Round(double v) => double.IsNaN(v) ? -1 : Math.Round(v, 1);

    /// <summary>
    /// The server stamps each push with the Stopwatch timestamp of the answer's acceptance; the load generator
    /// compares it with its own. Both read CLOCK_MONOTONIC on Linux, so the stamp must fall between the moment
    /// the request was sent and the moment the 201 arrived.
    /// </summary>
    private async Task CheckClockAsync(BenchServer server)
    {
        if (!Stopwatch.IsHighResolution || Stopwatch.Frequency != 1_000_000_000 || !OperatingSystem.IsLinux())
            throw new InvalidOperationException($"Stopwatch is not CLOCK_MONOTONIC in ns here (frequency {Stopwatch.Frequency}); push latencies cannot be measured across processes.");
        using var http = new HttpClient { BaseAddress = server.Address };
        await using var probe = new LiveFollower(server.Address, http, server.Participants[1].Token, server.RoundId);
        await probe.StartAsync();
        // Threshold release: the first release comes with the third answer, whose stamp the probe checks.
        foreach (var earlier in server.Participants.Skip(2).Take(2))
            if ((await server.AnswerAsync(earlier, server.ItemIds[0], 4)).Status != HttpStatusCode.Created) throw new InvalidOperationException("clock probe answer refused");
        var p = server.Participants[0];
        var before = Stopwatch.GetTimestamp();
        var (status, id) = await server.AnswerAsync(p, server.ItemIds[0], 4);
        var after = Stopwatch.GetTimestamp();
        if (status != HttpStatusCode.Created || id <= 0) throw new InvalidOperationException($"clock probe answer: {status}");
        var wait = Stopwatch.StartNew();
        // The push reflecting this answer is the first stamped at or after the send (versions count per round, not answer ids).
        while (!(probe.Items.TryGetValue(server.ItemIds[0], out var v) && v.AcceptedTimestamp >= before))
        {
            if (wait.Elapsed > TimeSpan.FromSeconds(10)) throw new InvalidOperationException("clock probe: no push arrived");
            await Task.Delay(10);
        }
        var stamp = probe.Items[server.ItemIds[0]].AcceptedTimestamp;
        if (stamp < before || stamp > after)
            throw new InvalidOperationException($"clock check failed: server stamp {stamp} outside [{before}, {after}]");
        log.WriteLine($"   clock check: server acceptance stamp lies {(stamp - before) / 1e6:0.00} ms after send, {(after - stamp) / 1e6:0.00} ms before the 201 (same monotonic clock)");
    }

    /// <summary>Per item: the version (answers and revisions stored in the round) and the count per value, recomputed from the answers table.</summary>
    private static async Task<Dictionary<long, (long Version, int N, Dictionary<string, int> Distribution)>> FinalStateAsync(BenchServer server)
    {
        var rows = await server.Db.ReadAsync(c => c.QueryAsync<(long Id, long ItemId, long ParticipantId, int Revision, double? Value)>(
            "SELECT id, item_id, participant_id, revision, value FROM answers WHERE round_id = @RoundId", new { server.RoundId }));
        var result = new Dictionary<long, (long, int, Dictionary<string, int>)>();
        foreach (var item in rows.GroupBy(r => r.ItemId))
        {
            var current = item.GroupBy(r => r.ParticipantId).Select(g => g.MaxBy(r => r.Revision)).ToList();
            var distribution = current.Where(r => r.Value is not null).GroupBy(r => ((int)r.Value!.Value).ToString(System.Globalization.CultureInfo.InvariantCulture))
                .ToDictionary(g => g.Key, g => g.Count());
            result[item.Key] = (item.Count(), current.Count, distribution);
        }
        return result;
    }

    private static int Missed(FollowedScreen f, Dictionary<long, (long Version, int N, Dictionary<string, int> Distribution)> final)
    {
        var shown = f.Items;
        var missed = 0;
        foreach (var (itemId, want) in final)
        {
            if (!shown.TryGetValue(itemId, out var got) || got.Version != want.Version || got.N != want.N || !SameCounts(got.Distribution, want.Distribution))
                missed++;
        }
        return missed;
    }

    private static bool SameCounts(IReadOnlyDictionary<string, int> a, IReadOnlyDictionary<string, int> b) =>
        a.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key).SequenceEqual(b.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key));

    private static async Task<bool> ServerSnapshotExactAsync(BenchServer server, Dictionary<long, (long Version, int N, Dictionary<string, int> Distribution)> final)
    {
        var p = server.Participants[0];
        await using var check = new LiveFollower(server.Address, server.Http, p.Token, server.RoundId);
        await check.StartAsync();
        return Missed(check, final) == 0;
    }
}

/// <summary>
/// A process's runtime so far: the time it was paused for garbage collections (ms), their number per generation, and
/// the time its JIT compiled methods (ms; tiered compilation goes on compiling hot methods again while a run warms up).
/// </summary>
public readonly record struct RuntimeTotals(double PauseMs, long Gen0, long Gen1, long Gen2, double JitMs)
{
    /// <summary>This process's own, from the runtime.</summary>
    public static RuntimeTotals Own() => new(GC.GetTotalPauseDuration().TotalMilliseconds, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds);

    public static RuntimeTotals operator -(RuntimeTotals a, RuntimeTotals b) => new(a.PauseMs - b.PauseMs, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.JitMs - b.JitMs);

    /// <summary>E.g. "GC paused 84 ms in 31 collections (gen1 4, gen2 0), JIT 120 ms"; GC.CollectionCount counts a gen2 in gen1 and gen0 too.</summary>
    public override string ToString() => $"GC paused {PauseMs:0} ms in {Gen0} collections (gen1 {Gen1}, gen2 {Gen2}), JIT {JitMs:0} ms";
}

/// <summary>
/// Reads the server's push tick from its <c>/metrics</c> (<c>delphi_live_tick_interval_milliseconds</c>, every 250 ms,
/// the widest seen per step) and how often it widened (<c>delphi_live_tick_changes_total{direction="wider"}</c>).
/// </summary>
public sealed class TickWatch : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private double _widest = -1;

    public TickWatch(Uri server)
    {
        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
        _polling = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                if (await ScrapeAsync() is { Tick: >= 0 } now) lock (_stop) _widest = Math.Max(_widest, now.Tick);
                try { await Task.Delay(250, _stop.Token); } catch (OperationCanceledException) { }
            }
        });
    }

    /// <summary>Starts a step; returns the number of widenings and the server's garbage collections so far.</summary>
    public async Task<(double Widened, RuntimeTotals Gc)> StartStepAsync()
    {
        var now = await ScrapeAsync();
        lock (_stop) _widest = now?.Tick ?? -1;
        return (now?.Widened ?? 0, now?.Gc ?? default);
    }

    /// <summary>Ends a step: the widest tick seen in it, the number of widenings and the server's garbage collections so far.</summary>
    public async Task<(double Widest, double Widened, RuntimeTotals Gc)> EndStepAsync()
    {
        var now = await ScrapeAsync();
        lock (_stop) return (Math.Max(_widest, now?.Tick ?? -1), now?.Widened ?? 0, now?.Gc ?? default);
    }

    private async Task<(double Tick, double Widened, RuntimeTotals Gc)?> ScrapeAsync()
    {
        try
        {
            var text = await _http.GetStringAsync("/metrics");
            return (Sample(text, "delphi_live_tick_interval_milliseconds") ?? -1, Sample(text, "delphi_live_tick_changes_total", "direction=\"wider\"") ?? 0,
                Runtime(text));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; }
    }

    /// <summary>
    /// The server's runtime from its scrape. <c>dotnet_gc_collections_total</c> counts each collection once, under the
    /// oldest generation it collected; counted as <see cref="GC.CollectionCount"/> does (a gen2 is a gen1 and a gen0 too).
    /// </summary>
    private static RuntimeTotals Runtime(string scrape)
    {
        long Collections(string generation) => (long)(Sample(scrape, "dotnet_gc_collections_total", $"gc_heap_generation=\"{generation}\"") ?? 0);
        var (gen0, gen1, gen2) = (Collections("gen0"), Collections("gen1"), Collections("gen2"));
        return new RuntimeTotals((Sample(scrape, "dotnet_gc_pause_time_seconds_total") ?? 0) * 1000, gen0 + gen1 + gen2, gen1 + gen2, gen2,
            (Sample(scrape, "dotnet_jit_compilation_time_seconds_total") ?? 0) * 1000);
    }

    private static double? Sample(string scrape, string metric, string? label = null)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal)) continue;
            var rest = line[metric.Length..];
            if (rest.Length > 0 && rest[0] is not ('{' or ' ')) continue;
            if (label is not null && !line.Contains(label, StringComparison.Ordinal)) continue;
            var value = line[(line.LastIndexOf('}') is var b and >= 0 ? b + 1 : metric.Length)..].Trim().Split(' ')[0];
            return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        _http.Dispose();
        _stop.Dispose();
    }
}
