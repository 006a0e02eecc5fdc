using DelphiRounds.Answers;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Privacy;
using DelphiRounds.Rounds;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DelphiRounds.Live;

public static class LiveSetup
{
    /// <summary>The Redis connection string that switches on scale-out (SignalR backplane + answer fan-out).</summary>
    public const string RedisConnectionName = "Redis";

    public static IServiceCollection AddLive(this IServiceCollection services)
    {
        services.AddSettings<LiveOptions>(LiveOptions.Section);
        // JSON and MessagePack (LiveWire: short keys, no nulls); the client chooses in its handshake. A frame over
        // 32 KiB or one that does not parse ends that connection only.
        services.AddSignalR(o => o.MaximumReceiveMessageSize = 32 * 1024)
            .AddMessagePackProtocol(o => o.SerializerOptions = LiveWire.Options);
        services.AddSingleton<LiveAggregates>().AddSingleton<LiveReleaseStore>().AddSingleton<LiveAccess>().AddSingleton<LiveClients>();
        services.AddSingleton<LivePublisher>();
        services.AddSingleton<LiveMetrics>().AddSingleton<ConnectionCountingFilter>();
        services.AddSingleton<LiveConnections>().AddSingleton<LiveHubFilter>();
        services.Configure<HubOptions>(o =>
        {
            o.AddFilter<ConnectionCountingFilter>();
            o.AddFilter<LiveHubFilter>();
        });
        // LiveHubFilter logs hub failures itself (a refusal at Information, sampled); the dispatcher's own line is an
        // Error with a stack trace for every refused call.
        services.Configure<LoggerFilterOptions>(o => o.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.None));
        services.AddSingleton<LiveSubscriptions>()
            .AddSingleton<IEventHandler<AnswerAccepted>>(sp => sp.GetRequiredService<LiveSubscriptions>())
            .AddSingleton<IEventHandler<RoundOpened>>(sp => sp.GetRequiredService<LiveSubscriptions>())
            .AddSingleton<IEventHandler<RoundClosed>>(sp => sp.GetRequiredService<LiveSubscriptions>())
            .AddSingleton<IEventHandler<ParticipantTokenRevoked>>(sp => sp.GetRequiredService<LiveSubscriptions>())
            .AddSingleton<IEventHandler<ParticipantErased>>(sp => sp.GetRequiredService<LiveSubscriptions>());
        services.AddHostedService(sp => sp.GetRequiredService<LivePublisher>());
        services.AddLiveScaleOut();
        return services;
    }

    /// <summary>
    /// With <c>ConnectionStrings:Redis</c> set: the SignalR Redis backplane for <c>/hubs/live</c> and the
    /// <see cref="RedisFanOut"/>; without it, one instance on its own.
    /// </summary>
    private static void AddLiveScaleOut(this IServiceCollection services)
    {
        static string? Redis(IServiceProvider sp) =>
            sp.GetRequiredService<IConfiguration>().GetConnectionString(RedisConnectionName) is { Length: > 0 } c ? c : null;

        services.AddSingleton<RedisFanOut>(sp => ActivatorUtilities.CreateInstance<RedisFanOut>(sp, Redis(sp)!));
        services.AddSingleton<ILiveFanOut>(sp => Redis(sp) is null ? new SingleInstanceFanOut() : sp.GetRequiredService<RedisFanOut>());
        services.AddHostedService(sp => new ScaleOutService(Redis(sp) is null ? null : sp.GetRequiredService<RedisFanOut>()));

        services.AddOptions<RedisOptions>().Configure<IServiceProvider>((o, sp) =>
        {
            if (Redis(sp) is not { } c) return;
            o.Configuration = RedisFanOut.Options(c);
            o.Configuration.ChannelPrefix = RedisChannel.Literal("delphi:signalr");
        });
        services.AddSingleton<HubLifetimeManager<LiveHub>>(sp => Redis(sp) is null
            ? new DefaultHubLifetimeManager<LiveHub>(sp.GetRequiredService<ILogger<DefaultHubLifetimeManager<LiveHub>>>())
            : new RedisHubLifetimeManager<LiveHub>(
                sp.GetRequiredService<ILogger<RedisHubLifetimeManager<LiveHub>>>(), sp.GetRequiredService<IOptions<RedisOptions>>(),
                sp.GetRequiredService<IHubProtocolResolver>(), sp.GetRequiredService<IOptions<HubOptions>>(),
                sp.GetRequiredService<IOptions<HubOptions<LiveHub>>>()));
    }

    /// <summary>Starts and stops the <see cref="RedisFanOut"/> when there is one.</summary>
    private sealed class ScaleOutService(RedisFanOut? fanOut) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => fanOut?.StartAsync(cancellationToken) ?? Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => fanOut?.StopAsync(cancellationToken) ?? Task.CompletedTask;
    }

    public static void MapLive(this IEndpointRouteBuilder app)
    {
        app.MapHub<LiveHub>("/hubs/live");
        app.MapLiveStats();
    }
}
