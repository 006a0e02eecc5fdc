using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Rounds;
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
public sealed class LiveHub(LiveAccess access, AnswerStore answers, LiveConnections connections) : Hub<ILiveClient>
{
    /// <summary>Joins a round of the caller's own study; refused for any other round.</summary>
    public Task JoinRound(long roundId) => JoinAsync(roundId, changes: false);

    /// <summary>
    /// Joins a round as <see cref="JoinRound"/> does, but its pushes carry per item only what changed since the item's
    /// last push (an item with <c>baseVersion</c>; see <see cref="LiveItem.ChangesSince"/>), or the whole item. A client
    /// applies a change only onto exactly that version, and fetches the snapshot when it does not have it.
    /// </summary>
    public Task JoinRoundChanges(long roundId) => JoinAsync(roundId, changes: true);

    private async Task JoinAsync(long roundId, bool changes)
    {
        var (round, viewer) = await access.CheckAsync(Context.User!, roundId);
        if (round is null || viewer == LiveAccess.Viewer.None)
            throw new HubException($"roundId: round {roundId} is not one you can follow.");
        string Group(string name) => changes ? LiveGroups.Changes(name) : name;
        if (viewer == LiveAccess.Viewer.Facilitator)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, Group(LiveGroups.Facilitators(roundId)));
            connections.FacilitatorFollows(roundId, Context.ConnectionId);
            return;
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(LiveGroups.Participants(roundId)));
        if (round.Mode == RoundModes.Blind)
        {
            foreach (var itemId in (await answers.MineAsync(roundId, Context.User!.ParticipantId()!.Value)).Keys)
                await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Revealed(roundId, itemId));
        }
    }

    /// <summary>Blind rounds: after answering an item, follow its aggregate. Refused before answering it.</summary>
    public async Task RevealItem(long roundId, long itemId)
    {
        var (round, viewer) = await access.CheckAsync(Context.User!, roundId);
        if (round is null || viewer != LiveAccess.Viewer.Participant)
            throw new HubException($"roundId: round {roundId} is not one you can follow.");
        if (!(await answers.MineAsync(roundId, Context.User!.ParticipantId()!.Value)).ContainsKey(itemId))
            throw new HubException($"itemId: answer item {itemId} first; then you see the panel's answer.");
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Revealed(roundId, itemId));
    }

    /// <summary>Stops following a round.</summary>
    public async Task LeaveRound(long roundId)
    {
        connections.Left(roundId, Context.ConnectionId);
        foreach (var group in new[] { LiveGroups.Facilitators(roundId), LiveGroups.Participants(roundId) })
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.Changes(group));
        }
    }
}
