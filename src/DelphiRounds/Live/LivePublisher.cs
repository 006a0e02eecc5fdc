using DelphiRounds.Rounds;
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
    ILogger<LivePublisher> logger, TimeProvider time, Hosting.DelphiTelemetry telemetry) : BackgroundService
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
        foreach (var (roundId, mode, items) in aggregates.TakeDirty())
        {
            var update = new StatsUpdate(roundId, items);
            switch (mode)
            {
                case RoundModes.Live:
                    await hub.Clients.Groups(LiveGroups.Participants(roundId), LiveGroups.Facilitators(roundId)).StatsUpdated(update);
                    break;
                case RoundModes.Blind:
                    // Participants see an item's aggregate only once they answered it: one message per item
                    // to that item's revealed group.
                    await hub.Clients.Group(LiveGroups.Facilitators(roundId)).StatsUpdated(update);
                    foreach (var item in items)
                        await hub.Clients.Group(LiveGroups.Revealed(roundId, item.ItemId)).StatsUpdated(new StatsUpdate(roundId, [item]));
                    break;
                default:
                    // Classic: participants see the aggregates only when the round has closed.
                    await hub.Clients.Group(LiveGroups.Facilitators(roundId)).StatsUpdated(update);
                    break;
            }
            telemetry.Pushed(items);
        }
    }
}
