using System.Diagnostics;
using System.Diagnostics.Metrics;
using DelphiRounds.Rounds;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Live;

/// <summary>
/// Pushes released aggregates (see <see cref="RoundAggregate.Release"/>) to each round's SignalR groups once per tick,
/// every <see cref="LiveOptions.PushIntervalMs"/> or wider under load (<see cref="AdaptiveTick"/>), all changed items of a round in one message: the cost grows with connections × ticks, not with answers.
/// The hub only joins groups; this service decides what goes to whom, <see cref="LiveClients"/> sends it.
/// </summary>
public sealed class LivePublisher(
    LiveAggregates aggregates, LiveClients clients, IOptions<LiveOptions> options,
    ILogger<LivePublisher> logger, TimeProvider time, ILiveFanOut fanOut, LiveMetrics metrics, IServiceProvider services,
    LiveConnections connections) : BackgroundService
{
    private readonly AdaptiveTick _tick = new(options.Value.PushIntervalMs, options.Value.MaxPushIntervalMs);

    /// <summary>The tick now (the <c>delphi.live.tick_interval</c> metric): <see cref="LiveOptions.PushIntervalMs"/>, wider under load.</summary>
    public int TickIntervalMs => _tick.IntervalMs;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var next = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            // A tick starts one interval after the one before it, at once when its work took longer than that.
            next += (long)(TimeSpan.FromMilliseconds(_tick.IntervalMs).TotalSeconds * time.TimestampFrequency);
            var wait = TimeSpan.FromSeconds((double)(next - time.GetTimestamp()) / time.TimestampFrequency);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, stoppingToken);
            else next = time.GetTimestamp();
            var started = time.GetTimestamp();
            var pushed = false;
            try
            {
                pushed = await PublishDirtyAsync();
                if (pushed && options.Value.TestSlowFanOutMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(options.Value.TestSlowFanOutMs), time, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Publishing live aggregates failed; the next tick tries again");
            }
            Adapt(pushed ? time.GetElapsedTime(started).TotalMilliseconds : 0);
        }
    }

    private void Adapt(double workMs)
    {
        var was = _tick.IntervalMs;
        var change = _tick.After(workMs);
        if (change == 0) return;
        metrics.TickChanged(change > 0);
        if (was == _tick.BaseMs)
            logger.LogInformation("The live fan-out took {WorkMs:0} ms, more than its tick of {TickMs} ms: the tick widens to {NewTickMs} ms", workMs, was, _tick.IntervalMs);
        else if (_tick.IntervalMs == _tick.BaseMs)
            logger.LogInformation("The live fan-out fits its tick again: back to {TickMs} ms", _tick.IntervalMs);
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
    /// <returns>Whether anything was pushed.</returns>
    public async Task<bool> PublishDirtyAsync(long? closingRoundId = null)
    {
        // One publication at a time (the tick and a round's close): each item's pushes leave in order, so a change is
        // always sent after the push it was computed against.
        await _publishing.WaitAsync();
        try
        {
            return await PublishDirtyOnceAsync(closingRoundId);
        }
        finally
        {
            _publishing.Release();
        }
    }

    private readonly SemaphoreSlim _publishing = new(1, 1);

    // The last push of every item (round, item), what the next push's changes are computed against.
    private readonly Dictionary<(long RoundId, long ItemId), LiveItem> _pushed = [];

    /// <summary>
    /// The push as clients that follow changes get it: per item what changed since its last push, or the whole item
    /// (the first push, and always the final figures of a closing round).
    /// </summary>
    private StatsUpdate Changes(StatsUpdate update, bool closing)
    {
        var items = new List<LiveItem>(update.Items.Count);
        foreach (var item in update.Items)
        {
            var key = (update.RoundId, item.ItemId);
            items.Add(closing ? item : item.ChangesSince(_pushed.GetValueOrDefault(key)) ?? item);
            _pushed[key] = item;
        }
        if (closing) foreach (var item in update.Items) _pushed.Remove((update.RoundId, item.ItemId));
        return update with { Items = items };
    }

    private async Task<bool> PublishDirtyOnceAsync(long? closingRoundId)
    {
        var started = Stopwatch.GetTimestamp();
        // Released, and stored before anyone sees them: a restart, a takeover and every other instance go on from
        // these figures (issue 15).
        // Scaled out, one instance pushes for all (see RedisFanOut); the others only keep their aggregates current —
        // except for the final figures of a round closed here, which the publisher may still hold. Asked once per tick:
        // what this tick released and stored is pushed, also when the lease's hold ran out while it was stored (asked
        // again, a busy machine could store a release and then skip its push: the clients never got it, while the stats
        // endpoint served it).
        var publishing = fanOut.IsPublisher;
        var dirty = await aggregates.TakeDirtyAsync(closingRoundId, publishing);
        foreach (var (roundId, mode, stats) in dirty)
        {
            var closing = roundId == closingRoundId;
            var update = new StatsUpdate(roundId, stats.Select(LiveItem.From).ToList());
            var changes = Changes(update, closing);
            ItemsPushed.Add(update.Items.Count);
            // The facilitators' items carry each one's verdict on the figures just released; judging them takes a few
            // milliseconds of every tick, so participants, who never get a verdict, get their push first.
            var judge = closing ? null : VerdictsFor(roundId);
            async Task<(StatsUpdate Update, StatsUpdate Changes)> ForFacilitatorsAsync() => judge is not null
                ? ForFacilitators(update, changes, await VerdictsAsync(judge, roundId, update.Items), _judged)
                : (update, changes);
            switch (mode)
            {
                case RoundModes.Live when judge is null:
                    await clients.StatsToRoundAsync(update, changes);
                    break;
                case RoundModes.Live:
                {
                    await clients.StatsToParticipantsAsync(update, changes);
                    var (forFacilitators, facilitatorChanges) = await ForFacilitatorsAsync();
                    await clients.StatsToFacilitatorsAsync(forFacilitators, facilitatorChanges);
                    break;
                }
                case RoundModes.Blind:
                {
                    // Participants see an item's aggregate only once they answered it: one message per item
                    // to that item's revealed group (whole items: who joins it has no version to build on).
                    var (forFacilitators, facilitatorChanges) = await ForFacilitatorsAsync();
                    await clients.StatsToFacilitatorsAsync(forFacilitators, facilitatorChanges);
                    foreach (var item in update.Items) await clients.StatsToRevealedAsync(roundId, item);
                    break;
                }
                default:
                {
                    // Classic: participants see the aggregates only when the round has closed.
                    var (forFacilitators, facilitatorChanges) = await ForFacilitatorsAsync();
                    await clients.StatsToFacilitatorsAsync(forFacilitators, facilitatorChanges);
                    break;
                }
            }
            if (closing) foreach (var item in update.Items) _judged.Remove((roundId, item.ItemId));
            metrics.Pushed(stats);
        }
        if (dirty.Count > 0) TickMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return dirty.Count > 0;
    }

    /// <summary>
    /// What judges the facilitators' verdicts, when their push carries them: a facilitator follows the round (scaled
    /// out, one may follow it on another instance: always) and this host has the convergence feature; otherwise null.
    /// </summary>
    private IOpenRoundVerdicts? VerdictsFor(long roundId) =>
        fanOut is RedisFanOut || connections.FacilitatorsFollow(roundId) ? services.GetService<IOpenRoundVerdicts>() : null;

    /// <summary>
    /// The verdicts of the open round's items as the convergence page judges them live, judged on the releases just
    /// stored, held in memory, and only for the items in this push. Without them (no convergence in this host, or they
    /// cannot be read) the figures still go out.
    /// </summary>
    private async Task<IReadOnlyDictionary<long, ItemVerdict>> VerdictsAsync(IOpenRoundVerdicts judge, long roundId, IReadOnlyList<LiveItem> items)
    {
        try
        {
            var round = await aggregates.ForRoundAsync(roundId);
            var held = round?.Releases(items.Select(i => i.ItemId).ToHashSet());
            return await judge.ForOpenRoundAsync(roundId, held);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Judging open round {RoundId} for its facilitators failed; its figures go out without verdicts", roundId);
            return new Dictionary<long, ItemVerdict>();
        }
    }

    // The items whose last push to facilitators carried a verdict (round, item).
    private readonly HashSet<(long RoundId, long ItemId)> _judged = [];

    /// <summary>
    /// The facilitators' copy of a push: every item with its verdict. In the changes a verdict goes whole; an item whose
    /// verdict disappeared since its last push goes whole (a change only adds or replaces).
    /// </summary>
    /// <param name="update">The push as whole items.</param>
    /// <param name="changes">The same push as changes (item by item in the same order).</param>
    /// <param name="verdicts">The verdicts by item.</param>
    /// <param name="judged">The items whose last push to facilitators carried a verdict; kept up to date.</param>
    internal static (StatsUpdate Update, StatsUpdate Changes) ForFacilitators(StatsUpdate update, StatsUpdate changes,
        IReadOnlyDictionary<long, ItemVerdict> verdicts, HashSet<(long RoundId, long ItemId)> judged)
    {
        var items = new List<LiveItem>(update.Items.Count);
        var changed = new List<LiveItem>(changes.Items.Count);
        for (var i = 0; i < update.Items.Count; i++)
        {
            var (whole, change) = (update.Items[i], changes.Items[i]);
            var key = (update.RoundId, whole.ItemId);
            if (verdicts.GetValueOrDefault(whole.ItemId) is { } verdict)
            {
                judged.Add(key);
                items.Add(whole with { Verdict = verdict });
                changed.Add(change with { Verdict = verdict });
            }
            else
            {
                items.Add(whole);
                changed.Add(judged.Remove(key) ? whole : change);
            }
        }
        return (update with { Items = items }, changes with { Items = changed });
    }
}
