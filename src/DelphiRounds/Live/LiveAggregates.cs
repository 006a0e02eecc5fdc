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
/// Changed items are marked dirty for the <see cref="LivePublisher"/>, which releases an item's figures only
/// once at least <see cref="ReleaseThreshold.K"/> people have changed it since its last release; pages, the
/// stats endpoint and pushes all show that released state, never the aggregate in between. Every release is
/// stored (<see cref="LiveReleaseStore"/>) before anyone sees it, and a round loaded again (a restart, another
/// instance) starts from that release, not from what the database holds by then.
/// </summary>
public sealed class LiveAggregates(
    RoundStore rounds, ItemStore items, StudyStore studies, AnswerStore answers, IOptions<LiveOptions> options,
    ILiveFanOut fanOut, LiveMetrics metrics, LiveReleaseStore releases)
{
    private readonly ConcurrentDictionary<long, Lazy<Task<RoundAggregate>>> _rounds = new();
    private readonly ConcurrentDictionary<long, byte> _dirtyRounds = new();

    private int MinGroupAnswers => options.Value.MinGroupAnswersShown;
    private int K => Math.Max(ReleaseThreshold.K, options.Value.MinGroupAnswersShown);

    /// <summary>A round's k: its study's locked rules, raised by <see cref="LiveOptions.MinGroupAnswersShown"/>, never under 3.</summary>
    private int KOf(RoundAggregate? round) => Math.Max(K, round?.ReleaseK ?? K);

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

    /// <summary>The released statistics of every item of a round: what every page, the stats endpoint and the pushes show.</summary>
    /// <param name="roundId">The round.</param>
    /// <param name="closed">The round has closed: its final figures (scaled out, the close may have happened on another instance).</param>
    public async Task<IReadOnlyList<ItemStats>?> SnapshotAsync(long roundId, bool closed = false)
    {
        var round = await ForRoundAsync(roundId);
        // A reader releases what may be released now (the publisher pushes it on its next tick), so a page
        // right after the k-th answer shows it, the same as the push that follows.
        var snapshot = round?.Released(KOf(round), MinGroupAnswers, closed, metrics.Released);
        await StoreReleasesAsync();
        return snapshot;
    }

    /// <summary>
    /// Stores the releases made since the last call, before they are shown (the stats endpoint, pages and the
    /// publisher call it first), so a restart never goes back to figures other than the last ones shown.
    /// </summary>
    public async Task StoreReleasesAsync()
    {
        foreach (var (roundId, lazy) in _rounds)
        {
            if (!lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully) continue;
            await releases.SaveAsync(roundId, lazy.Value.Result.TakeReleasesToStore());
        }
    }

    /// <summary>
    /// Releases the items of every round that have enough changes since their last release (for the publisher),
    /// with the round's mode. A closing round releases whatever it has, once its panel has at least k answers.
    /// </summary>
    public List<(long RoundId, string Mode, IReadOnlyList<ItemStats> Items)> TakeDirty(long? closingRoundId = null)
    {
        var result = new List<(long, string, IReadOnlyList<ItemStats>)>();
        var roundIds = _dirtyRounds.Keys.ToList();
        if (closingRoundId is { } closing && !roundIds.Contains(closing)) roundIds.Add(closing);
        foreach (var roundId in roundIds)
        {
            _dirtyRounds.TryRemove(roundId, out _);
            if (_rounds.TryGetValue(roundId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                var round = lazy.Value.Result;
                var changed = round.Release(KOf(round), MinGroupAnswers, closing: roundId == closingRoundId, metrics.Released);
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
        var aggregate = new RoundAggregate(roundId, round.Mode, rules.EffectiveReleaseK);
        foreach (var ri in await rounds.ItemsAsync(roundId))
        {
            var item = studyItems[ri.ItemId];
            switch (item.Kind)
            {
                case ItemKinds.Rating when item.Scale is { } scale:
                    aggregate.AddItem(item.Id, item.Kind, new RatingAggregate(scale, rules.QuantileMethod, rules.ForLive(item)));
                    break;
                case ItemKinds.Numeric or ItemKinds.Year:
                    aggregate.AddItem(item.Id, item.Kind, new NumericAggregate(rules.QuantileMethod, rules.ForLive(item)));
                    break;
                case ItemKinds.Ranking:
                    aggregate.AddRanking(item.Id, new RankingAggregate(item.Options.Select(o => o.Key).ToList()));
                    break;
            }
        }
        var closed = round.State == RoundStates.Closed;
        // An open round shown before (before a restart, or by another instance): first exactly what was last released
        // of each item, then the answers since as changes that wait for k people like any others (issue 15).
        var shown = closed ? new Dictionary<long, ItemRelease>() : await releases.ForRoundAsync(roundId);
        if (shown.Count > 0)
        {
            var ids = shown.Values.SelectMany(r => r.AnswerIds).ToHashSet();
            foreach (var row in await answers.AfterAsync(long.MaxValue, ids, ids.Count))
                if (row.RoundId == roundId && shown.TryGetValue(row.ItemId, out var r) && r.AnswerIds.Contains(row.Id))
                    aggregate.Apply(row.ItemId, row.ParticipantId, row.GroupSlug, row.Value, row.Detail?.Ranks, row.Id, acceptedTimestamp: 0);
            aggregate.StartVersions(shown.ToDictionary(s => s.Key, s => (s.Value.Version, s.Value.AnswerIds.Count == 0 ? 0 : s.Value.AnswerIds.Max())));
            aggregate.Release(KOf(aggregate), MinGroupAnswers, closing: false, released: null);
            aggregate.TakeReleasesToStore();
        }
        var current = await answers.CurrentAsync(roundId);
        foreach (var a in current)
            aggregate.Apply(a.ItemId, a.ParticipantId, a.GroupSlug, a.Value, a.Detail?.Ranks, a.Id, acceptedTimestamp: 0);
        // An item's version goes on from the answers and revisions stored so far, so a round loaded again (a restart,
        // a reconnect to another instance) never shows a version below what a screen already has. Only rows up to
        // the newest answer read above count: a later one is still to come through Apply. (An item released before
        // keeps that release as it was, version included; its next release counts every row, as the table does.)
        var newest = current.GroupBy(a => a.ItemId).ToDictionary(g => g.Key, g => g.Max(a => a.Id));
        var stored = await answers.IdsByItemAsync(roundId);
        aggregate.StartVersions(newest.ToDictionary(n => n.Key, n => ((long)stored[n.Key].Count(id => id <= n.Value), n.Value)));
        // What the database holds is released as a first release (if it has k answers) of an item never released;
        // an item released before moves only as release allows; a closed round's are its final figures.
        aggregate.Release(KOf(aggregate), MinGroupAnswers, closing: closed, released: null);
        aggregate.ClearDirty();
        return aggregate;
    }

    private sealed class RoundNotFoundException : Exception;
}

/// <summary>The k of threshold release: no figure anyone sees changes by fewer than this many people's answers.</summary>
public static class ReleaseThreshold
{
    /// <summary>
    /// Three: with two, each of two new answers is the difference less the other, which the one who gave it knows.
    /// Locked: a study's rules (<see cref="ConsensusRules.ReleaseK"/>, locked when round 1 opens) and
    /// <see cref="LiveOptions.MinGroupAnswersShown"/> may raise it, nothing lowers it.
    /// </summary>
    public const int K = ConsensusRules.MinReleaseK;
}

/// <summary>The aggregates of one round's items. All access goes through one lock per round.</summary>
public sealed class RoundAggregate(long roundId, string mode = RoundModes.Live, int releaseK = ReleaseThreshold.K)
{
    /// <summary>The k of the round's study, as its rules lock it (at least <see cref="ReleaseThreshold.K"/>).</summary>
    public int ReleaseK { get; } = Math.Max(ReleaseThreshold.K, releaseK);

    private readonly Lock _gate = new();
    private readonly Dictionary<long, ItemState> _items = [];
    private readonly Dictionary<long, ItemRelease> _toStore = [];

    public long RoundId { get; } = roundId;

    /// <summary>The round's mode when it was loaded (it cannot change once the round is open).</summary>
    public string Mode { get; } = mode;

    private sealed class ItemState(string kind, IItemAggregate? numbers, RankingAggregate? ranking)
    {
        public string Kind { get; } = kind;
        public IItemAggregate? Numbers { get; } = numbers;
        public RankingAggregate? Ranking { get; } = ranking;
        public Dictionary<long, (string Group, double? Value, long AnswerId)> Current { get; } = [];
        /// <summary>Answers and revisions applied to the item in this round: the version clients order pushes by.</summary>
        public long Version { get; set; }
        public long NewestAnswerId { get; set; }
        /// <summary>Answers up to this id were counted in <see cref="Version"/> when the round was loaded.</summary>
        public long CountedUpTo { get; set; }
        public long AcceptedTimestamp { get; set; }
        public bool Dirty { get; set; }

        /// <summary>People whose answer changed since the panel's figures were last released.</summary>
        public HashSet<long> Changed { get; } = [];

        /// <summary>
        /// Answers above <see cref="CountedUpTo"/> counted in <see cref="Version"/>: scaled out, the same row can arrive
        /// twice (its note and a catch-up), and an overtaken revision still counts once.
        /// </summary>
        public HashSet<long> Counted { get; } = [];

        /// <summary>Acceptance times of the changes not released yet (for the release-delay measure).</summary>
        public List<long> Waiting { get; } = [];

        /// <summary>What everyone sees of this item; null until the first release.</summary>
        public ItemStats? Released { get; set; }

        /// <summary>The "don't know" count the last release rested on (shown only when at least k).</summary>
        public int ReleasedDontKnow { get; set; }

        /// <summary>Answers with a value (what the statistics count); "don't know" has none.</summary>
        public int Valued => Numbers is null ? Current.Count : Current.Values.Count(c => c.Value is not null);

        /// <summary>Current "don't know" answers: a rating, numeric or year answer without a value.</summary>
        public int DontKnow => Numbers is null ? 0 : Current.Values.Count(c => c.Value is null);

        /// <summary>The released state has not been pushed yet (released by a reader, or sent again after a scale-out reconnect).</summary>
        public bool Unpushed { get; set; }
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
    /// arrive out of order from concurrent requests; the highest answer id wins), and counts it in the item's
    /// version either way. True when the aggregate's figures changed.
    /// </summary>
    public bool Apply(long itemId, long participantId, string group, double? value, IReadOnlyDictionary<string, double>? ranks, long answerId, long acceptedTimestamp)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(itemId, out var item)) return false;
            if (item.Current.TryGetValue(participantId, out var old))
            {
                if (old.AnswerId > answerId)
                {
                    // A revision overtaken by a newer one of the same participant: the figures stay, but it is a
                    // stored row of the item and the version counts every one (it goes out with the next release).
                    if (answerId > item.CountedUpTo && item.Counted.Add(answerId)) item.Version++;
                    return false;
                }
                if (old.AnswerId == answerId)
                {
                    // Already counted: the round was loaded (and released) from the database after this answer's
                    // commit; only its acceptance time is new.
                    if (item.NewestAnswerId == answerId) item.AcceptedTimestamp = acceptedTimestamp;
                    return false;
                }
                if (item.Numbers is not null && old.Value is { } oldValue) item.Numbers.Remove(old.Group, oldValue);
            }
            if (item.Numbers is not null && value is { } v) item.Numbers.Add(group, v);
            if (item.Ranking is not null && ranks is not null) item.Ranking.Set(participantId.ToString(System.Globalization.CultureInfo.InvariantCulture), group, ranks);
            item.Current[participantId] = (group, value, answerId);
            // The version counts changes within the round; the answer id is global and would tell every participant
            // how many answers all studies on this server receive.
            if (answerId > item.CountedUpTo && item.Counted.Add(answerId)) item.Version++;
            if (answerId > item.NewestAnswerId)
            {
                item.NewestAnswerId = answerId;
                item.AcceptedTimestamp = acceptedTimestamp;
            }
            item.Changed.Add(participantId);
            if (acceptedTimestamp > 0) item.Waiting.Add(acceptedTimestamp);
            item.Dirty = true;
            return true;
        }
    }

    /// <summary>The released state of every item (nothing for an item not released yet), after releasing what may be released now.</summary>
    internal IReadOnlyList<ItemStats> Released(int k, int minGroupAnswers, bool closed, Action<long>? released)
    {
        lock (_gate)
        {
            ReleaseLocked(k, minGroupAnswers, closed, released);
            return _items.Select(kv => kv.Value.Released ?? ItemStats.NothingYet(kv.Key, kv.Value.Kind)).ToList();
        }
    }

    /// <summary>
    /// Releases every changed item that may be released now and returns the new released states.
    /// An item is released when at least <paramref name="k"/> people changed it since its last release, it has at
    /// least k answers, and every group shown moves by none or at least k of its own people, the rest of the panel's
    /// change likewise (else the panel's change less the groups' would be one or two answers); until then it is held
    /// whole. A closing round releases every change, once the panel has k answers.
    /// </summary>
    /// <param name="k">The release threshold (<see cref="ReleaseThreshold.K"/> or more).</param>
    /// <param name="minGroupAnswers">The fewest answers a group's figures rest on.</param>
    /// <param name="closing">The round is closing: its final figures go out.</param>
    /// <param name="released">Called with each released change's acceptance time (for the release-delay measure).</param>
    internal IReadOnlyList<ItemStats> Release(int k, int minGroupAnswers, bool closing, Action<long>? released)
    {
        lock (_gate)
        {
            ReleaseLocked(k, minGroupAnswers, closing, released);
            var list = new List<ItemStats>();
            foreach (var item in _items.Values)
            {
                if (item.Unpushed && item.Released is not null) list.Add(item.Released);
                item.Unpushed = false;
            }
            return list;
        }
    }

    /// <summary>Sets the version of the given items (the others keep theirs).</summary>
    internal void StartVersions(IReadOnlyDictionary<long, (long Version, long UpTo)> versions)
    {
        lock (_gate)
            foreach (var (itemId, v) in versions)
                if (_items.TryGetValue(itemId, out var item)) (item.Version, item.CountedUpTo) = v;
    }

    /// <summary>The releases made since the last call, to store before they are shown (<see cref="LiveReleaseStore"/>).</summary>
    internal IReadOnlyList<ItemRelease> TakeReleasesToStore()
    {
        lock (_gate)
        {
            var list = _toStore.Values.ToList();
            _toStore.Clear();
            return list;
        }
    }

    private void ReleaseLocked(int k, int minGroupAnswers, bool closing, Action<long>? released)
    {
        foreach (var (itemId, item) in _items)
        {
            // At the close an item whose version moved without its figures (an overtaken revision read late) goes out
            // too, so the final version is the table's.
            // The same for a "don't know" count held back by the k rule: the final figures carry the true count.
            var versionOnly = closing && item.Released is { } last
                && (last.Version != item.Version || item.Numbers is not null && last.DontKnow != (item.DontKnow >= k ? item.DontKnow : null));
            // The statistics rest on answers with a value: fewer than k of them and nothing is shown.
            if ((item.Changed.Count == 0 && !versionOnly) || item.Valued < k) continue;
            if (!closing && item.Changed.Count < k) continue;
            ItemStats stats;
            if (item.Ranking is not null)
            {
                // A ranking shows no group figures: only the panel's change has to reach k.
                stats = ItemStats.FromRanking(itemId, item.Version, item.AcceptedTimestamp, item.Ranking.Analysis());
            }
            else if (Figures(itemId, item, k, minGroupAnswers, closing) is { } figures) stats = figures;
            else continue;
            item.Released = stats;
            _toStore[itemId] = new ItemRelease(itemId, stats.Version, item.Current.Values.Select(c => c.AnswerId).ToList());
            item.Unpushed = true;
            item.Changed.Clear();
            item.Dirty = false;
            foreach (var t in item.Waiting) released?.Invoke(t);
            item.Waiting.Clear();
        }
    }

    /// <summary>The figures to release, or null to hold the item for more changes.</summary>
    private static ItemStats? Figures(long itemId, ItemState item, int k, int minGroupAnswers, bool closing)
    {
        var analysis = item.Numbers!.Analysis();
        var full = ItemStats.From(itemId, item.Kind, item.Version, item.AcceptedTimestamp, analysis, minGroupAnswers);
        // "Don't know" is a figure like the others: it moves only by k or more, and is not shown under k.
        var dontKnow = item.DontKnow;
        if (!closing && item.Released is not null && Math.Abs(dontKnow - item.ReleasedDontKnow) < k) dontKnow = item.ReleasedDontKnow;
        full = full with { DontKnow = dontKnow >= k ? dontKnow : null };
        // Final figures (docs/privacy.md, "At the close") and a first release have nothing to hold against.
        if (closing || item.Released is not { } last) return Keep(full);
        // Every figure moves in the same window of changes, so no two windows can be played off against each other.
        // Within it, each group shown before and after moves by none or at least k of its own people, and the rest
        // of the panel's change (groups not shown, newly shown or no longer shown) is none or at least k people too.
        var changedIn = item.Changed.GroupBy(p => item.Current[p].Group).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var rest = 0;
        foreach (var (group, changed) in changedIn)
        {
            if (full.Groups.ContainsKey(group) && last.Groups.ContainsKey(group))
            {
                if (changed < k) return null;
            }
            else rest += changed;
        }
        return rest is > 0 and var r && r < k ? null : Keep(full);

        ItemStats Keep(ItemStats stats)
        {
            item.ReleasedDontKnow = dontKnow;
            return stats;
        }
    }

    internal void MarkAllDirty()
    {
        lock (_gate) foreach (var item in _items.Values) item.Unpushed = true;
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
