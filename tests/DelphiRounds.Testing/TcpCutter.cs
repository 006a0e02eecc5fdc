using System.Net;
using System.Net.Sockets;

namespace DelphiRounds.Testing;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a server, for tests that cut connections the way a network does:
/// <see cref="CutAll"/> resets every relayed connection at once; new connections are relayed as before.
/// </summary>
public sealed class TcpCutter : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly List<(Socket A, Socket B)> _pairs = [];
    private readonly CancellationTokenSource _stop = new();
    private int _cuts;

    public TcpCutter(Uri server)
    {
        _target = new IPEndPoint(IPAddress.Parse(server.Host == "localhost" ? "127.0.0.1" : server.Host), server.Port);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = AcceptLoopAsync();
    }

    /// <summary>The relay's address: use it instead of the server's.</summary>
    public Uri Address { get; }

    /// <summary>While true, new connections are closed at once: the server is unreachable through the relay.</summary>
    public bool Refusing { get; set; }

    /// <summary>Connections cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Resets every open relayed connection (both sides see a reset, as on a network failure).</summary>
    public int CutAll()
    {
        List<(Socket, Socket)> pairs;
        lock (_gate) { pairs = [.. _pairs]; _pairs.Clear(); }
        foreach (var (a, b) in pairs)
        {
            foreach (var s in new[] { a, b })
            {
                try { s.LingerState = new LingerOption(true, 0); s.Close(); } catch (ObjectDisposedException) { } catch (SocketException) { }
            }
        }
        Interlocked.Add(ref _cuts, pairs.Count);
        return pairs.Count;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        if (Refusing)
        {
            client.LingerState = new LingerOption(true, 0);
            client.Close();
            return;
        }
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try { await server.ConnectAsync(_target, _stop.Token); }
        catch (Exception) { client.Close(); server.Close(); return; }
        lock (_gate) _pairs.Add((client, server));
        await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        lock (_gate) _pairs.Remove((client, server));
        client.Close();
        server.Close();
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0) { to.Shutdown(SocketShutdown.Send); return; }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        CutAll();
    }
}
