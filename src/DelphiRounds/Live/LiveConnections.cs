using System.Collections.Concurrent;
using DelphiRounds.Accounts;
using Microsoft.AspNetCore.SignalR;

namespace DelphiRounds.Live;

/// <summary>
/// The open hub connections of each participant on this instance, so that revoking their links or erasing them
/// ends those connections at once: a connection is authenticated only when it opens, and would otherwise go on
/// receiving pushes with a token that no longer works.
/// </summary>
public sealed class LiveConnections
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<string, HubCallerContext>> _byParticipant = new();

    public void Opened(HubCallerContext context)
    {
        if (context.User?.ParticipantId() is { } id)
            _byParticipant.GetOrAdd(id, _ => new()).TryAdd(context.ConnectionId, context);
    }

    public void Closed(HubCallerContext context)
    {
        if (context.User?.ParticipantId() is { } id && _byParticipant.TryGetValue(id, out var connections))
            connections.TryRemove(context.ConnectionId, out _);
        foreach (var (roundId, _) in _facilitatorsByRound) Left(roundId, context.ConnectionId);
    }

    // Facilitators' connections following each round on this instance: their pushes carry the live verdicts.
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<string, byte>> _facilitatorsByRound = new();

    /// <summary>A facilitator's connection follows the round.</summary>
    public void FacilitatorFollows(long roundId, string connectionId) =>
        _facilitatorsByRound.GetOrAdd(roundId, _ => new()).TryAdd(connectionId, 0);

    /// <summary>The connection no longer follows the round (left it, or closed).</summary>
    public void Left(long roundId, string connectionId)
    {
        // The round's (empty) set stays: one per round followed, and removing it could lose a connection joining meanwhile.
        if (_facilitatorsByRound.TryGetValue(roundId, out var connections)) connections.TryRemove(connectionId, out _);
    }

    /// <summary>Whether a facilitator follows the round on this instance.</summary>
    public bool FacilitatorsFollow(long roundId) =>
        _facilitatorsByRound.TryGetValue(roundId, out var connections) && !connections.IsEmpty;

    /// <summary>Ends every open connection of the participant; returns how many there were.</summary>
    public int End(long participantId)
    {
        if (!_byParticipant.TryRemove(participantId, out var connections)) return 0;
        foreach (var connection in connections.Values) connection.Abort();
        return connections.Count;
    }

    /// <summary>Open connections of the participant on this instance (for tests and diagnostics).</summary>
    public int Count(long participantId) => _byParticipant.TryGetValue(participantId, out var c) ? c.Count : 0;
}

/// <summary>
/// Keeps <see cref="LiveConnections"/> up to date, and logs refused hub calls (a round the caller may not follow,
/// an item not answered yet) at Information without a stack trace, sampled: they are the caller's mistake, and
/// a client that retries in a loop must not flood the log. Other failures are logged at Error, once, here.
/// </summary>
internal sealed class LiveHubFilter(LiveConnections connections, ILogger<LiveHub> logger, TimeProvider time) : IHubFilter
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly object _gate = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private readonly Dictionary<string, int> _refusedInWindow = [];

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        connections.Opened(context.Context);
        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        connections.Closed(context.Context);
        await next(context, exception);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(context);
        }
        catch (HubException e)
        {
            Refused(context.HubMethodName, e.Message);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Hub method {HubMethod} failed", context.HubMethodName);
            throw;
        }
    }

    /// <summary>The first refusal of each kind in a minute is logged, with how many of that kind the minute before held.</summary>
    private void Refused(string method, string message)
    {
        int earlier;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (now - _windowStart >= Window)
            {
                _windowStart = now;
                _refusedInWindow.Clear();
            }
            _refusedInWindow.TryGetValue(method, out earlier);
            _refusedInWindow[method] = earlier + 1;
        }
        if (earlier == 0)
            logger.LogInformation("Hub call {HubMethod} refused: {Reason} (further refusals of {HubMethod} in the next minute are not logged)", method, message, method);
    }
}
