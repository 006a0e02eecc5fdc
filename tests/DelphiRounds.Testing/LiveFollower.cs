using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Testing;

/// <summary>What a follower shows for one item: the newest stats it applied.</summary>
public sealed record ItemView(long Version, long AcceptedTimestamp, int N, double? Median, IReadOnlyDictionary<string, int> Distribution);

/// <summary>
/// The part of a pushed (or snapshot) item a follower reads; the rest of the JSON is skipped unparsed. With
/// <see cref="BaseVersion"/> it is a change: only what changed since that version (a null median: unchanged; of the
/// distribution only the counts that changed).
/// </summary>
public sealed record FollowedItem(long ItemId, long Version, long AcceptedTimestamp, FollowedFigures Overall, long? BaseVersion = null);

/// <summary>The whole-panel figures of a <see cref="FollowedItem"/>.</summary>
public sealed record FollowedFigures(int N, double? Median, Dictionary<string, int>? Distribution);

/// <summary>A <c>StatsUpdated</c> push or a <c>/stats</c> snapshot, as a follower reads it.</summary>
public sealed record FollowedUpdate(long RoundId, List<FollowedItem> Items);

/// <summary>
/// What a participant's screen keeps as the browser script does (wwwroot/js/live.js): the snapshot, then every push
/// whose version is not older than what is shown, a change applied only onto the version it builds on. Counts pushes,
/// stale (out-of-order) pushes, reconnects, and measures for each push the time from the acceptance of the newest
/// answer it reflects to its receipt (same monotonic clock: <see cref="Stopwatch.GetTimestamp"/>, server and client on
/// one machine). How the pushes arrive is the subclass's: <see cref="LiveFollower"/> (the .NET SignalR client) or
/// <see cref="BareFollower"/> (the SignalR MessagePack protocol on a bare WebSocket).
/// </summary>
public abstract class FollowedScreen : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly string _token;
    private readonly long _roundId;
    private readonly Action<long>? _latency;
    private readonly Action<long, long, long>? _released;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, FollowedItem> _items = [];
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private int _pushes, _stale, _reconnects, _snapshots, _changes, _missedBases, _refetching;
    private readonly bool _followChanges;
    private long _pushBytes;

    /// <param name="http">A client for snapshots on the server's address (shared by many followers).</param>
    /// <param name="token">The participant's (or facilitator's) bearer token.</param>
    /// <param name="roundId">The round to follow.</param>
    /// <param name="latency">Called per push with its latency in Stopwatch ticks (optional).</param>
    /// <param name="released">Called per pushed item with its id, version and the Stopwatch timestamp of receipt (optional).</param>
    /// <param name="changes">Follow changes (<c>JoinRoundChanges</c>), not whole items (<c>JoinRound</c>).</param>
    protected FollowedScreen(HttpClient http, string token, long roundId, Action<long>? latency, Action<long, long, long>? released, bool changes)
    {
        _followChanges = changes;
        _released = released;
        _http = http;
        _token = token;
        _roundId = roundId;
        _latency = latency;
    }

    /// <summary>The participant's (or facilitator's) bearer token.</summary>
    protected string Token => _token;

    /// <summary>The round followed.</summary>
    protected long RoundId => _roundId;

    /// <summary>The hub method that joins the round: <c>JoinRoundChanges</c> or <c>JoinRound</c>.</summary>
    protected string JoinMethod => _followChanges ? "JoinRoundChanges" : "JoinRound";

    /// <summary>Connects, joins the round and applies the snapshot.</summary>
    public abstract Task StartAsync(CancellationToken ct = default);

    public abstract ValueTask DisposeAsync();

    protected void CountPushBytes(long bytes) => Interlocked.Add(ref _pushBytes, bytes);

    protected void CountReconnect() => Interlocked.Increment(ref _reconnects);

    public int Pushes => Volatile.Read(ref _pushes);

    /// <summary>
    /// Bytes of every <c>StatsUpdated</c> frame received, as they came off the connection (the protocol's framing
    /// included: JSON's record separator, MessagePack's length prefix; the WebSocket header not).
    /// </summary>
    public long PushBytes => Interlocked.Read(ref _pushBytes);

    public int StalePushes => Volatile.Read(ref _stale);
    public int Reconnects => Volatile.Read(ref _reconnects);
    public int Snapshots => Volatile.Read(ref _snapshots);

    /// <summary>Changes (items with a base version) applied onto the version they build on.</summary>
    public int ChangesApplied => Volatile.Read(ref _changes);

    /// <summary>Changes that came for a version this follower did not show, after which it fetched the snapshot.</summary>
    public int MissedBases => Volatile.Read(ref _missedBases);

    /// <summary>What the follower shows now, by item.</summary>
    public IReadOnlyDictionary<long, ItemView> Items
    {
        get
        {
            lock (_gate)
            {
                return _items.ToDictionary(kv => kv.Key, kv => new ItemView(kv.Value.Version, kv.Value.AcceptedTimestamp,
                    kv.Value.Overall.N, kv.Value.Overall.Median, new Dictionary<string, int>(kv.Value.Overall.Distribution ?? [])));
            }
        }
    }

    /// <summary>Fetches the snapshot and applies it.</summary>
    public async Task SnapshotAsync(CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/rounds/{_roundId}/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await _http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var snapshot = JsonSerializer.Deserialize<FollowedUpdate>(await response.Content.ReadAsByteArrayAsync(ct), JsonOptions)!;
        foreach (var item in snapshot.Items) Apply(item);
        Interlocked.Increment(ref _snapshots);
    }

    /// <summary>Applies a push as it arrives (its latency measured from the moment it is called).</summary>
    protected void OnPush(FollowedUpdate update)
    {
        var received = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _pushes);
        long newest = 0;
        foreach (var item in update.Items)
        {
            if (!Apply(item)) Interlocked.Increment(ref _stale);
            newest = Math.Max(newest, item.AcceptedTimestamp);
            _released?.Invoke(item.ItemId, item.Version, received);
        }
        if (newest > 0) _latency?.Invoke(received - newest);
    }

    private bool Apply(FollowedItem item)
    {
        lock (_gate)
        {
            var has = _items.TryGetValue(item.ItemId, out var shown);
            if (item.BaseVersion is { } baseVersion)
            {
                if (has && shown!.Version == baseVersion)
                {
                    _items[item.ItemId] = Merge(shown, item);
                    _changes++;
                    return true;
                }
                if (has && shown!.Version >= item.Version) return false; // already shows it, or newer
                // Missed the version this change builds on: the snapshot has everything. One fetch at a time; a change
                // missed meanwhile may be newer than what that fetch reads, so then it fetches once more.
                _missedBases++;
                _wanted[item.ItemId] = Math.Max(_wanted.GetValueOrDefault(item.ItemId), item.Version);
                if (Interlocked.CompareExchange(ref _refetching, 1, 0) == 0) _ = Task.Run(RefetchAsync);
                return true;
            }
            if (has && item.Version < shown!.Version) return false;
            _items[item.ItemId] = item;
            return true;
        }
    }

    // Per item the newest version a missed change had (what the snapshot has to reach).
    private readonly Dictionary<long, long> _wanted = [];

    private async Task RefetchAsync()
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                await SnapshotAsync();
            }
            catch (Exception)
            {
                break; // the connection is going; a reconnect fetches it again
            }
            lock (_gate)
            {
                foreach (var (itemId, version) in _wanted.ToList())
                    if (_items.TryGetValue(itemId, out var shown) && shown.Version >= version) _wanted.Remove(itemId);
                if (_wanted.Count == 0) break;
            }
            await Task.Delay(50);
        }
        Volatile.Write(ref _refetching, 0);
    }

    /// <summary>
    /// A change applied onto the item it builds on: n and what it carries replace, the rest stays. The distribution
    /// shown is this screen's own (it came in a push or a snapshot and is read only under the lock), so the changed counts
    /// go into it in place.
    /// </summary>
    private static FollowedItem Merge(FollowedItem shown, FollowedItem change)
    {
        var distribution = shown.Overall.Distribution;
        if (change.Overall.Distribution is { } changed)
        {
            distribution ??= new Dictionary<string, int>(changed.Count);
            foreach (var (point, count) in changed) distribution[point] = count;
        }
        return new FollowedItem(change.ItemId, change.Version, change.AcceptedTimestamp,
            new FollowedFigures(change.Overall.N, change.Overall.Median ?? shown.Overall.Median, distribution));
    }

}

/// <summary>
/// A participant's screen (see <see cref="FollowedScreen"/>) on the .NET SignalR client: connect to <c>/hubs/live</c>,
/// join the round, fetch the snapshot, then apply the pushes. When the connection drops it reconnects by itself, joins
/// again and fetches the snapshot again.
/// </summary>
public sealed class LiveFollower : FollowedScreen
{
    /// <param name="address">Base address of the server (or of a proxy in front of it).</param>
    /// <param name="http">A client for snapshots on the same address (shared by many followers).</param>
    /// <param name="token">The participant's (or facilitator's) bearer token.</param>
    /// <param name="roundId">The round to follow.</param>
    /// <param name="latency">Called per push with its latency in Stopwatch ticks (optional).</param>
    /// <param name="released">Called per pushed item with its id, version and the Stopwatch timestamp of receipt (optional).</param>
    /// <param name="messagePack">Speak SignalR's MessagePack protocol (the hub's short-key pushes, see <see cref="FollowedWire"/>) instead of JSON.</param>
    /// <param name="changes">
    /// Join with <c>JoinRoundChanges</c>: pushes carry per item only what changed since its last push. A change is
    /// applied only onto exactly the version it builds on; a follower that does not have that version (it missed a
    /// push, or has not got the snapshot yet) fetches the snapshot instead, as live.js does.
    /// </param>
    /// <param name="http2">
    /// Open the hub's WebSocket over HTTP/2 (RFC 8441) through this invoker, which many followers share: their
    /// connections are streams of a few TCP connections. <paramref name="address"/> is then an HTTP/2 (h2c) endpoint.
    /// </param>
    public LiveFollower(Uri address, HttpClient http, string token, long roundId, Action<long>? latency = null, Action<long, long, long>? released = null,
        bool messagePack = false, bool changes = false, HttpMessageInvoker? http2 = null)
        : base(http, token, roundId, latency, released, changes)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/hubs/live"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                if (http2 is not null) o.WebSocketFactory = (context, ct) => Http2WebSocketAsync(context.Uri, token, http2, ct);
            })
            .WithAutomaticReconnect(new Retry());
        // The protocol wrapped so that every StatsUpdated frame's bytes are counted as they come off the wire.
        IHubProtocol protocol = messagePack
            ? new MessagePackHubProtocol(Microsoft.Extensions.Options.Options.Create(new MessagePackHubProtocolOptions { SerializerOptions = FollowedWire.Options }))
            : new JsonHubProtocol();
        builder.Services.AddSingleton<IHubProtocol>(new CountingProtocol(protocol, this));
        Protocol = protocol.Name;
        Connection = builder.Build();
        Connection.ServerTimeout = TimeSpan.FromSeconds(60);
        Connection.HandshakeTimeout = TimeSpan.FromSeconds(60);
        Connection.On<FollowedUpdate>("StatsUpdated", OnPush);
        Connection.Reconnected += async _ =>
        {
            CountReconnect();
            await JoinAndSnapshotAsync();
        };
    }

    public HubConnection Connection { get; }

    private static async ValueTask<System.Net.WebSockets.WebSocket> Http2WebSocketAsync(Uri uri, string token, HttpMessageInvoker http2, CancellationToken ct)
    {
        var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        try
        {
            await socket.ConnectAsync(uri, http2, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The hub protocol this follower speaks: <c>json</c> or <c>messagepack</c>.</summary>
    public string Protocol { get; }

    public override async Task StartAsync(CancellationToken ct = default)
    {
        await Connection.StartAsync(ct);
        await JoinAndSnapshotAsync(ct);
    }

    /// <summary>Joins the round and applies the snapshot (as after every reconnect).</summary>
    public async Task JoinAndSnapshotAsync(CancellationToken ct = default)
    {
        await Connection.InvokeAsync(JoinMethod, RoundId, ct);
        await SnapshotAsync(ct);
    }

    public override async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    /// <summary>Parses with the protocol the follower speaks and counts the bytes of each push it parses.</summary>
    private sealed class CountingProtocol(IHubProtocol inner, LiveFollower follower) : IHubProtocol
    {
        public string Name => inner.Name;
        public int Version => inner.Version;
        public TransferFormat TransferFormat => inner.TransferFormat;
        public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);
        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMessage? message)
        {
            var before = input.Length;
            if (!inner.TryParseMessage(ref input, binder, out message)) return false;
            if (message is InvocationMessage { Target: "StatsUpdated" }) follower.CountPushBytes(before - input.Length);
            return true;
        }
    }

    /// <summary>Reconnects at once, then every 200 ms–2 s, for as long as it takes.</summary>
    private sealed class Retry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext context) =>
            context.PreviousRetryCount == 0 ? TimeSpan.Zero
            : TimeSpan.FromMilliseconds(Math.Min(2000, 200 * context.PreviousRetryCount + Random.Shared.Next(100)));
    }
}
