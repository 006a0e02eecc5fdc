using DelphiRounds.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace DelphiRounds.Live;

/// <summary>
/// <c>/hubs/live</c>: a connection joins the rounds it may see and then receives <c>StatsUpdated</c>
/// and <c>RoundStateChanged</c>. The hub only authorises and joins groups; state lives in services and
/// sending is done by <see cref="LivePublisher"/>. After (re)connecting, a client fetches the snapshot
/// (<c>GET /api/v1/rounds/{id}/stats</c>) and applies pushes newer than it.
/// </summary>
[Authorize(Policy = Auth.Viewer)]
public sealed class LiveHub(LiveAccess access) : Hub<ILiveClient>
{
    /// <summary>Joins a round of the caller's own study; refused for any other round.</summary>
    public async Task JoinRound(long roundId)
    {
        var (round, viewer) = await access.CheckAsync(Context.User!, roundId);
        var group = viewer switch
        {
            LiveAccess.Viewer.Facilitator => LiveGroups.Facilitators(roundId),
            LiveAccess.Viewer.Participant => LiveGroups.Participants(roundId),
            _ => null,
        };
        if (round is null || group is null)
            throw new HubException($"roundId: round {roundId} is not one you can follow.");
        await Groups.AddToGroupAsync(Context.ConnectionId, group);
    }

    /// <summary>Stops following a round.</summary>
    public async Task LeaveRound(long roundId)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.Facilitators(roundId));
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.Participants(roundId));
    }
}
