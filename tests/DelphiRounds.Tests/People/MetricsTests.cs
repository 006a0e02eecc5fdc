using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.People;

/// <summary>
/// The metrics tests run alone, after the others. Every test app in this process makes instruments of the
/// same names (one host per process in production); an OpenTelemetry provider keeps the first instrument of
/// a name it sees and drops the others, so with other apps alive this app's scrape could show theirs, or
/// nothing once theirs are disposed.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics, alone";
}

/// <summary>
/// <c>/metrics</c>: Prometheus text with DelphiRounds' own OpenTelemetry instruments — answers accepted,
/// connected participants, push latency and the publisher's queue — readable only from the allowed networks.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    /// <summary>The value of the first sample of a metric whose line matches (name and labels), or null.</summary>
    public static double? Sample(string scrape, string metric, string? label = null)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(metric, StringComparison.Ordinal)) continue;
            var rest = line[metric.Length..];
            if (rest.Length > 0 && rest[0] is not ('{' or ' ')) continue;
            if (label is not null && !line.Contains(label, StringComparison.Ordinal)) continue;
            var value = line[(line.LastIndexOf('}') is var b and >= 0 ? b + 1 : metric.Length)..].Trim().Split(' ')[0];
            return double.Parse(value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    private async Task<string> ScrapeUntilAsync(Func<string, bool> done)
    {
        var client = app.Client();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string text;
        do
        {
            var response = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            if (done(text)) return text;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        return text;
    }

    [Fact]
    public async Task Answers_connections_push_latency_and_queue_depth_are_exported_for_Prometheus()
    {
        var s = await Scenario.CreateAsync(app);
        var before = Sample(await ScrapeUntilAsync(_ => true), "delphi_answers_accepted_total", "kind=\"rating\"") ?? 0;

        await using var hub = app.Hub(s.Participants[0].Token);
        var pushed = new TaskCompletionSource();
        hub.On<object>("StatsUpdated", _ => pushed.TrySetResult());
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", s.RoundId);

        for (var i = 1; i <= 5; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = i }), HttpStatusCode.Created);
        await pushed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var scrape = await ScrapeUntilAsync(t =>
            Sample(t, "delphi_answers_accepted_total", "kind=\"rating\"") >= before + 5 && Sample(t, "delphi_live_push_latency_milliseconds_count") > 0
            && Sample(t, "delphi_live_connections", "role=\"participant\"") >= 1);
        Assert.True(Sample(scrape, "delphi_answers_accepted_total", "kind=\"rating\"") >= before + 5, scrape);
        Assert.True(Sample(scrape, "delphi_live_connections", "role=\"participant\"") >= 1, scrape);
        Assert.True(Sample(scrape, "delphi_live_push_latency_milliseconds_count") > 0, scrape);
        Assert.Matches(new Regex(@"^delphi_live_push_latency_milliseconds_bucket\{.*le=""100"".*\} \d+", RegexOptions.Multiline), scrape);
        Assert.NotNull(Sample(scrape, "delphi_live_queue_depth"));
        // The runtime's own: the time paused for garbage collections and the time spent compiling (the benchmark reads both).
        Assert.NotNull(Sample(scrape, "dotnet_gc_pause_time_seconds_total"));
        Assert.True(Sample(scrape, "dotnet_jit_compilation_time_seconds_total") > 0, scrape);
        // A replayed answer (same idempotency key) is not counted twice. Other test classes' servers run in this
        // process too, so this counts with a listener on this app's own meter (IMeterFactory scopes it).
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        long counted = 0;
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "delphi.answers.accepted") l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
            listener.Start();
            var key = Guid.NewGuid().ToString("N");
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[6].Token, s.RoundId, new { itemId = s.FivePointItem, value = 3, idempotencyKey = key }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[6].Token, s.RoundId, new { itemId = s.FivePointItem, value = 3, idempotencyKey = key }), HttpStatusCode.OK);
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[6].Token, s.RoundId, new { itemId = s.FivePointItem, value = 4 }), HttpStatusCode.Created);
        }
        Assert.Equal(2, Interlocked.Read(ref counted));

        // Disconnecting lowers the count of connected participants again (measured on this app's meter, as above).
        long connections = 0;
        var measured = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "delphi.live.connections") l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => { Interlocked.Add(ref connections, value); measured.TrySetResult(); });
            listener.Start();
            await hub.StopAsync();
            await measured.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }
        Assert.Equal(-1, Interlocked.Read(ref connections));
    }

    [Fact]
    public async Task Metrics_are_hidden_from_addresses_outside_the_allowed_networks()
    {
        using var restricted = new SettingsApp(new() { ["Metrics:AllowedNetworks:0"] = "10.0.0.0/8" });
        var response = await restricted.Client().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("delphi_", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await app.Client().GetAsync("/metrics")).StatusCode);
    }
}

/// <summary>The app with a few settings of a test's own.</summary>
public sealed class SettingsApp(Dictionary<string, string?> settings) : DelphiApp
{
    protected override IDictionary<string, string?> Settings => settings;
}
