using System.Globalization;
using System.Text;
using System.Text.Json;
using DelphiRounds.Load;

// DelphiRounds.Load — the live-push benchmark (scripts/bench.sh runs it).
//   serve [server arguments]: the DelphiRounds server with the naive baseline composed in (started by the benchmark)
//   bench [--quick] [--out DIR] [--server DLL] [--only LABEL,...] [--protocol json|messagepack|both] [--whole-items] [--no-facilitator]
//   run --variant naive|coalesced [--protocol json|messagepack] --participants N (--steady RATE:SECONDS | --ramp R1,R2,...:SECONDS | --burst BASE:PEAK:SECONDS) [--items K] [--http2] [--client hub|bare] [--out DIR]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
ThreadPool.SetMinThreads(64, 64);
// The load generator is the measuring instrument: a blocking full garbage collection of its thousands of clients' state
// (200 MB compacted in 265 ms) stalls every client at once, and the benchmark would count it as the server's push
// latency. Full collections run in the background instead, while there is memory to spare.
System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
bool Flag(string name) => args.Contains(name);

var command = args.FirstOrDefault() ?? "bench";
if (command == "serve") return NaivePusher.Serve(args[1..]);
var root = FindRoot();
var serverDll = Path.GetFullPath(Option("--server") ?? Path.Combine(root, "src/DelphiRounds/bin/Release/net10.0/DelphiRounds.dll"));
var outDir = Path.GetFullPath(Option("--out") ?? Path.Combine(root, "bench-out"));
Directory.CreateDirectory(outDir);
var work = Path.Combine(Path.GetTempPath(), "delphi-bench", Guid.NewGuid().ToString("N"));
var quick = Flag("--quick");
var runner = new Runner(serverDll, work, Console.Out, quick);
var keep = false;

try
{
    if (command == "replot")
    {
        // replot --in bench.json --out DIR: draws latency.png again from a saved bench.json.
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Option("--in") ?? Path.Combine(outDir, "bench.json")));
        var saved = doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => new Row(
            r.GetProperty("scenario").GetString()!, r.GetProperty("variant").GetString()!, r.GetProperty("participants").GetInt32(),
            r.GetProperty("offeredAnswersPerSecond").GetDouble(), r.GetProperty("answersPerSecond").GetDouble(), r.GetProperty("deliveriesPerSecond").GetDouble(),
            r.GetProperty("p50Ms").GetDouble(), r.GetProperty("p95Ms").GetDouble(), r.GetProperty("p99Ms").GetDouble(), r.GetProperty("serverCpuPercent").GetDouble(),
            r.GetProperty("memoryPerConnectionBytes").GetInt64(), r.GetProperty("missedFinalStates").GetInt32(), r.GetProperty("aggregatesExact").GetBoolean(),
            0, 0, 0, 0, Protocol: r.TryGetProperty("protocol", out var protocol) ? protocol.GetString()! : Protocols.Json,
            Client: r.TryGetProperty("client", out var client) ? client.GetString()! : Clients.Hub)).ToList();
        var n = doc.RootElement.GetProperty("sustained").GetProperty("participants").GetInt32();
        Report.Plot(saved.Where(r => r.Participants == n).ToList(), Path.Combine(outDir, "latency.png"), n);
        return 0;
    }

    if (command == "run")
    {
        var variant = Option("--variant") ?? "coalesced";
        var n = int.Parse(Option("--participants") ?? "300", CultureInfo.InvariantCulture);
        var steps = Option("--steady") is { } steady ? Steps(steady, s => [new Step(s[0], s[1])])
            : Option("--ramp") is { } ramp ? RampSteps(ramp)
            : Option("--burst") is { } burst ? Steps(burst, b => [new Step(b[0], b[2]), new Step(b[1], Math.Max(1, b[2] / 3)), new Step(b[0], b[2])])
            : [new Step(100, 10)];
        var rows = await runner.RunAsync(new Scenario("run", variant, n, steps, Option("--ramp") is not null, int.Parse(Option("--items") ?? "5", CultureInfo.InvariantCulture),
            Option("--protocol") ?? Protocols.Json, Changes: !Flag("--whole-items"), Facilitator: !Flag("--no-facilitator"), Http2: Flag("--http2"),
            Client: Option("--client") ?? Clients.Hub));
        Report.Write(rows, outDir, participantsForRatio: n, quick: true);
        return rows.All(r => r.MissedFinalStates == 0 && r.AggregatesExact) ? 0 : 1;
    }

    var ratioParticipants = quick ? 300 : 3000;
    // The coalesced ramp at 3,000 participants: in JSON, in MessagePack, and in MessagePack with bare clients.
    var coalescedRamp = Ramp(6, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000);
    // 20,000 sockets need more open files than some machines allow a process: then the held run goes over HTTP/2.
    var heldOverHttp2 = SocketsTooFew(20_000);
    // The naive baseline speaks JSON; the coalesced variant runs once per protocol (JSON and MessagePack side by side).
    List<Scenario> scenarios = quick
        ?
        [
            new("naive-300", "naive", 300, Ramp(2, 10, 30, 100, 200), Ramp: true),
            new("coalesced-300", "coalesced", 300, Ramp(2, 50, 200, 600, 1000), Ramp: true),
            new("coalesced-300-msgpack", "coalesced", 300, Ramp(2, 50, 200, 600, 1000), Ramp: true, Protocol: Protocols.MessagePack),
        ]
        :
        [
            new("naive-3000", "naive", 3000, Ramp(6, 2, 5, 10, 15, 20, 30, 40, 60, 80, 100), Ramp: true),
            new("coalesced-3000", "coalesced", 3000, coalescedRamp, Ramp: true),
            new("coalesced-3000-msgpack", "coalesced", 3000, coalescedRamp, Ramp: true, Protocol: Protocols.MessagePack),
            // The same with bare clients (BareFollower): what the server does when its 3,000 clients cost the load generator less.
            new("coalesced-3000-msgpack-bare", "coalesced", 3000, coalescedRamp, Ramp: true, Protocol: Protocols.MessagePack,
                Client: Clients.Bare),
            new("coalesced-1000", "coalesced", 1000, [new Step(1000, 15)], Ramp: false),
            new("naive-1000", "naive", 1000, [new Step(50, 8), new Step(100, 8)], Ramp: false),
            new("coalesced-10000", "coalesced", 10000, [new Step(2, 10), new Step(20, 10)], Ramp: false),
            new("coalesced-10000-msgpack", "coalesced", 10000, [new Step(2, 10), new Step(20, 10), new Step(100, 10)], Ramp: false, Protocol: Protocols.MessagePack),
            // 20,000 subscribed connections held (memory per connection), with answers flowing at a modest rate. Each
            // connection over HTTP/1.1 is a socket in the server and in the load generator; where the machine caps a
            // process's open files below what that takes, the WebSockets run over HTTP/2 (see SocketsTooFew).
            new(heldOverHttp2 ? "coalesced-20000-msgpack-h2" : "coalesced-20000-msgpack", "coalesced", 20_000, [new Step(2, 10), new Step(20, 10)], Ramp: false,
                Protocol: Protocols.MessagePack, Http2: heldOverHttp2),
        ];
    if (Option("--only") is { } only) scenarios = scenarios.Where(s => only.Split(',').Contains(s.Label)).ToList();
    // --whole-items: clients join with JoinRound and get whole items (the push before changes), not JoinRoundChanges.
    if (Flag("--whole-items")) scenarios = scenarios.Select(s => s with { Changes = false }).ToList();
    // --no-facilitator: no facilitator's screen follows the round (its pushes carry the live verdicts, judged every tick).
    if (Flag("--no-facilitator")) scenarios = scenarios.Select(s => s with { Facilitator = false }).ToList();
    // --protocol json|messagepack: only the coalesced runs in that protocol (the naive baseline always runs, in JSON).
    if (Option("--protocol") is { } protocol && protocol != "both")
        scenarios = scenarios.Where(s => s.Variant == "naive" || s.Protocol == protocol).ToList();

    Console.WriteLine($"Live push benchmark ({(quick ? "quick" : "full")}): server and load generator share this machine " +
                      $"({Environment.ProcessorCount} cores); load average at start {ProcStat.LoadAverage()}");
    if (!quick && heldOverHttp2)
        Console.WriteLine($"This machine caps a process's open files at {OpenFilesLimit():N0} (see /proc/self/limits), too few for 20,000 sockets and the files " +
                          $"a process needs besides: the 20,000 held connections are WebSockets over HTTP/2, {BenchServer.Http2StreamsPerConnection} to a TCP connection.");
    var all = new List<Row>();
    foreach (var s in scenarios) all.AddRange(await runner.RunAsync(s));
    Report.Write(all, outDir, ratioParticipants, quick);
    return all.All(r => r.MissedFinalStates == 0 && r.AggregatesExact) ? 0 : 1;
}
catch (Exception)
{
    // The servers' logs (server.log, server.log.err in a folder per run) say what went wrong on their side.
    Console.Error.WriteLine($"The run failed; the servers' databases and logs are kept in {work}");
    keep = true;
    throw;
}
finally
{
    if (!keep)
        try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}

// A process cannot hold more sockets than its open-files limit leaves room for, with 1,000 files to spare (the server's
// database, logs and runtime; the load generator's HTTP clients).
static bool SocketsTooFew(int connections) => OpenFilesLimit() < connections + 1_000;

static long OpenFilesLimit()
{
    var line = File.Exists("/proc/self/limits") ? File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal)) : null;
    return line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 3 } parts && long.TryParse(parts[3], out var n) ? n : long.MaxValue;
}

static List<Step> Ramp(double seconds, params double[] rates) => rates.Select(r => new Step(r, seconds)).ToList();

static List<Step> Steps(string spec, Func<double[], List<Step>> make) =>
    make(spec.Split(':').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray());

static List<Step> RampSteps(string spec)
{
    var parts = spec.Split(':');
    var seconds = double.Parse(parts[1], CultureInfo.InvariantCulture);
    return parts[0].Split(',').Select(r => new Step(double.Parse(r, CultureInfo.InvariantCulture), seconds)).ToList();
}

static string FindRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "DelphiRounds.sln"))) return d.FullName;
    return Directory.GetCurrentDirectory();
}

/// <summary>The table, bench.json, bench.txt and the plot.</summary>
internal static class Report
{
    public static void Write(List<Row> rows, string outDir, int participantsForRatio, bool quick)
    {
        var table = new StringBuilder();
        table.AppendLine($"{"variant",-10} {"protocol",-11} {"participants",12} {"offered/s",9} {"answers/s",9} {"deliveries/s",12} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"cpu %",6} {"mem/conn",9} {"missed",6} {"exact",5} {"load",5} {"release p50/p99 ms",19} {"screen change p50/p99 ms",25} {"B/delivery",10} {"KiB/s",8} {"tick ms",7} {"ws over",8} {"client",6}");
        foreach (var r in rows)
        {
            table.AppendLine($"{r.Variant,-10} {r.Protocol,-11} {r.Participants,12} {r.OfferedAnswersPerSecond,9:0} {r.AnswersPerSecond,9:0.0} {r.DeliveriesPerSecond,12:0} " +
                             $"{r.P50Ms,8:0.0} {r.P95Ms,8:0.0} {r.P99Ms,8:0.0} {r.ServerCpuPercent,6:0} {Kib(r.MemoryPerConnectionBytes),9} {r.MissedFinalStates,6} {(r.AggregatesExact ? "yes" : "no"),5} {r.LoadAverage1m,5:0.0} {$"{r.ReleaseP50Ms:0}/{r.ReleaseP99Ms:0}",19} {$"{r.ScreenChangeP50Ms:0}/{r.ScreenChangeP99Ms:0}",25} {r.BytesPerDelivery,10:0} {r.BytesPerSecond / 1024,8:0} {r.TickMaxMs,7:0} {r.Transport,8} {r.Client,6}");
        }
        Compare(rows, table);
        // The ratio compares the variants in the same protocol (JSON, the naive baseline's).
        double Sustained(string variant) => rows
            .Where(r => r.Variant == variant && r.Protocol == Protocols.Json && r.Participants == participantsForRatio && r.Sustained(Runner.SustainedP99Ms))
            .Select(r => r.AnswersPerSecond).DefaultIfEmpty(0).Max();
        var naive = Sustained("naive");
        var coalesced = Sustained("coalesced");
        var ratio = naive > 0 ? coalesced / naive : double.PositiveInfinity;
        table.AppendLine();
        table.AppendLine($"sustained (p99 <= {Runner.SustainedP99Ms} ms, >= 95 % of offered) at {participantsForRatio} participants: naive {naive:0.0}/s, coalesced {coalesced:0.0}/s");
        table.AppendLine("p50/p95/p99 = from the server accepting the newest answer in a push to a participant's client receiving it, for the pushes during the step");
        table.AppendLine("(and, for the last step, while its answers drain; not the close's final figures, which release what threshold release held back);");
        table.AppendLine("cpu % = server process CPU time / wall time (100 % = one core of " + Environment.ProcessorCount + "); mem/conn = server RSS growth / connections;");
        table.AppendLine("load = 1-minute load average of the machine at the end of the step (server, load generator and anything else running)");
        table.AppendLine("release = time from sending an answer to the first push of a release that includes it (threshold release, k = 3);");
        table.AppendLine(rows.Any(r => r.Variant == "coalesced") ? "clients follow changes (JoinRoundChanges: per item only what changed since its last push), as the browser does; --whole-items: whole items" : "");
        table.AppendLine("B/delivery = bytes of the StatsUpdated frames the clients received / pushes received (counted as they came off each connection,");
        table.AppendLine("the protocol's framing included, the WebSocket header not); KiB/s = those bytes per second, all clients together;");
        table.AppendLine("tick ms = the widest push tick the server had during the step (adaptive: Live:PushIntervalMs, 100 ms, widened up to");
        table.AppendLine("Live:MaxPushIntervalMs, 250 ms, while a tick's fan-out took longer than the tick; read from its /metrics every 250 ms);");
        table.AppendLine("client = each participant's client: hub (the .NET SignalR client) or bare (a WebSocket that speaks the MessagePack hub protocol itself);");
        table.AppendLine("ws over = what the hub's WebSockets ran over: http/1.1 (a socket each), or h2 (streams of HTTP/2 connections, RFC 8441);");
        table.AppendLine("screen change = per client, time between two consecutive changes of its screen while the step's answers flow (from the step's start, up to its end)");
        if (quick && participantsForRatio != 3000) table.AppendLine($"(quick run: the ratio below is measured at {participantsForRatio} participants)");
        var ratioText = naive > 0 ? ratio.ToString("0.0", CultureInfo.InvariantCulture)
            : coalesced > 0 ? "inf (naive sustained no step)" : "n/a (neither variant sustained a step)";
        table.AppendLine($"coalesced/naive sustained answers/s at 3000 participants: {ratioText}");
        Console.WriteLine();
        Console.Write(table);
        File.WriteAllText(Path.Combine(outDir, "bench.txt"), table.ToString());

        var json = new
        {
            machine = new { cores = Environment.ProcessorCount, shared = "server and load generator on the same machine", loadAverage = ProcStat.LoadAverage() },
            rows = rows.Select(r => new
            {
                variant = r.Variant, participants = r.Participants, answersPerSecond = r.AnswersPerSecond, deliveriesPerSecond = r.DeliveriesPerSecond,
                p50Ms = r.P50Ms, p95Ms = r.P95Ms, p99Ms = r.P99Ms, serverCpuPercent = r.ServerCpuPercent,
                memoryPerConnectionBytes = r.MemoryPerConnectionBytes, missedFinalStates = r.MissedFinalStates, aggregatesExact = r.AggregatesExact,
                releaseP50Ms = r.ReleaseP50Ms, releaseP99Ms = r.ReleaseP99Ms, screenChangeP50Ms = r.ScreenChangeP50Ms, screenChangeP99Ms = r.ScreenChangeP99Ms,
                offeredAnswersPerSecond = r.OfferedAnswersPerSecond, scenario = r.Scenario, stalePushes = r.StalePushes, refused = r.Refused, notSent = r.NotSent,
                loadAverage1m = r.LoadAverage1m, protocol = r.Protocol, bytesPerDelivery = r.BytesPerDelivery, bytesPerSecond = r.BytesPerSecond,
                tickMaxMs = r.TickMaxMs, tickWidenings = r.TickWidenings, changes = r.Changes, transport = r.Transport, client = r.Client,
            }),
            sustained = new { naive, coalesced, participants = participantsForRatio, p99LimitMs = Runner.SustainedP99Ms },
            ratio = double.IsFinite(ratio) ? Math.Round(ratio, 2) : (double?)null,
        };
        File.WriteAllText(Path.Combine(outDir, "bench.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        Plot(rows.Where(r => r.Participants == participantsForRatio).ToList(), Path.Combine(outDir, "latency.png"), participantsForRatio);
    }

    /// <summary>
    /// The coalesced variant in JSON and in MessagePack side by side, step by step at the same panel size and offered
    /// rate: bytes per delivery, bytes per second and the push latency of each.
    /// </summary>
    private static void Compare(List<Row> rows, StringBuilder table)
    {
        var pairs = rows.Where(r => r.Variant == "coalesced" && r.Protocol == Protocols.Json)
            .Select(j => (Json: j, Pack: rows.FirstOrDefault(m => m.Variant == "coalesced" && m.Protocol == Protocols.MessagePack && m.Client == Clients.Hub
                && m.Participants == j.Participants && m.OfferedAnswersPerSecond == j.OfferedAnswersPerSecond)))
            .Where(p => p.Pack is not null).ToList();
        if (pairs.Count == 0) return;
        table.AppendLine();
        table.AppendLine("coalesced, JSON and MessagePack side by side:");
        table.AppendLine($"{"participants",12} {"offered/s",9} {"B/delivery json",15} {"msgpack",8} {"smaller",7} {"KiB/s json",10} {"msgpack",8} {"p99 ms json",11} {"msgpack",8}");
        foreach (var (j, m) in pairs)
            table.AppendLine($"{j.Participants,12} {j.OfferedAnswersPerSecond,9:0} {j.BytesPerDelivery,15:0} {m!.BytesPerDelivery,8:0} {(m.BytesPerDelivery > 0 ? j.BytesPerDelivery / m.BytesPerDelivery : 0),6:0.0}× " +
                             $"{j.BytesPerSecond / 1024,10:0} {m.BytesPerSecond / 1024,8:0} {j.P99Ms,11:0.0} {m.P99Ms,8:0.0}");
    }

    private static string Kib(long bytes) => $"{bytes / 1024.0:0.0} KiB";

    public static void Plot(List<Row> rows, string file, int participants)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (variant, protocol, client, label, color) in new[]
                 {
                     ("naive", Protocols.Json, Clients.Hub, "naive", ScottPlot.Colors.OrangeRed), ("coalesced", Protocols.Json, Clients.Hub, "coalesced (JSON)", ScottPlot.Colors.SteelBlue),
                     ("coalesced", Protocols.MessagePack, Clients.Hub, "coalesced (MessagePack)", ScottPlot.Colors.SeaGreen),
                     ("coalesced", Protocols.MessagePack, Clients.Bare, "coalesced (MessagePack, bare clients)", ScottPlot.Colors.DarkGoldenRod),
                 })
        {
            var points = rows.Where(r => r.Variant == variant && r.Protocol == protocol && r.Client == client && r.P99Ms > 0 && r.AnswersPerSecond > 0).OrderBy(r => r.OfferedAnswersPerSecond).ToList();
            if (points.Count == 0) continue;
            var s = plot.Add.Scatter(points.Select(r => Math.Log10(r.AnswersPerSecond)).ToArray(), points.Select(r => Math.Log10(r.P99Ms)).ToArray());
            s.LegendText = label;
            s.Color = color;
            s.LineWidth = 2;
            s.MarkerSize = 8;
        }
        var limit = plot.Add.HorizontalLine(Math.Log10(Runner.SustainedP99Ms));
        limit.LinePattern = ScottPlot.LinePattern.Dashed;
        limit.Color = ScottPlot.Colors.Gray;
        limit.LegendText = "p99 = 500 ms";
        foreach (var axis in new ScottPlot.IAxis[] { plot.Axes.Left, plot.Axes.Bottom })
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (var v in new[] { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000 })
                ticks.AddMajor(Math.Log10(v), v.ToString("N0", CultureInfo.InvariantCulture));
            axis.TickGenerator = ticks;
        }
        var shown = rows.Where(r => r.P99Ms > 0 && r.AnswersPerSecond > 0).ToList();
        if (shown.Count > 0)
        {
            plot.Axes.SetLimitsX(Math.Log10(shown.Min(r => r.AnswersPerSecond)) - 0.15, Math.Log10(shown.Max(r => r.AnswersPerSecond)) + 0.15);
            plot.Axes.SetLimitsY(Math.Log10(Math.Min(shown.Min(r => r.P99Ms), Runner.SustainedP99Ms)) - 0.15,
                Math.Log10(Math.Max(shown.Max(r => r.P99Ms), Runner.SustainedP99Ms)) + 0.15);
        }
        plot.Title($"Push latency p99 against answers/s, {participants} participants");
        plot.XLabel("answers/s achieved (log)");
        plot.YLabel("p99 push latency, ms (log)");
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.SavePng(file, 900, 560);
    }
}
