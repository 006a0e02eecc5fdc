using DelphiRounds.Convergence;
using DelphiRounds.Live;
using Microsoft.AspNetCore.SignalR;

namespace DelphiRounds.Rounds;

/// <summary>Opens and closes rounds (taking the convergence snapshots) and tells everyone following the round.</summary>
public sealed class RoundService(RoundStore rounds, ConvergenceService convergence, LiveAggregates live, LivePublisher publisher, IHubContext<LiveHub, ILiveClient> hub)
{
    public async Task<RoundChange> OpenAsync(long roundId)
    {
        var change = await rounds.OpenAsync(roundId);
        if (change == RoundChange.Done)
        {
            live.Evict(roundId);
            await NotifyAsync(roundId, RoundStates.Open);
        }
        return change;
    }

    public async Task<RoundChange> CloseAsync(long roundId)
    {
        // The convergence snapshots are written in the close transaction itself.
        var change = await rounds.CloseAsync(roundId, convergence.SnapshotAsync);
        if (change == RoundChange.Done)
        {
            // Everything accepted before the close goes out before the close is announced.
            await publisher.PublishDirtyAsync();
            await NotifyAsync(roundId, RoundStates.Closed);
        }
        return change;
    }

    private Task NotifyAsync(long roundId, string state) =>
        hub.Clients.Groups(LiveGroups.Participants(roundId), LiveGroups.Facilitators(roundId))
            .RoundStateChanged(new RoundStateChange(roundId, state));
}
