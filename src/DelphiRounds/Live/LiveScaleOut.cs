using System.Text.Json;
using StackExchange.Redis;

namespace DelphiRounds.Live;

/// <summary>An accepted answer as other instances need it to update their aggregates.</summary>
public sealed record AnswerNote(
    string Origin, long RoundId, long ItemId, long ParticipantId, string Group, double? Value, long AnswerId, long AcceptedTimestamp,
    IReadOnlyDictionary<string, double>? Ranks = null);

/// <summary>
/// What the live aggregates need from the other instances of a scaled-out installation: tell them about
/// an accepted answer, and know whether this instance is the one that pushes <c>StatsUpdated</c>.
/// </summary>
public interface ILiveFanOut
{
    /// <summary>True when this instance pushes changed aggregates (always, on a single instance).</summary>
    bool IsPublisher { get; }

    /// <summary>Tells the other instances about an answer accepted here (fire and forget).</summary>
    void Announce(AnswerNote note);

    /// <summary>Tells the other instances that a round closed here, so the publisher releases its final figures.</summary>
    void AnnounceClosed(long roundId);
}

/// <summary>One instance: nothing to tell, and it pushes everything itself.</summary>
public sealed class SingleInstanceFanOut : ILiveFanOut
{
    public bool IsPublisher => true;
    public void Announce(AnswerNote note) { }
    public void AnnounceClosed(long roundId) { }
}

/// <summary>
/// Scale-out over Redis (<c>ConnectionStrings:Redis</c>). Every instance announces each answer it accepts on
/// the channel <c>delphi:live:answers</c>; the others take the answer from the database by its id (the note is
/// only a hint: a forged or malformed one changes nothing and is logged). No announcement is lost for good:
/// one that cannot be sent waits in this instance until Redis is back; every instance catches up from the
/// database by answer id when it (re)subscribes and, as a safety net, every <see cref="CatchUpInterval"/>.
/// Exactly one instance — the holder of a lease in Redis (<c>delphi:live:publisher</c>, renewed every 200 ms,
/// lost 1.2 s after the holder stops renewing) — pushes <c>StatsUpdated</c>, through the SignalR Redis
/// backplane, to the clients of every instance. The holder counts itself publisher only until 0.9 s after it
/// sent its last successful renewal, so it has stopped before the key can expire and another take it: never
/// two publishers at once. An instance that takes over the lease, or hears that another's connection came
/// back (<c>delphi:live:resync</c>), pushes every item of every round it holds.
/// </summary>
public sealed class RedisFanOut(
    string configuration, IServiceProvider services, ILogger<RedisFanOut> logger) : BackgroundService, ILiveFanOut
{
    public const string AnswersChannel = "delphi:live:answers";
    public const string ClosedChannel = "delphi:live:closed";
    public const string ResyncChannel = "delphi:live:resync";
    public const string LeaseKey = "delphi:live:publisher";
    public static readonly TimeSpan LeaseTime = TimeSpan.FromMilliseconds(1200);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromMilliseconds(200);
    /// <summary>How long after sending a renewal the holder still pushes: well inside <see cref="LeaseTime"/>.</summary>
    public static readonly TimeSpan HoldFor = TimeSpan.FromMilliseconds(900);
    public static readonly TimeSpan CatchUpInterval = TimeSpan.FromSeconds(1);
    // Beyond this many unsent notes the oldest are dropped: the others' catch-up reads them from the database anyway.
    private const int OutboxLimit = 100_000;

    private const string RenewScript = """
        local v = redis.call('GET', KEYS[1])
        if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
        return 0
        """;
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly string _id = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private IConnectionMultiplexer? _redis;
    private long _holdsUntil; // Stopwatch timestamp; 0: not the holder
    private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> _outbox = new();
    private readonly SemaphoreSlim _outboxSignal = new(0);
    private readonly Lock _pendingGate = new();
    private readonly Dictionary<long, long> _pending = []; // announced answer id → round id, waiting to be read
    private readonly SemaphoreSlim _catchUpSignal = new(0);
    private volatile bool _catchUpAll = true;
    private long _ignored;
    private LiveAggregates Aggregates => services.GetRequiredService<LiveAggregates>();

    public bool IsPublisher => System.Diagnostics.Stopwatch.GetTimestamp() < Volatile.Read(ref _holdsUntil);

    /// <summary>This instance's id in notes and the lease.</summary>
    public string InstanceId => _id;

    /// <summary>Notes from the channel that were ignored (malformed, or not matching the database).</summary>
    public long IgnoredNotes => Interlocked.Read(ref _ignored);

    /// <summary>Announcements not yet sent (Redis away).</summary>
    public int Unsent => _outbox.Count;

    public void Announce(AnswerNote note)
    {
        _outbox.Enqueue(JsonSerializer.SerializeToUtf8Bytes(note with { Origin = _id }));
        while (_outbox.Count > OutboxLimit) _outbox.TryDequeue(out _);
        _outboxSignal.Release();
    }

    /// <summary>Redis settings for this fan-out and the SignalR backplane: reconnect within a fraction of a second, fail fast.</summary>
    public static ConfigurationOptions Options(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ReconnectRetryPolicy = new LinearRetry(200);
        options.ConnectTimeout = 2000;
        options.AsyncTimeout = 2000;
        options.SyncTimeout = 2000;
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        return options;
    }

    public void AnnounceClosed(long roundId)
    {
        if (_redis is not { IsConnected: true } redis) return;
        // On the connection the answers went out on, so an instance has them before it hears of the close.
        _ = redis.GetSubscriber().PublishAsync(RedisChannel.Literal(ClosedChannel), roundId, CommandFlags.FireAndForget);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(Options(configuration));
        _redis.ConnectionRestored += (_, e) =>
        {
            logger.LogWarning("Redis is back ({Connection}): sending what waited, catching up from the database", e.ConnectionType);
            _outboxSignal.Release();
            if (e.ConnectionType != ConnectionType.Subscription) return;
            _catchUpAll = true;
            _catchUpSignal.Release();
            _ = AskForResyncAsync();
        };
        var subscriber = _redis.GetSubscriber();
        (await subscriber.SubscribeAsync(RedisChannel.Literal(AnswersChannel))).OnMessage(message => Take(message.Message));
        (await subscriber.SubscribeAsync(RedisChannel.Literal(ResyncChannel))).OnMessage(_ =>
        {
            // Another instance's connection came back: its clients missed pushes while it was away.
            if (IsPublisher) Aggregates.MarkAllDirty();
        });
        var closed = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ClosedChannel));
        closed.OnMessage(async message =>
        {
            try
            {
                if (IsPublisher && message.Message.TryParse(out long roundId))
                {
                    // Every answer of the round committed before its close: read what this instance has not applied
                    // yet, so the final figures hold them all.
                    await Aggregates.CatchUpAsync();
                    await services.GetRequiredService<LivePublisher>().PublishDirtyAsync(closingRoundId: roundId);
                }
            }
            catch (Exception e)
            {
                logger.LogError(e, "Releasing the final figures of a round closed on another instance failed");
            }
        });
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Queues an announced answer for reading from the database; a malformed note is logged and dropped.</summary>
    private void Take(RedisValue message)
    {
        AnswerNote? note = null;
        try
        {
            note = JsonSerializer.Deserialize<AnswerNote>((byte[])message!);
        }
        catch (JsonException) { }
        if (note is null || note.AnswerId <= 0 || note.RoundId <= 0 || note.Origin is null)
        {
            Interlocked.Increment(ref _ignored);
            logger.LogWarning("Ignored a malformed note on {Channel}: {Message}", AnswersChannel, Shorten(message));
            return;
        }
        if (note.Origin == _id) return;
        lock (_pendingGate)
        {
            if (_pending.Count < OutboxLimit) _pending[note.AnswerId] = note.RoundId;
        }
        _catchUpSignal.Release();
    }

    private static string Shorten(RedisValue message)
    {
        var text = message.ToString();
        return text.Length > 200 ? text[..200] + "…" : text;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(LeaseLoopAsync(stoppingToken), CatchUpLoopAsync(stoppingToken), OutboxLoopAsync(stoppingToken));

    private async Task LeaseLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RenewEvery);
        do
        {
            var was = IsPublisher;
            var sent = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                var held = (long)await _redis!.GetDatabase().ScriptEvaluateAsync(RenewScript,
                    [LeaseKey], [_id, (long)LeaseTime.TotalMilliseconds]) == 1;
                Volatile.Write(ref _holdsUntil, held ? sent + (long)(HoldFor.TotalSeconds * System.Diagnostics.Stopwatch.Frequency) : 0);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Not renewed: the lease runs out on its own; until then this instance still holds it.
            }
            if (IsPublisher && !was)
            {
                logger.LogInformation("This instance now pushes live aggregates ({Id})", _id);
                try
                {
                    // Go on from the releases the last publisher stored, never from one of this instance's own
                    // (a release stored on top of an older one is refused anyway, LiveReleaseStore).
                    await Aggregates.AdoptStoredAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Reading the stored releases on takeover failed; the next release reads them");
                }
                Aggregates.MarkAllDirty();
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task CatchUpLoopAsync(CancellationToken stoppingToken)
    {
        var lastFull = System.Diagnostics.Stopwatch.StartNew();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _catchUpSignal.WaitAsync(CatchUpInterval, stoppingToken);
            }
            catch (OperationCanceledException) { return; }
            try
            {
                Dictionary<long, long> notes;
                lock (_pendingGate)
                {
                    notes = new Dictionary<long, long>(_pending);
                    _pending.Clear();
                }
                if (notes.Count > 0) await ReadAnnouncedAsync(notes);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is away: the notes are back in the queue for the next round of this loop.
                logger.LogWarning(e, "Reading announced answers failed; trying again");
                await Task.Delay(200, stoppingToken); // not at the pace of the notes that keep coming
            }
            try
            {
                if (_catchUpAll || lastFull.Elapsed >= CatchUpInterval)
                {
                    _catchUpAll = false;
                    lastFull.Restart();
                    var changed = await Aggregates.CatchUpAsync();
                    if (changed > 0) logger.LogWarning("Caught up {Count} answers from the database that were not announced here", changed);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is away: the next round of this loop tries again.
                _catchUpAll = true;
                logger.LogWarning(e, "Catching up live aggregates failed; trying again");
                await Task.Delay(200, stoppingToken);
            }
        }
    }

    private async Task ReadAnnouncedAsync(Dictionary<long, long> notes)
    {
        try
        {
            var missing = await Aggregates.ApplyStoredAsync(notes.Keys);
            foreach (var id in missing)
            {
                Interlocked.Increment(ref _ignored);
                logger.LogWarning("Ignored a note on {Channel}: answer {AnswerId} (round {RoundId}) is not in the database", AnswersChannel, id, notes[id]);
            }
        }
        catch
        {
            lock (_pendingGate)
                foreach (var (id, round) in notes) _pending.TryAdd(id, round);
            throw;
        }
    }

    private async Task OutboxLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Woken by an announcement or a restored connection; the timeout retries after a failed send.
                await _outboxSignal.WaitAsync(TimeSpan.FromMilliseconds(500), stoppingToken);
            }
            catch (OperationCanceledException) { return; }
            if (_redis is not { } redis) return;
            var subscriber = redis.GetSubscriber();
            while (_outbox.TryPeek(out var payload))
            {
                try
                {
                    await subscriber.PublishAsync(RedisChannel.Literal(AnswersChannel), payload);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    break; // kept: sent when the connection is back
                }
                _outbox.TryDequeue(out _);
            }
        }
    }

    /// <summary>Asks the publisher to push everything again; repeated because the backplane's own connection may come back later.</summary>
    private async Task AskForResyncAsync()
    {
        foreach (var wait in new[] { 0, 500, 1000 })
        {
            await Task.Delay(wait);
            if (_redis is not { } redis) return; // stopped meanwhile
            try
            {
                await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(ResyncChannel), _id);
            }
            catch (Exception e) when (e is RedisException or TimeoutException) { }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Stopping twice (the host, then a test) must not close the connection twice.
        if (Interlocked.Exchange(ref _redis, null) is not { } redis) return;
        Volatile.Write(ref _holdsUntil, 0);
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [LeaseKey], [_id]);
        }
        catch (Exception e) when (e is RedisException or TimeoutException) { }
        await redis.CloseAsync();
        redis.Dispose();
    }
}
