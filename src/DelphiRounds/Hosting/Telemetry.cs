using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using DelphiRounds.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace DelphiRounds.Hosting;

/// <summary>
/// DelphiRounds' own OpenTelemetry instruments, all in one place. Meters: <c>DelphiRounds.Answers</c>
/// (answers accepted) and <c>DelphiRounds.Live</c> (connections, push latency, publisher queue depth).
/// Prometheus reads them at <c>/metrics</c> as <c>delphi_answers_accepted_total</c>,
/// <c>delphi_live_connections</c>, <c>delphi_live_push_latency_milliseconds</c> and <c>delphi_live_queue_depth</c>.
/// </summary>
public sealed class DelphiTelemetry
{
    public const string AnswersMeter = "DelphiRounds.Answers";
    public const string LiveMeter = "DelphiRounds.Live";

    private readonly Counter<long> _answers;
    private readonly UpDownCounter<long> _connections;
    private readonly Histogram<double> _pushLatency;

    public DelphiTelemetry(IMeterFactory meters, IServiceProvider services)
    {
        var answers = meters.Create(AnswersMeter);
        var live = meters.Create(LiveMeter);
        _answers = answers.CreateCounter<long>("delphi.answers.accepted", "{answer}",
            "Answers and revisions accepted (stored and acknowledged); its rate is answers per second.");
        _connections = live.CreateUpDownCounter<long>("delphi.live.connections", "{connection}",
            "Browsers and clients connected to /hubs/live, by role (participant or facilitator).");
        _pushLatency = live.CreateHistogram<double>("delphi.live.push_latency", "ms",
            "Time from an answer's acceptance to the push that carries its new aggregate.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 25, 50, 100, 150, 250, 500, 1000, 2500, 5000] });
        // The queue: items whose aggregate changed and waits for the publisher's next tick (read when scraped).
        live.CreateObservableGauge("delphi.live.queue_depth", () => services.GetRequiredService<LiveAggregates>().DirtyItemCount(),
            "{item}", "Items with a changed aggregate waiting for the next push.");
    }

    /// <summary>An answer or revision was stored (not a replay of an idempotent retry).</summary>
    public void AnswerAccepted(string itemKind) => _answers.Add(1, new KeyValuePair<string, object?>("kind", itemKind));

    public void Connected(string role) => _connections.Add(1, new KeyValuePair<string, object?>("role", role));

    public void Disconnected(string role) => _connections.Add(-1, new KeyValuePair<string, object?>("role", role));

    /// <summary>A push went out: the latency of each item from its newest answer's acceptance (items loaded from the database have none).</summary>
    public void Pushed(IEnumerable<ItemStats> items)
    {
        foreach (var item in items)
            if (item.AcceptedTimestamp > 0)
                _pushLatency.Record(Stopwatch.GetElapsedTime(item.AcceptedTimestamp).TotalMilliseconds);
    }
}

/// <summary>Settings of <c>/metrics</c>. Bound from the <c>Metrics</c> section.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serve Prometheus metrics at <c>/metrics</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Networks (CIDR) that may read <c>/metrics</c>; others get 404. The default is this machine and the
    /// private ranges: metrics are for the internal network, not for the internet.
    /// </summary>
    /// <remarks>Empty means <see cref="DefaultNetworks"/> (configuration would add to a non-empty default rather than replace it).</remarks>
    public string[] AllowedNetworks { get; set; } = [];

    public static readonly string[] DefaultNetworks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];
}

/// <summary>Counts hub connections per role without touching the hub itself.</summary>
internal sealed class ConnectionCountingFilter(DelphiTelemetry telemetry) : IHubFilter
{
    private static string Role(HubLifetimeContext context) =>
        context.Context.User?.IsInRole(Accounts.Auth.FacilitatorRole) == true ? "facilitator" : "participant";

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        telemetry.Connected(Role(context));
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        telemetry.Disconnected(Role(context));
        await next(context, exception);
    }
}

public static class TelemetrySetup
{
    public static IServiceCollection AddDelphiTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<DelphiTelemetry>();
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section)
            .PostConfigure(o => { if (o.AllowedNetworks.Length == 0) o.AllowedNetworks = MetricsOptions.DefaultNetworks; });
        services.AddSingleton<IValidateOptions<MetricsOptions>>(new SettingsValidator<MetricsOptions>(MetricsOptions.Section, o =>
            o.AllowedNetworks.Where(n => !IPNetwork.TryParse(n, out _))
                .Select(n => $"AllowedNetworks: '{n}' is not a network in CIDR notation (e.g. 10.0.0.0/8)")));
        services.AddOptions<MetricsOptions>().ValidateOnStart();
        services.Configure<HubOptions>(o => o.AddFilter<ConnectionCountingFilter>());
        services.AddSingleton<ConnectionCountingFilter>();
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("DelphiRounds"))
            .WithMetrics(m => m
                .AddMeter(DelphiTelemetry.AnswersMeter, DelphiTelemetry.LiveMeter)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        return services;
    }

    /// <summary><c>GET /metrics</c> (Prometheus text format), only from the allowed networks.</summary>
    public static void MapDelphiMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled) return;
        var networks = options.AllowedNetworks.Select(n => IPNetwork.Parse(n)).ToArray();
        // Runs after routing, before the endpoint: other addresses learn nothing, not even that it exists.
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/metrics"))
            {
                var remote = context.Connection.RemoteIpAddress;
                if (remote is { IsIPv4MappedToIPv6: true }) remote = remote.MapToIPv4();
                if (remote is null || !networks.Any(n => n.Contains(remote)))
                {
                    await Problems.NotFound("path", "There is nothing at /metrics in this API; check the address.").ExecuteAsync(context);
                    return;
                }
            }
            await next(context);
        });
        app.MapPrometheusScrapingEndpoint("/metrics")
            .AllowAnonymous().ExcludeFromDescription();
    }
}
