using DelphiRounds.Convergence;
using DelphiRounds.Live;
using DelphiRounds.Panel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.SignalR;

namespace DelphiRounds.Rounds;

/// <summary>Opens and closes rounds (taking the convergence snapshots) and tells everyone following the round.</summary>
public sealed class RoundService(RoundStore rounds, StudyStore studies, ConvergenceService convergence, LiveAggregates live, LivePublisher publisher, IHubContext<LiveHub, ILiveClient> hub, OutboxService outbox)
{
    /// <summary>A prepared round, or why not (the field at fault and a message).</summary>
    public sealed record Prepared(Round? Round, string? Field, string? Message);

    /// <summary>
    /// Prepares the next round as a draft: round 0 (open ideas) only as a study's first round; numbered
    /// rounds up to the consensus criteria's round limit; one draft or open round at a time.
    /// </summary>
    public async Task<Prepared> PrepareAsync(Study study, string kind, string mode, DateTimeOffset? closesAt)
    {
        var existing = await rounds.ListAsync(study.Id);
        if (existing.Any(r => r.State is RoundStates.Draft or RoundStates.Open))
            return new Prepared(null, "studyId", "The study already has a round in preparation or open; finish that one first.");
        if (kind == RoundKinds.Ideas && existing.Count > 0)
            return new Prepared(null, "kind", "Round 0 (open ideas) can only be the study's first round.");
        var next = existing.Where(r => r.Kind == RoundKinds.Rating).Select(r => r.Number).DefaultIfEmpty(0).Max() + 1;
        if (kind == RoundKinds.Rating && next > study.Rules.MaxRounds)
            return new Prepared(null, "studyId", $"The consensus criteria allow at most {study.Rules.MaxRounds} rounds.");
        return new Prepared(await rounds.CreateAsync(study.Id, kind == RoundKinds.Ideas ? RoundModes.Classic : mode, closesAt, kind), null, null);
    }

    public async Task<RoundChange> OpenAsync(long roundId)
    {
        var round = await rounds.FindAsync(roundId);
        var maxRounds = round is null ? int.MaxValue : (await studies.FindAsync(round.StudyId))!.Rules.MaxRounds;
        var change = await rounds.OpenAsync(roundId, maxRounds);
        if (change == RoundChange.Done)
        {
            live.Evict(roundId);
            await NotifyAsync(roundId, RoundStates.Open);
            // Everyone on the panel is invited to every round, also those who skipped one.
            await outbox.QueueInvitationsAsync(roundId);
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
