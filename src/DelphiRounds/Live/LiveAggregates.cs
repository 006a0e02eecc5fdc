using System.Collections.Concurrent;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Live;

/// <summary>
/// Each item's aggregate of a round, kept in memory and updated per answer or revision by the
/// incremental aggregates of <c>DelphiRounds.Consensus</c>, without reading answers back. A round is
/// loaded from the database once, on first use; after that only accepted answers change it.
/// Changed items are marked dirty for the <see cref="LivePublisher"/>.
/// </summary>
public sealed class LiveAggregates(
    RoundStore rounds, ItemStore items, StudyStore studies, AnswerStore answers, IOptions<LiveOptions> options,
    ILiveFanOut fanOut)
{
    private readonly ConcurrentDictionary<long, Lazy<Task<RoundAggregate>>> _rounds = new();
    private readonly ConcurrentDictionary<long, byte> _dirtyRounds = new();

    private int MinGroupAnswers => options.Value.MinGroupAnswersShown;

    /// <summary>The in-memory aggregate of a round, loading it on first use; null when the round does not exist.</summary>
    public async Task<RoundAggregate?> ForRoundAsync(long roundId)
    {
        var lazy = _rounds.GetOrAdd(roundId, id => new Lazy<Task<RoundAggregate>>(() => LoadAsync(id)));
        try
        {
            return await lazy.Value;
        }
        catch (RoundNotFoundException)
        {
            _rounds.TryRemove(roundId, out _);
            return null;
        }
    }

    /// <summary>How many items have a changed aggregate waiting for the publisher (the <c>delphi.live.queue_depth</c> metric).</summary>
    public int DirtyItemCount() =>
        _dirtyRounds.Keys.Sum(id => _rounds.TryGetValue(id, out var r) && r.IsValueCreated && r.Value.IsCompletedSuccessfully ? r.Value.Result.DirtyCount() : 0);

    /// <summary>Adds an accepted answer (or revision) to its item's aggregate and marks the item dirty.</summary>
    public async Task ApplyAsync(Answer answer, string groupSlug, long acceptedTimestamp)
    {
        var round = await ForRoundAsync(answer.RoundId);
        if (round is null) return;
        var ranks = answer.Detail?.Ranks;
        var changed = round.Apply(answer.ItemId, answer.ParticipantId, groupSlug, answer.Value, ranks, answer.Id, acceptedTimestamp);
        fanOut.Announce(new AnswerNote("", answer.RoundId, answer.ItemId, answer.ParticipantId, groupSlug, answer.Value, answer.Id, acceptedTimestamp, ranks));
        // The benchmark's naive baseline pushes per answer itself (tests/DelphiRounds.Load); nothing waits for a tick.
        if (changed && !options.Value.Naive) _dirtyRounds.TryAdd(answer.RoundId, 0);
    }

    /// <summary>
    /// Applies the answers with the given ids as the database has them (another instance announced them; the
    /// note is only a hint, so a forged one cannot change a figure). Returns the ids the database does not have.
    /// </summary>
    public async Task<IReadOnlyCollection<long>> ApplyStoredAsync(IReadOnlyCollection<long> ids)
    {
        var found = new HashSet<long>();
        foreach (var row in await answers.AfterAsync(long.MaxValue, ids, ids.Count))
        {
            found.Add(row.Id);
            ApplyRow(row);
        }
        return ids.Where(id => !found.Contains(id)).ToList();
    }

    // Every answer with an id up to _mark has been read from the database (or was loaded with its round).
    // A read starts at the mark of the read before it, not at the newest: on PostgreSQL an answer can commit
    // after one with a higher id, and a read that saw the higher one must not skip it for good.
    private long _mark = -1, _previousMark = -1;
    private readonly SemaphoreSlim _catchingUp = new(1, 1);
    private const int CatchUpPage = 2000;

    /// <summary>
    /// Loads every answer the database has that this instance may have missed (announcements lost while Redis
    /// was away, or never sent by an instance that died): everything newer than what it last read, by answer id.
    /// Returns how many answers changed an aggregate.
    /// </summary>
    public async Task<int> CatchUpAsync()
    {
        await _catchingUp.WaitAsync();
        try
        {
            if (_mark < 0)
            {
                // Rounds load every answer they have when first used, so only what comes after start-up counts.
                _mark = _previousMark = await answers.MaxIdAsync();
                return 0;
            }
            var from = _previousMark;
            var newest = _mark;
            var changed = 0;
            while (true)
            {
                var rows = await answers.AfterAsync(from, [], CatchUpPage);
                foreach (var row in rows)
                {
                    if (ApplyRow(row)) changed++;
                    newest = Math.Max(newest, row.Id);
                }
                if (rows.Count < CatchUpPage) break;
                from = rows[^1].Id;
            }
            _previousMark = _mark;
            _mark = newest;
            return changed;
        }
        finally
        {
            _catchingUp.Release();
        }
    }

    // Only rounds already in memory need it: a round loaded later reads all its answers then.
    private bool ApplyRow(AnswerRow row)
    {
        if (!_rounds.TryGetValue(row.RoundId, out var lazy) || !lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully) return false;
        var round = lazy.Value.Result;
        if (round.Has(row.ItemId, row.ParticipantId, row.Id)) return false;
        if (!round.Apply(row.ItemId, row.ParticipantId, row.GroupSlug, row.Value, row.Detail?.Ranks, row.Id, acceptedTimestamp: 0)) return false;
        if (!options.Value.Naive) _dirtyRounds.TryAdd(row.RoundId, 0);
        return true;
    }

    /// <summary>Marks every item of every loaded round changed, so the next tick pushes them all.</summary>
    public void MarkAllDirty()
    {
        foreach (var (roundId, lazy) in _rounds)
        {
            if (!lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully) continue;
            lazy.Value.Result.MarkAllDirty();
            _dirtyRounds.TryAdd(roundId, 0);
        }
    }

    /// <summary>Current statistics of every item of a round (anonymity threshold applied).</summary>
    public async Task<IReadOnlyList<ItemStats>?> SnapshotAsync(long roundId)
    {
        var round = await ForRoundAsync(roundId);
        return round?.Snapshot(MinGroupAnswers, dirtyOnly: false);
    }

    /// <summary>Takes the changed items of every round since the last call (for the publisher), with the round's mode.</summary>
    public List<(long RoundId, string Mode, IReadOnlyList<ItemStats> Items)> TakeDirty()
    {
        var result = new List<(long, string, IReadOnlyList<ItemStats>)>();
        foreach (var roundId in _dirtyRounds.Keys)
        {
            _dirtyRounds.TryRemove(roundId, out _);
            if (_rounds.TryGetValue(roundId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                var round = lazy.Value.Result;
                var changed = round.Snapshot(MinGroupAnswers, dirtyOnly: true);
                if (changed.Count > 0) result.Add((roundId, round.Mode, changed));
            }
        }
        return result;
    }

    /// <summary>Forgets a round's aggregate (it is reloaded from the database on next use).</summary>
    public void Evict(long roundId) => _rounds.TryRemove(roundId, out _);

    private async Task<RoundAggregate> LoadAsync(long roundId)
    {
        var round = await rounds.FindAsync(roundId) ?? throw new RoundNotFoundException();
        var study = (await studies.FindAsync(round.StudyId))!;
        var rules = study.Rules;
        var studyItems = (await items.ListAsync(study.Id)).ToDictionary(i => i.Id);
        var aggregate = new RoundAggregate(roundId, round.Mode);
        foreach (var ri in await rounds.ItemsAsync(roundId))
        {
            var item = studyItems[ri.ItemId];
            switch (item.Kind)
            {
                case ItemKinds.Rating when item.Scale is { } scale:
                    aggregate.AddItem(item.Id, item.Kind, new RatingAggregate(scale, rules.QuantileMethod, rules.ForItem(item)));
                    break;
                case ItemKinds.Numeric or ItemKinds.Year:
                    aggregate.AddItem(item.Id, item.Kind, new NumericAggregate(rules.QuantileMethod, rules.ForItem(item)));
                    break;
                case ItemKinds.Ranking:
                    aggregate.AddRanking(item.Id, new RankingAggregate(item.Options.Select(o => o.Key).ToList()));
                    break;
            }
        }
        foreach (var a in await answers.CurrentAsync(roundId))
            aggregate.Apply(a.ItemId, a.ParticipantId, a.GroupSlug, a.Value, a.Detail?.Ranks, a.Id, acceptedTimestamp: 0);
        aggregate.ClearDirty();
        return aggregate;
    }

    private sealed class RoundNotFoundException : Exception;
}

/// <summary>The aggregates of one round's items. All access goes through one lock per round.</summary>
public sealed class RoundAggregate(long roundId, string mode = RoundModes.Live)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, ItemState> _items = [];

    public long RoundId { get; } = roundId;

    /// <summary>The round's mode when it was loaded (it cannot change once the round is open).</summary>
    public string Mode { get; } = mode;

    private sealed class ItemState(string kind, IItemAggregate? numbers, RankingAggregate? ranking)
    {
        public string Kind { get; } = kind;
        public IItemAggregate? Numbers { get; } = numbers;
        public RankingAggregate? Ranking { get; } = ranking;
        public Dictionary<long, (string Group, double? Value, long AnswerId)> Current { get; } = [];
        public long Version { get; set; }
        public long AcceptedTimestamp { get; set; }
        public bool Dirty { get; set; }
    }

    internal void AddItem(long itemId, string kind, IItemAggregate aggregate)
    {
        lock (_gate) _items[itemId] = new ItemState(kind, aggregate, null);
    }

    internal void AddRanking(long itemId, RankingAggregate aggregate)
    {
        lock (_gate) _items[itemId] = new ItemState(ItemKinds.Ranking, null, aggregate);
    }

    /// <summary>
    /// Applies an answer unless a newer answer of the same participant is already in (answers can
    /// arrive out of order from concurrent requests; the highest answer id wins). True when there is something to push.
    /// </summary>
    public bool Apply(long itemId, long participantId, string group, double? value, IReadOnlyDictionary<string, double>? ranks, long answerId, long acceptedTimestamp)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(itemId, out var item)) return false;
            if (item.Current.TryGetValue(participantId, out var old))
            {
                if (old.AnswerId > answerId) return false;
                if (old.AnswerId == answerId)
                {
                    // Already counted: the round was loaded from the database after this answer's commit.
                    // It still has to be pushed, stamped with its acceptance time.
                    if (item.Version == answerId) item.AcceptedTimestamp = acceptedTimestamp;
                    item.Dirty = true;
                    return true;
                }
                if (item.Numbers is not null && old.Value is { } oldValue) item.Numbers.Remove(old.Group, oldValue);
            }
            if (item.Numbers is not null && value is { } v) item.Numbers.Add(group, v);
            if (item.Ranking is not null && ranks is not null) item.Ranking.Set(participantId.ToString(System.Globalization.CultureInfo.InvariantCulture), group, ranks);
            item.Current[participantId] = (group, value, answerId);
            if (answerId > item.Version)
            {
                item.Version = answerId;
                item.AcceptedTimestamp = acceptedTimestamp;
            }
            item.Dirty = true;
            return true;
        }
    }

    /// <summary>True when the participant's answer to the item is this one or newer (or the item is not in the round).</summary>
    internal bool Has(long itemId, long participantId, long answerId)
    {
        lock (_gate)
            return !_items.TryGetValue(itemId, out var item)
                   || (item.Current.TryGetValue(participantId, out var current) && current.AnswerId >= answerId);
    }

    internal IReadOnlyList<ItemStats> Snapshot(int minGroupAnswers, bool dirtyOnly)
    {
        lock (_gate)
        {
            var list = new List<ItemStats>(_items.Count);
            foreach (var (itemId, item) in _items)
            {
                if (dirtyOnly)
                {
                    // Only the publisher takes the dirty mark; a page or API snapshot must not swallow a push.
                    if (!item.Dirty) continue;
                    item.Dirty = false;
                }
                list.Add(item.Ranking is not null
                    ? ItemStats.FromRanking(itemId, item.Version, item.AcceptedTimestamp, item.Ranking.Analysis())
                    : ItemStats.From(itemId, item.Kind, item.Version, item.AcceptedTimestamp, item.Numbers!.Analysis(), minGroupAnswers));
            }
            return list;
        }
    }

    internal void MarkAllDirty()
    {
        lock (_gate) foreach (var item in _items.Values) item.Dirty = true;
    }

    internal int DirtyCount()
    {
        lock (_gate) return _items.Values.Count(i => i.Dirty);
    }

    internal void ClearDirty()
    {
        lock (_gate) foreach (var item in _items.Values) item.Dirty = false;
    }

    /// <summary>Number of answers currently counted for an item (for tests and the dashboard).</summary>
    public int Count(long itemId)
    {
        lock (_gate) return _items.TryGetValue(itemId, out var item) ? item.Current.Count : 0;
    }
}
