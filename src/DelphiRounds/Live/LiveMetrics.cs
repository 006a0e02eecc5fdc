using System.Diagnostics;
using System.Diagnostics.Metrics;
using DelphiRounds.Accounts;
using Microsoft.AspNetCore.SignalR;

namespace DelphiRounds.Live;

/// <summary>
/// The <c>DelphiRounds.Live</c> meter: connections, push latency, the publisher's queue depth and its tick (Prometheus:
/// <c>delphi_live_connections</c>, <c>delphi_live_push_latency_milliseconds</c>, <c>delphi_live_queue_depth</c>,
/// <c>delphi_live_tick_interval_milliseconds</c>, <c>delphi_live_tick_changes_total</c>).
/// </summary>
public sealed class LiveMetrics
{
    public const string MeterName = "DelphiRounds.Live";

    private readonly UpDownCounter<long> _connections;
    private readonly Histogram<double> _pushLatency;
    private readonly Histogram<double> _releaseDelay;
    private readonly Counter<long> _tickChanges;

    public LiveMetrics(IMeterFactory meters, IServiceProvider services)
    {
        var live = meters.Create(MeterName);
        _connections = live.CreateUpDownCounter<long>("delphi.live.connections", "{connection}",
            "Browsers and clients connected to /hubs/live, by role (participant or facilitator).");
        _pushLatency = live.CreateHistogram<double>("delphi.live.push_latency", "ms",
            "Time from an answer's acceptance to the push that carries its new aggregate.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 25, 50, 100, 150, 250, 500, 1000, 2500, 5000] });
        _releaseDelay = live.CreateHistogram<double>("delphi.live.release_delay", "ms",
            "Time from an answer's acceptance to the release that includes it (threshold release waits for k changes).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 25, 50, 100, 150, 250, 500, 1000, 2500, 5000, 10000, 30000] });
        // The queue: items whose aggregate changed and waits for the publisher's next tick (read when scraped).
        live.CreateObservableGauge("delphi.live.queue_depth", () => services.GetRequiredService<LiveAggregates>().DirtyItemCount(),
            "{item}", "Items with a changed aggregate waiting for the next push.");
        live.CreateObservableGauge("delphi.live.tick_interval", () => services.GetRequiredService<LivePublisher>().TickIntervalMs,
            "ms", "The publisher's tick now: Live:PushIntervalMs, wider (up to Live:MaxPushIntervalMs) while a tick's fan-out does not finish within it.");
        _tickChanges = live.CreateCounter<long>("delphi.live.tick_changes", "{change}",
            "Times the publisher's tick widened (direction=wider: a fan-out took longer than its tick) or narrowed again (direction=narrower).");
    }

    /// <summary>The publisher's tick widened or narrowed.</summary>
    public void TickChanged(bool wider) => _tickChanges.Add(1, new KeyValuePair<string, object?>("direction", wider ? "wider" : "narrower"));

    public void Connected(string role) => _connections.Add(1, new KeyValuePair<string, object?>("role", role));

    public void Disconnected(string role) => _connections.Add(-1, new KeyValuePair<string, object?>("role", role));

    /// <summary>A change released: its delay from acceptance (a <c>Stopwatch</c> timestamp).</summary>
    public void Released(long acceptedTimestamp) => _releaseDelay.Record(Stopwatch.GetElapsedTime(acceptedTimestamp).TotalMilliseconds);

    /// <summary>A push went out: the latency of each item from its newest answer's acceptance (items loaded from the database have none).</summary>
    public void Pushed(IEnumerable<ItemStats> items)
    {
        foreach (var item in items)
            if (item.AcceptedTimestamp > 0)
                _pushLatency.Record(Stopwatch.GetElapsedTime(item.AcceptedTimestamp).TotalMilliseconds);
    }
}

/// <summary>Counts hub connections per role without touching the hub itself.</summary>
internal sealed class ConnectionCountingFilter(LiveMetrics metrics) : IHubFilter
{
    private static string Role(HubLifetimeContext context) =>
        context.Context.User?.IsInRole(Auth.FacilitatorRole) == true ? "facilitator" : "participant";

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        metrics.Connected(Role(context));
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        metrics.Disconnected(Role(context));
        await next(context, exception);
    }
}
