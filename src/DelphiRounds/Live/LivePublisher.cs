using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Live;

/// <summary>
/// Pushes changed aggregates to each round's SignalR groups at most every <see cref="LiveOptions.PushIntervalMs"/>,
/// all changed items of a round in one message: the cost grows with connections × ticks, not with answers.
/// The hub only joins groups; this service does the sending.
/// </summary>
public sealed class LivePublisher(
    LiveAggregates aggregates, IHubContext<LiveHub, ILiveClient> hub, IOptions<LiveOptions> options,
    ILogger<LivePublisher> logger, TimeProvider time, ILiveFanOut fanOut) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.PushIntervalMs), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PublishDirtyAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Publishing live aggregates failed; the next tick tries again");
            }
        }
    }

    /// <summary>Sends every changed item of every round now.</summary>
    public async Task PublishDirtyAsync()
    {
        var dirty = aggregates.TakeDirty();
        // Scaled out, one instance pushes for all (see RedisFanOut); the others only keep their aggregates current.
        if (!fanOut.IsPublisher) return;
        foreach (var (roundId, items) in dirty)
        {
            var update = new StatsUpdate(roundId, items);
            await hub.Clients.Groups(LiveGroups.Participants(roundId), LiveGroups.Facilitators(roundId)).StatsUpdated(update);
        }
    }
}
