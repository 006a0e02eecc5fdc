using DelphiRounds.Rounds;

namespace DelphiRounds.Live;

public static class LiveSetup
{
    public static IServiceCollection AddLive(this IServiceCollection services)
    {
        services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSignalR(o => o.MaximumReceiveMessageSize = 32 * 1024);
        services.AddSingleton<LiveAggregates>().AddSingleton<LiveAccess>().AddSingleton<DashboardReader>();
        services.AddSingleton<LivePublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<LivePublisher>());
        return services;
    }

    public static void MapLive(this IEndpointRouteBuilder app) => app.MapHub<LiveHub>("/hubs/live");
}
