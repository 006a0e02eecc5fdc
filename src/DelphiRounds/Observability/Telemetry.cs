using System.Net;
using DelphiRounds.Kernel;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace DelphiRounds.Observability;

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

/// <summary>
/// Wires OpenTelemetry once: every meter a feature owns (<c>DelphiRounds.*</c>: Answers, Live) plus ASP.NET Core's and the runtime's,
/// exported for Prometheus at <c>/metrics</c>.
/// </summary>
public static class TelemetrySetup
{
    public static IServiceCollection AddDelphiTelemetry(this IServiceCollection services)
    {
        services.AddSettings<MetricsOptions>(MetricsOptions.Section, o =>
                o.AllowedNetworks.Where(n => !IPNetwork.TryParse(n, out _))
                    .Select(n => $"AllowedNetworks: '{n}' is not a network in CIDR notation (e.g. 10.0.0.0/8)"))
            .PostConfigure(o => { if (o.AllowedNetworks.Length == 0) o.AllowedNetworks = MetricsOptions.DefaultNetworks; });
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("DelphiRounds"))
            .WithMetrics(m => m
                .AddMeter("DelphiRounds.*")
                // The runtime's own meter: garbage collections and their pauses, thread pool, JIT, memory.
                .AddMeter("System.Runtime")
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
