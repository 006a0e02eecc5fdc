using Microsoft.AspNetCore.SignalR;

namespace DelphiRounds.Live;

/// <summary>
/// The one way out to the browsers on <c>/hubs/live</c> (like osu-server-spectator's
/// <c>IMultiplayerHubContext</c>): the hub only joins groups, and every message to a round's followers goes
/// through here. No code outside <c>Live/</c> names the hub context.
/// </summary>
public sealed class LiveClients(IHubContext<LiveHub, ILiveClient> hub, Microsoft.Extensions.Options.IOptions<LiveOptions> options)
{
    /// <summary>
    /// Changed aggregates to everyone following the round: its participants and its facilitators; to those that follow
    /// changes (<see cref="LiveGroups.Changes"/>) <paramref name="changes"/>, the same push with per item only what changed.
    /// </summary>
    public async Task StatsToRoundAsync(StatsUpdate update, StatsUpdate? changes = null)
    {
        changes ??= update;
        var (participants, facilitators) = (LiveGroups.Participants(update.RoundId), LiveGroups.Facilitators(update.RoundId));
        // One message for both only when it is the same for both: a verdict is the facilitators' alone.
        if (options.Value.TimestampsToParticipants && update.Items.All(i => i.Verdict is null) && changes.Items.All(i => i.Verdict is null))
        {
            await hub.Clients.Groups(participants, facilitators).StatsUpdated(update);
            await hub.Clients.Groups(LiveGroups.Changes(participants), LiveGroups.Changes(facilitators)).StatsUpdated(changes);
            return;
        }
        await StatsToFacilitatorsAsync(update, changes);
        await StatsToParticipantsAsync(update, changes);
    }

    /// <summary>Changed aggregates to the round's participants only (without the facilitators' verdicts), as <see cref="StatsToRoundAsync"/> does.</summary>
    public async Task StatsToParticipantsAsync(StatsUpdate update, StatsUpdate changes)
    {
        var participants = LiveGroups.Participants(update.RoundId);
        await hub.Clients.Group(participants).StatsUpdated(ForParticipants(update));
        await hub.Clients.Group(LiveGroups.Changes(participants)).StatsUpdated(ForParticipants(changes));
    }

    private StatsUpdate ForParticipants(StatsUpdate update) =>
        update with { Items = update.Items.Select(i => i.ForParticipants(keepTimestamp: options.Value.TimestampsToParticipants)).ToList() };

    /// <summary>Changed aggregates to the round's facilitators only (as <see cref="StatsToRoundAsync"/> does).</summary>
    public async Task StatsToFacilitatorsAsync(StatsUpdate update, StatsUpdate? changes = null)
    {
        await hub.Clients.Group(LiveGroups.Facilitators(update.RoundId)).StatsUpdated(update);
        await hub.Clients.Group(LiveGroups.Changes(LiveGroups.Facilitators(update.RoundId))).StatsUpdated(changes ?? update);
    }

    /// <summary>One item's aggregate to the participants of a blind round who answered it.</summary>
    public Task StatsToRevealedAsync(long roundId, LiveItem item) =>
        hub.Clients.Group(LiveGroups.Revealed(roundId, item.ItemId)).StatsUpdated(ForParticipants(new StatsUpdate(roundId, [item])));

    /// <summary>The round opened or closed, to everyone following it; <paramref name="verdicts"/> go to its facilitators only.</summary>
    public async Task RoundStateChangedAsync(long roundId, string state, IReadOnlyList<ItemVerdict>? verdicts = null)
    {
        if (verdicts is null)
        {
            await hub.Clients.Groups(LiveGroups.Participants(roundId), LiveGroups.Facilitators(roundId)).RoundStateChanged(new RoundStateChange(roundId, state));
            return;
        }
        await hub.Clients.Group(LiveGroups.Facilitators(roundId)).RoundStateChanged(new RoundStateChange(roundId, state, verdicts));
        await hub.Clients.Group(LiveGroups.Participants(roundId)).RoundStateChanged(new RoundStateChange(roundId, state));
    }
}
