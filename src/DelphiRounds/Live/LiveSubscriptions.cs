using DelphiRounds.Answers;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Privacy;
using DelphiRounds.Rounds;

namespace DelphiRounds.Live;

/// <summary>
/// What Live does when Answers and Rounds announce something: an accepted answer goes into the round's
/// aggregate; an opened round starts from the database and is announced; a closed round first pushes
/// everything accepted before the close, then announces the close. A participant whose links were revoked, or
/// who was erased, loses their open connections at once.
/// </summary>
public sealed class LiveSubscriptions(LiveAggregates aggregates, LivePublisher publisher, LiveClients clients, LiveConnections connections, ILiveFanOut fanOut,
    IServiceProvider services, ILogger<LiveSubscriptions> logger)
    : IEventHandler<AnswerAccepted>, IEventHandler<RoundOpened>, IEventHandler<RoundClosed>,
      IEventHandler<ParticipantTokenRevoked>, IEventHandler<ParticipantErased>
{
    public Task HandleAsync(ParticipantTokenRevoked e)
    {
        connections.End(e.ParticipantId);
        return Task.CompletedTask;
    }

    public Task HandleAsync(ParticipantErased e)
    {
        connections.End(e.ParticipantId);
        return Task.CompletedTask;
    }

    public Task HandleAsync(AnswerAccepted e) => aggregates.ApplyAsync(e.Answer, e.GroupSlug, e.AcceptedTimestamp);

    public Task HandleAsync(RoundOpened e)
    {
        aggregates.Evict(e.Round.Id);
        return clients.RoundStateChangedAsync(e.Round.Id, RoundStates.Open);
    }

    public async Task HandleAsync(RoundClosed e)
    {
        // Scaled out, answers given on the other instance may not be read yet; the final release must hold them all
        // (whatever comes later is fewer than k and would never be released in a closed round).
        if (fanOut is RedisFanOut) await aggregates.CatchUpAsync();
        await publisher.PublishDirtyAsync(closingRoundId: e.Round.Id);
        fanOut.AnnounceClosed(e.Round.Id);
        await clients.RoundStateChangedAsync(e.Round.Id, RoundStates.Closed, await VerdictsAsync(e.Round));
    }

    /// <summary>
    /// The verdicts the close made (with the items' earlier ones), for the facilitators' screens: the same as the
    /// convergence page and the stats endpoint. Without them (no convergence in this host, or they cannot be read)
    /// the close still goes out.
    /// </summary>
    private async Task<IReadOnlyList<ItemVerdict>?> VerdictsAsync(Round round)
    {
        if (round.IsIdeas || services.GetService<IItemVerdicts>() is not { } judged) return null;
        try
        {
            return await judged.UpToRoundAsync(round.StudyId, round.Number);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Reading the verdicts of closed round {RoundId} for its facilitators failed; the close goes out without them", round.Id);
            return null;
        }
    }
}
