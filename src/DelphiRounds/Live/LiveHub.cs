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
public sealed class LiveHub(LiveAccess access, AnswerStore answers) : Hub<ILiveClient>
{
    /// <summary>Joins a round of the caller's own study; refused for any other round.</summary>
    public async Task JoinRound(long roundId)
    {
        var (round, viewer) = await access.CheckAsync(Context.User!, roundId);
        if (round is null || viewer == LiveAccess.Viewer.None)
            throw new HubException($"roundId: round {roundId} is not one you can follow.");
        if (viewer == LiveAccess.Viewer.Facilitator)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Facilitators(roundId));
            return;
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Participants(roundId));
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
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.Facilitators(roundId));
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.Participants(roundId));
    }
}
