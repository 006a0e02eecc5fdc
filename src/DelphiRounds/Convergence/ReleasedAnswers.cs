using System.Collections.Concurrent;
using DelphiRounds.Answers;
using DelphiRounds.Kernel;
using DelphiRounds.Live;
using DelphiRounds.Privacy;
using DelphiRounds.Rounds;

namespace DelphiRounds.Convergence;

/// <summary>
/// The answers the open rounds' releases rest on, for the live verdicts (the facilitator's push, the convergence page,
/// the stats endpoint), held in memory: an answer revision is never changed once stored (a revision is a new row), so
/// each is read once — a tick reads only the answers its release added, not the round's every revision again. The
/// closed round a verdict measures stability against is read once too. Forgotten when a round opens or closes, and
/// all of it when a participant is erased.
/// </summary>
public sealed class ReleasedAnswers(AnswerStore answers)
    : IEventHandler<RoundOpened>, IEventHandler<RoundClosed>, IEventHandler<ParticipantErased>
{
    // Above this many unread answers one read of every revision of the round is cheaper than reading them by id.
    private const int ReadAllAbove = 1000;

    private sealed class Held
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public readonly Dictionary<long, CurrentAnswer> ById = [];
    }

    private readonly ConcurrentDictionary<long, Held> _open = new();
    private readonly ConcurrentDictionary<long, Lazy<Task<IReadOnlyList<CurrentAnswer>>>> _closed = new();

    /// <summary>Each item's released answers in the open round <paramref name="roundId"/> (the revisions its release names).</summary>
    public async Task<IReadOnlyDictionary<long, IReadOnlyList<CurrentAnswer>>> ForAsync(long roundId, IReadOnlyDictionary<long, ItemRelease> releases)
    {
        var held = _open.GetOrAdd(roundId, _ => new Held());
        await held.Gate.WaitAsync();
        try
        {
            var missing = releases.Values.SelectMany(r => r.AnswerIds).Where(id => !held.ById.ContainsKey(id)).Distinct().ToList();
            if (missing.Count > ReadAllAbove)
                foreach (var a in await answers.RevisionsAsync(roundId)) held.ById[a.Id] = a;
            else if (missing.Count > 0)
                foreach (var a in await answers.RevisionsAsync(roundId, missing)) held.ById[a.Id] = a;
            return releases.ToDictionary(r => r.Key, r => (IReadOnlyList<CurrentAnswer>)r.Value.AnswerIds
                .Select(id => held.ById.GetValueOrDefault(id)).OfType<CurrentAnswer>().ToList());
        }
        finally
        {
            held.Gate.Release();
        }
    }

    // Closed rounds held at most (one per open round is what is used); beyond it they are read again.
    private const int ClosedHeld = 32;

    /// <summary>The final answers of a closed round (they cannot change any more).</summary>
    public async Task<IReadOnlyList<CurrentAnswer>> OfClosedAsync(long roundId)
    {
        if (_closed.Count > ClosedHeld) _closed.Clear();
        var read = _closed.GetOrAdd(roundId, id => new Lazy<Task<IReadOnlyList<CurrentAnswer>>>(() => answers.CurrentAsync(id)));
        try
        {
            return await read.Value;
        }
        catch
        {
            _closed.TryRemove(KeyValuePair.Create(roundId, read));
            throw;
        }
    }

    public Task HandleAsync(RoundOpened e)
    {
        _open.TryRemove(e.Round.Id, out _);
        return Task.CompletedTask;
    }

    public Task HandleAsync(RoundClosed e)
    {
        _open.TryRemove(e.Round.Id, out _);
        return Task.CompletedTask;
    }

    public Task HandleAsync(ParticipantErased e)
    {
        _open.Clear();
        _closed.Clear();
        return Task.CompletedTask;
    }
}
