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
/// Scale-out over Redis (<c>ConnectionStrings:Redis</c>). Every instance publishes each answer it accepts
/// on the channel <c>delphi:live:answers</c>; every instance applies the answers of the others to its own
/// in-memory aggregates (idempotent by answer id, so each instance's snapshot is complete). Exactly one
/// instance — the holder of a lease in Redis (<c>delphi:live:publisher</c>, renewed every second, lost after
/// 5 s) — pushes <c>StatsUpdated</c>, through the SignalR Redis backplane, to the clients of every instance:
/// each client gets one push per tick from one aggregate, so its version order holds. An instance that takes
/// over the lease pushes every item of every round it holds. When the Redis connection comes back after a
/// break, every instance reloads its aggregates from the database (answers announced during the break were
/// lost) and the publisher pushes them all; clients that reconnected fetched the snapshot anyway.
/// </summary>
public sealed class RedisFanOut(
    string configuration, IServiceProvider services, ILogger<RedisFanOut> logger) : BackgroundService, ILiveFanOut
{
    public const string AnswersChannel = "delphi:live:answers";
    public const string ClosedChannel = "delphi:live:closed";
    public const string LeaseKey = "delphi:live:publisher";
    private static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(5);

    private readonly string _id = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private IConnectionMultiplexer? _redis;
    private volatile bool _publisher;
    private LiveAggregates Aggregates => services.GetRequiredService<LiveAggregates>();

    public bool IsPublisher => _publisher;

    /// <summary>This instance's id in notes and the lease.</summary>
    public string InstanceId => _id;

    public void Announce(AnswerNote note)
    {
        if (_redis is not { IsConnected: true } redis) return; // lost; the reload after reconnecting repairs it
        var payload = JsonSerializer.SerializeToUtf8Bytes(note with { Origin = _id });
        _ = redis.GetSubscriber().PublishAsync(RedisChannel.Literal(AnswersChannel), payload, CommandFlags.FireAndForget);
    }

    public void AnnounceClosed(long roundId)
    {
        if (_redis is not { IsConnected: true } redis) return;
        // On the connection the answers went out on, so an instance has them before it hears of the close.
        _ = redis.GetSubscriber().PublishAsync(RedisChannel.Literal(ClosedChannel), roundId, CommandFlags.FireAndForget);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
        _redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Subscription) return;
            logger.LogWarning("Redis is back: reloading live aggregates from the database");
            _ = Task.Run(async () =>
            {
                try { await Aggregates.ReloadAllAsync(); }
                catch (Exception ex) { logger.LogError(ex, "Reloading live aggregates failed"); }
            });
        };
        var queue = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(AnswersChannel));
        queue.OnMessage(async message =>
        {
            try
            {
                var note = JsonSerializer.Deserialize<AnswerNote>((byte[])message.Message!);
                if (note is not null && note.Origin != _id) await Aggregates.ApplyRemoteAsync(note);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Applying an answer from another instance failed");
            }
        });
        var closed = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ClosedChannel));
        closed.OnMessage(async message =>
        {
            try
            {
                if (_publisher && message.Message.TryParse(out long roundId))
                    await services.GetRequiredService<LivePublisher>().PublishDirtyAsync(closingRoundId: roundId);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Releasing the final figures of a round closed on another instance failed");
            }
        });
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            var was = _publisher;
            try
            {
                var db = _redis!.GetDatabase();
                var holds = await db.StringSetAsync(LeaseKey, _id, LeaseTime, When.NotExists)
                            || (await db.StringGetAsync(LeaseKey) == _id && await db.KeyExpireAsync(LeaseKey, LeaseTime));
                _publisher = holds;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _publisher = false;
            }
            if (_publisher && !was)
            {
                logger.LogInformation("This instance now pushes live aggregates ({Id})", _id);
                Aggregates.MarkAllDirty();
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_redis is null) return;
        try
        {
            var db = _redis.GetDatabase();
            if (_publisher && await db.StringGetAsync(LeaseKey) == _id) await db.KeyDeleteAsync(LeaseKey);
        }
        catch (Exception e) when (e is RedisException or TimeoutException) { }
        _publisher = false;
        await _redis.CloseAsync();
        _redis.Dispose();
    }
}
