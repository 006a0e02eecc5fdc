using System.Diagnostics;
using System.Diagnostics.Metrics;
using DelphiRounds.Rounds;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Live;

/// <summary>
/// Pushes released aggregates (see <see cref="RoundAggregate.Release"/>) to each round's SignalR groups at most every <see cref="LiveOptions.PushIntervalMs"/>,
/// all changed items of a round in one message: the cost grows with connections × ticks, not with answers.
/// The hub only joins groups; this service decides what goes to whom, <see cref="LiveClients"/> sends it.
/// </summary>
public sealed class LivePublisher(
    LiveAggregates aggregates, LiveClients clients, IOptions<LiveOptions> options,
    ILogger<LivePublisher> logger, TimeProvider time, ILiveFanOut fanOut, LiveMetrics metrics, IServiceProvider services) : BackgroundService
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

    /// <summary>Meter of the live pushes (see with <c>dotnet-counters monitor --counters DelphiRounds.Live</c>).</summary>
    public const string MeterName = "DelphiRounds.Live";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> TickMs = Meter.CreateHistogram<double>("delphi.live.publish.duration", "ms", "Time to take the changed items and hand one push per round to every connection");
    private static readonly Counter<long> ItemsPushed = Meter.CreateCounter<long>("delphi.live.items.pushed", "{item}", "Item aggregates pushed (per round message, not per recipient)");

    /// <summary>
    /// Releases and sends every item of every round that has enough changes now; a closing round's final
    /// figures go out whatever their number of changes (see docs/privacy.md, "At the close").
    /// </summary>
    public async Task PublishDirtyAsync(long? closingRoundId = null)
    {
        var started = Stopwatch.GetTimestamp();
        // Released, and stored before anyone sees them: a restart, a takeover and every other instance go on from
        // these figures (issue 15).
        var dirty = await aggregates.TakeDirtyAsync(closingRoundId);
        foreach (var (roundId, mode, stats) in dirty)
        {
            // Scaled out, one instance pushes for all (see RedisFanOut); the others only keep their aggregates
            // current — except for the final figures of a round closed here, which the publisher may still hold.
            if (!fanOut.IsPublisher && roundId != closingRoundId) continue;
            var items = stats.Select(LiveItem.From).ToList();
            // The facilitators' items carry each one's verdict on the figures just released (participants' copies drop it).
            if (roundId != closingRoundId) items = await WithVerdictsAsync(roundId, items);
            var update = new StatsUpdate(roundId, items);
            ItemsPushed.Add(items.Count);
            switch (mode)
            {
                case RoundModes.Live:
                    await clients.StatsToRoundAsync(update);
                    break;
                case RoundModes.Blind:
                    // Participants see an item's aggregate only once they answered it: one message per item
                    // to that item's revealed group.
                    await clients.StatsToFacilitatorsAsync(update);
                    foreach (var item in items) await clients.StatsToRevealedAsync(roundId, item);
                    break;
                default:
                    // Classic: participants see the aggregates only when the round has closed.
                    await clients.StatsToFacilitatorsAsync(update);
                    break;
            }
            metrics.Pushed(stats);
        }
        if (dirty.Count > 0) TickMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// The open round's items with their verdicts as the convergence page judges them live. Without them (no
    /// convergence in this host, or they cannot be read) the figures still go out.
    /// </summary>
    private async Task<List<LiveItem>> WithVerdictsAsync(long roundId, List<LiveItem> items)
    {
        if (services.GetService<IOpenRoundVerdicts>() is not { } judge) return items;
        try
        {
            var verdicts = await judge.ForOpenRoundAsync(roundId);
            return verdicts.Count == 0 ? items : items.Select(i => i with { Verdict = verdicts.GetValueOrDefault(i.ItemId) }).ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Judging open round {RoundId} for its facilitators failed; its figures go out without verdicts", roundId);
            return items;
        }
    }
}
