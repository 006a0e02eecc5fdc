using System.Buffers;
using System.Net.WebSockets;
using MessagePack;

namespace DelphiRounds.Testing;

/// <summary>
/// A participant's screen (see <see cref="FollowedScreen"/>) on a bare WebSocket that speaks SignalR's MessagePack hub
/// protocol itself, as a lean client on a phone would: the handshake, one invocation to join the round, a ping every
/// 15 s, and reading <c>StatsUpdated</c> straight from the frames it receives — no pipes, no receive loop and dispatch
/// of the .NET client between the socket and the screen. The server cannot tell it from any other SignalR client.
/// When the connection drops it connects again, joins again and fetches the snapshot again.
/// </summary>
/// <remarks>
/// The protocol (https://github.com/dotnet/aspnetcore/blob/main/src/SignalR/docs/specs/HubProtocol.md): every message
/// is a MessagePack array behind its length as a variable-length integer (7 bits a byte, low first). Invocation
/// <c>[1, headers, invocationId, target, arguments, streamIds]</c>, completion <c>[3, headers, invocationId, kind,
/// result]</c> (kind 1: error), ping <c>[6]</c>, close <c>[7, error, allowReconnect]</c>.
/// </remarks>
public sealed class BareFollower : FollowedScreen
{
    private static readonly byte[] Handshake = "{\"protocol\":\"messagepack\",\"version\":1}\u001e"u8.ToArray();
    private static readonly byte[] Ping = [2, 0x91, 6]; // length 2, then the array [6]
    private static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(15);

    private readonly Uri _hub;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private ClientWebSocket? _socket;
    private Task _receiving = Task.CompletedTask, _pinging = Task.CompletedTask;
    private int _invocations;

    /// <param name="address">Base address of the server.</param>
    /// <param name="http">A client for snapshots on the same address (shared by many followers).</param>
    /// <param name="token">The participant's (or facilitator's) bearer token.</param>
    /// <param name="roundId">The round to follow.</param>
    /// <param name="latency">Called per push with its latency in Stopwatch ticks (optional).</param>
    /// <param name="released">Called per pushed item with its id, version and the Stopwatch timestamp of receipt (optional).</param>
    /// <param name="changes">Follow changes (<c>JoinRoundChanges</c>, as the browser does), not whole items.</param>
    public BareFollower(Uri address, HttpClient http, string token, long roundId, Action<long>? latency = null, Action<long, long, long>? released = null,
        bool changes = true)
        : base(http, token, roundId, latency, released, changes)
    {
        _hub = new UriBuilder(new Uri(address, "/hubs/live")) { Scheme = address.Scheme == "https" ? "wss" : "ws" }.Uri;
    }

    public override async Task StartAsync(CancellationToken ct = default)
    {
        await ConnectAndJoinAsync(ct);
        _pinging = PingAsync();
    }

    private async Task ConnectAndJoinAsync(CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {Token}");
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // the hub protocol's pings keep the connection alive
        try
        {
            await socket.ConnectAsync(_hub, ct);
            await socket.SendAsync(Handshake, WebSocketMessageType.Text, endOfMessage: true, ct);
            var buffer = new byte[4096];
            var (length, handshakeEnd) = await ReadHandshakeAsync(socket, buffer, ct);
            _socket = socket;
            var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _receiving = ReceiveAsync(socket, buffer, handshakeEnd, length, joined);
            var id = Interlocked.Increment(ref _invocations).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await SendAsync(Invocation(id, JoinMethod, RoundId), ct);
            await joined.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        }
        catch
        {
            socket.Abort();
            socket.Dispose();
            throw;
        }
        await SnapshotAsync(ct);
    }

    /// <summary>Reads until the handshake's answer (<c>{}</c> and the record separator); returns the bytes read and where the answer ended.</summary>
    private static async Task<(int Length, int End)> ReadHandshakeAsync(ClientWebSocket socket, byte[] buffer, CancellationToken ct)
    {
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), ct);
            if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("the hub closed the connection during the handshake");
            length += result.Count;
            var end = Array.IndexOf(buffer, (byte)0x1e, 0, length);
            if (end >= 0)
            {
                var answer = System.Text.Encoding.UTF8.GetString(buffer, 0, end);
                if (answer != "{}") throw new WebSocketException($"the hub refused the handshake: {answer}");
                return (length, end + 1);
            }
            if (length == buffer.Length) throw new WebSocketException("no handshake answer in the first 4 KiB");
        }
    }

    /// <summary>Reads the connection until it ends; then, if it had joined the round, connects again.</summary>
    private async Task ReceiveAsync(ClientWebSocket socket, byte[] buffer, int start, int length, TaskCompletionSource joined)
    {
        try
        {
            while (true)
            {
                start = Parse(buffer, start, length, joined);
                // What is left is the start of a message: keep it at the front and read the rest behind it.
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, length - start);
                    length -= start;
                    start = 0;
                }
                if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var result = await socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close) break;
                length += result.Count;
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            // Before it joined, the connecting side sees this and tries again; after, this side connects again.
            if (joined.TrySetException(e)) return;
        }
        if (!joined.TrySetException(new WebSocketException("the hub closed the connection before the join was answered")) && !_stop.IsCancellationRequested)
            _ = ReconnectAsync();
    }

    /// <summary>Handles every whole message in <c>buffer[start..length)</c>; returns where the first incomplete one starts.</summary>
    private int Parse(byte[] buffer, int start, int length, TaskCompletionSource joined)
    {
        while (start < length)
        {
            // The message's length: a variable-length integer of up to 5 bytes.
            int size = 0, shift = 0, at = start;
            byte b;
            do
            {
                if (at == length) return start;
                b = buffer[at++];
                size |= (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0 && shift < 35);
            if (length - at < size) return start;
            Handle(new ReadOnlyMemory<byte>(buffer, at, size), at + size - start, joined);
            start = at + size;
        }
        return start;
    }

    private void Handle(ReadOnlyMemory<byte> message, int framed, TaskCompletionSource joined)
    {
        var reader = new MessagePackReader(message);
        reader.ReadArrayHeader();
        switch (reader.ReadInt32())
        {
            case 1: // invocation
                reader.Skip(); // headers
                reader.Skip(); // invocation id (none: the server expects no answer)
                if (reader.ReadString() != "StatsUpdated") return;
                if (reader.ReadArrayHeader() != 1) throw new InvalidOperationException("StatsUpdated carries one argument");
                CountPushBytes(framed);
                OnPush(MessagePackSerializer.Deserialize<FollowedUpdate>(ref reader, FollowedWire.Options));
                return;
            case 3: // completion: of the join
                reader.Skip();
                reader.Skip();
                if (reader.ReadInt32() == 1) joined.TrySetException(new InvalidOperationException($"{JoinMethod} failed: {reader.ReadString()}"));
                else joined.TrySetResult();
                return;
            case 7: // close
                reader.Skip();
                throw new WebSocketException($"the hub closed the connection: {(reader.TryReadNil() ? "no error" : reader.ReadString())}");
            default: // ping and anything else a follower does not use
                return;
        }
    }

    private static byte[] Invocation(string id, string target, long argument)
    {
        var body = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(body);
        writer.WriteArrayHeader(6);
        writer.Write(1);
        writer.WriteMapHeader(0);
        writer.Write(id);
        writer.Write(target);
        writer.WriteArrayHeader(1);
        writer.Write(argument);
        writer.WriteArrayHeader(0);
        writer.Flush();
        var framed = new List<byte>(body.WrittenCount + 5);
        for (var n = (uint)body.WrittenCount; ; n >>= 7)
        {
            if (n < 0x80) { framed.Add((byte)n); break; }
            framed.Add((byte)(n & 0x7f | 0x80));
        }
        framed.AddRange(body.WrittenSpan);
        return [.. framed];
    }

    private async Task SendAsync(byte[] message, CancellationToken ct)
    {
        await _sending.WaitAsync(ct);
        try
        {
            await _socket!.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, ct);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task PingAsync()
    {
        using var timer = new PeriodicTimer(PingEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await SendAsync(Ping, _stop.Token);
                }
                catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
                {
                    // the connection is going; the receive side connects again
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Connects again at once, then every 200 ms–2 s, for as long as it takes.</summary>
    private async Task ReconnectAsync()
    {
        CountReconnect();
        _socket?.Dispose();
        for (var attempt = 0; !_stop.IsCancellationRequested; attempt++)
        {
            try
            {
                if (attempt > 0) await Task.Delay(Math.Min(2000, 200 * attempt + Random.Shared.Next(100)), _stop.Token);
                await ConnectAndJoinAsync(_stop.Token);
                return;
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_socket is { State: WebSocketState.Open } socket)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
            }
        }
        _socket?.Dispose();
        try
        {
            await Task.WhenAll(_receiving, _pinging);
        }
        catch (Exception)
        {
            // what the loops met on the way out is not the caller's
        }
        _stop.Dispose();
        _sending.Dispose();
    }
}
