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
    ILiveFanOut fanOut, LiveMetrics metrics, LiveReleaseStore releases, ILogger<LiveAggregates> logger)
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
        if (changed && fanOut.IsPublisher && !options.Value.Naive) round.Prepare(answer.ItemId, KOf(round), MinGroupAnswers);
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
        var rows = await answers.AfterAsync(long.MaxValue, ids, ids.Count);
        await LoadForPublisherAsync(rows);
        foreach (var row in rows)
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
                await LoadForPublisherAsync(rows);
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

    /// <summary>
    /// Scaled out, the publisher decides every release, also of a round whose answers all came through other
    /// instances: it loads such a round (with every answer it has) when it hears of an answer to it.
    /// </summary>
    private async Task LoadForPublisherAsync(IEnumerable<AnswerRow> rows)
    {
        if (!fanOut.IsPublisher || options.Value.Naive) return;
        foreach (var roundId in rows.Select(r => r.RoundId).Distinct().Where(id => !_rounds.ContainsKey(id)).ToList())
            if (await ForRoundAsync(roundId) is not null) _dirtyRounds.TryAdd(roundId, 0);
    }

    // Only rounds already in memory need it: a round loaded later reads all its answers then.
    private bool ApplyRow(AnswerRow row)
    {
        if (!_rounds.TryGetValue(row.RoundId, out var lazy) || !lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully) return false;
        var round = lazy.Value.Result;
        if (!round.Apply(row.ItemId, row.ParticipantId, row.GroupSlug, row.Value, row.Detail?.Ranks, row.Id, acceptedTimestamp: 0)) return false;
        if (fanOut.IsPublisher && !options.Value.Naive) round.Prepare(row.ItemId, KOf(round), MinGroupAnswers);
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
    /// <remarks>
    /// An open round shows the last release stored. The instance that decides releases (the only one, or scaled out
    /// the publisher) first releases what may be released now, so a page right after the k-th answer shows it, the
    /// same as the push that follows; any other instance only reads what the publisher stored — never a release of
    /// its own, so every instance shows the same figures at the same steps.
    /// </remarks>
    public async Task<IReadOnlyList<ItemStats>?> SnapshotAsync(long roundId, bool closed = false)
    {
        var round = await ForRoundAsync(roundId);
        if (round is null) return null;
        if (closed) return round.Released(KOf(round), MinGroupAnswers, closed: true, metrics.Released);
        try
        {
            if (fanOut.IsPublisher) await DecideAsync(round, closing: false);
            else await AdoptStoredAsync(round);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            // The database is away: what is shown was stored, so it can still be shown.
            logger.LogWarning(e, "Reading or storing the releases of round {RoundId} failed; showing the last one held", roundId);
        }
        return round.Shown();
    }

    /// <summary>
    /// Decides what may be released now, stores it on top of the release it was decided against and only then shows
    /// it. When another instance stored a release first (a takeover), this one goes on from that release instead.
    /// </summary>
    private async Task DecideAsync(RoundAggregate round, bool closing)
    {
        // One decision of a round at a time: a reader that comes while the publisher stores a release waits for it and
        // shows it, as the push that follows will.
        await round.Deciding.WaitAsync();
        try
        {
            await DecideOnceAsync(round, closing);
        }
        finally
        {
            round.Deciding.Release();
        }
    }

    private async Task DecideOnceAsync(RoundAggregate round, bool closing)
    {
        var proposals = round.Propose(KOf(round), MinGroupAnswers, closing);
        if (proposals.Count == 0) return;
        IReadOnlySet<long> stored;
        try
        {
            stored = await releases.TrySaveAsync(round.RoundId, proposals, unconditional: closing);
        }
        catch
        {
            foreach (var p in proposals) round.Abandon(p.Release.ItemId);
            throw;
        }
        var lost = false;
        foreach (var p in proposals)
        {
            if (stored.Contains(p.Release.ItemId)) round.Commit(p.Release, metrics.Released);
            else
            {
                round.Abandon(p.Release.ItemId);
                lost = true;
            }
        }
        if (lost)
        {
            logger.LogInformation("Another instance released items of round {RoundId} first; going on from its release", round.RoundId);
            await AdoptStoredAsync(round);
        }
        // Shown now; the publisher pushes it on its next tick.
        if (!options.Value.Naive) _dirtyRounds.TryAdd(round.RoundId, 0);
    }

    /// <summary>Takes the releases stored since this instance last looked (another instance decided them).</summary>
    private async Task AdoptStoredAsync(RoundAggregate round)
    {
        if (!round.HasNewer(await releases.SeqsAsync(round.RoundId))) return;
        foreach (var release in (await releases.ForRoundAsync(round.RoundId)).Values) round.Adopt(release);
    }

    /// <summary>
    /// Takes every release stored by others into every round held here: an instance that takes over as publisher
    /// goes on from the last release stored, never from one of its own (see <see cref="RedisFanOut"/>).
    /// </summary>
    public async Task AdoptStoredAsync()
    {
        foreach (var (_, lazy) in _rounds)
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) await AdoptStoredAsync(lazy.Value.Result);
    }

    /// <summary>
    /// Releases the items of every round that have enough changes since their last release (for the publisher),
    /// stores them, and returns what is to be pushed, with the round's mode. A closing round releases whatever it
    /// has, once its panel has at least k answers (on any instance: it is the round's final figures). An instance
    /// that is not the publisher decides nothing else.
    /// </summary>
    /// <param name="closingRoundId">A round closing now.</param>
    /// <param name="publisher">Whether this instance is the publisher for this tick (the caller asked once).</param>
    public async Task<List<(long RoundId, string Mode, IReadOnlyList<ItemStats> Items)>> TakeDirtyAsync(long? closingRoundId, bool publisher)
    {
        var result = new List<(long, string, IReadOnlyList<ItemStats>)>();
        var roundIds = publisher ? _dirtyRounds.Keys.ToList() : [];
        if (closingRoundId is { } closing && !roundIds.Contains(closing)) roundIds.Add(closing);
        foreach (var roundId in roundIds)
        {
            _dirtyRounds.TryRemove(roundId, out _);
            if (_rounds.TryGetValue(roundId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                var round = lazy.Value.Result;
                try
                {
                    await DecideAsync(round, closing: roundId == closingRoundId);
                }
                catch
                {
                    _dirtyRounds.TryAdd(roundId, 0); // tried again on the next tick
                    throw;
                }
                var changed = round.TakeUnpushed();
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
        // An open round shown before (before a restart, or by another instance) goes on from exactly what was last
        // released of each item: the answers since are changes that wait for k people like any others (issue 15).
        var shown = closed ? new Dictionary<long, ItemRelease>() : await releases.ForRoundAsync(roundId);
        // A release stored before migration 0062 has no figures: rebuild them from the answers it rests on.
        var rebuilt = shown.Values.Where(r => r.Stats is null || r.ParticipantIds is null).ToDictionary(r => r.ItemId);
        if (rebuilt.Count > 0)
        {
            var ids = rebuilt.Values.SelectMany(r => r.AnswerIds).ToHashSet();
            foreach (var row in await answers.AfterAsync(long.MaxValue, ids, ids.Count))
                if (row.RoundId == roundId && rebuilt.TryGetValue(row.ItemId, out var r) && r.AnswerIds.Contains(row.Id))
                    aggregate.Apply(row.ItemId, row.ParticipantId, row.GroupSlug, row.Value, row.Detail?.Ranks, row.Id, acceptedTimestamp: 0);
            aggregate.StartVersions(rebuilt.ToDictionary(s => s.Key, s => (s.Value.Version, s.Value.AnswerIds.Count == 0 ? 0 : s.Value.AnswerIds.Max())));
            aggregate.Release(KOf(aggregate), MinGroupAnswers, closing: false, released: null);
            aggregate.StartSeqs(rebuilt.ToDictionary(r => r.Key, r => r.Value.Seq));
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
        foreach (var release in shown.Values)
            if (!rebuilt.ContainsKey(release.ItemId)) aggregate.Adopt(release);
        // A closed round's are its final figures. An open round's item never released gets its first release from the
        // instance that decides (on its next read or tick), stored before it is shown.
        if (closed) aggregate.Release(KOf(aggregate), MinGroupAnswers, closing: true, released: null);
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

    // Acceptance times kept per item for the release-delay measure; beyond this (an instance that never decides) they are dropped.
    private const int WaitingLimit = 10_000;

    public long RoundId { get; } = roundId;

    /// <summary>Held while a release of this round is decided and stored (<see cref="LiveAggregates"/>).</summary>
    internal SemaphoreSlim Deciding { get; } = new(1, 1);

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

        /// <summary>People whose current answer is not the one the last release rests on (new, revised since).</summary>
        public HashSet<long> Changed { get; } = [];

        /// <summary>The last release's answers: participant → answer id.</summary>
        public Dictionary<long, long> ReleasedIds { get; set; } = [];

        /// <summary>The last release's number (stored with it, <see cref="LiveReleaseStore"/>); 0 before the first.</summary>
        public long Seq { get; set; }

        /// <summary>A release of this item is being stored: no second one is decided meanwhile.</summary>
        public bool Proposing { get; set; }

        /// <summary>How many of <see cref="Waiting"/> the release being stored includes.</summary>
        public int ProposedWaiting { get; set; }

        /// <summary>
        /// A release decided the moment an answer made one possible (<see cref="Prepare"/>), waiting for the next
        /// store: the moment may pass (one more answer in a group shown), the decision does not.
        /// </summary>
        public (ItemRelease Release, long BaseSeq, int Waiting)? Pending { get; set; }

        /// <summary>
        /// Answers above <see cref="CountedUpTo"/> counted in <see cref="Version"/>: scaled out, the same row can arrive
        /// twice (its note and a catch-up), and an overtaken revision still counts once.
        /// </summary>
        public HashSet<long> Counted { get; } = [];

        /// <summary>Acceptance times of the changes not released yet (for the release-delay measure).</summary>
        public List<long> Waiting { get; } = [];

        /// <summary>What everyone sees of this item: the last release stored; null until the first.</summary>
        public ItemStats? Released { get; set; }

        /// <summary>The "don't know" count the last release rested on (shown only when at least k).</summary>
        public int ReleasedDontKnow { get; set; }

        /// <summary>Answers with a value (what the statistics count); "don't know" has none.</summary>
        public int Valued => Numbers is null ? Current.Count : Current.Values.Count(c => c.Value is not null);

        /// <summary>Current "don't know" answers: a rating, numeric or year answer without a value.</summary>
        public int DontKnow => Numbers is null ? 0 : Current.Values.Count(c => c.Value is null);

        /// <summary>The released state has not been pushed yet (released by a reader, adopted, or sent again after a scale-out reconnect).</summary>
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
            // Changed against the last release: the answer it rests on is no longer this person's current one.
            if (item.ReleasedIds.TryGetValue(participantId, out var releasedId) && releasedId == answerId) item.Changed.Remove(participantId);
            else item.Changed.Add(participantId);
            if (acceptedTimestamp > 0 && item.Waiting.Count < WaitingLimit) item.Waiting.Add(acceptedTimestamp);
            item.Dirty = true;
            return true;
        }
    }

    /// <summary>
    /// Releases here and now what may be released (no store in between; for a round's final figures on any instance,
    /// rebuilding a release stored before migration 0062, and the unit tests), then the state of every item.
    /// </summary>
    internal IReadOnlyList<ItemStats> Released(int k, int minGroupAnswers, bool closed, Action<long>? released)
    {
        lock (_gate)
        {
            foreach (var p in ProposeLocked(k, minGroupAnswers, closed)) CommitLocked(p.Release, released);
            return ShownLocked();
        }
    }

    /// <summary>
    /// Releases here and now (as <see cref="Released"/>) every changed item that may be released and returns the
    /// states not pushed yet. An item is released when at least <paramref name="k"/> people changed it since its
    /// last release, it has at least k answers, and every group shown moves by none or at least k of its own people,
    /// the rest of the panel's change likewise (else the panel's change less the groups' would be one or two
    /// answers); until then it is held whole. A closing round releases every change, once the panel has k answers.
    /// </summary>
    /// <param name="k">The release threshold (<see cref="ReleaseThreshold.K"/> or more).</param>
    /// <param name="minGroupAnswers">The fewest answers a group's figures rest on.</param>
    /// <param name="closing">The round is closing: its final figures go out.</param>
    /// <param name="released">Called with each released change's acceptance time (for the release-delay measure).</param>
    internal IReadOnlyList<ItemStats> Release(int k, int minGroupAnswers, bool closing, Action<long>? released)
    {
        lock (_gate)
        {
            foreach (var p in ProposeLocked(k, minGroupAnswers, closing)) CommitLocked(p.Release, released);
            return TakeUnpushedLocked();
        }
    }

    /// <summary>
    /// Decides, as soon as an answer makes it possible, the release of an item that may be released now (the instance
    /// that decides calls it after each answer it applies); it is stored and shown with the next <see cref="Propose"/>.
    /// Without it a release is decided only when the publisher ticks or someone reads, and a moment in which every
    /// group shown had moved by none or at least k people is lost when one more answer comes in before then.
    /// </summary>
    internal void Prepare(long itemId, int k, int minGroupAnswers)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(itemId, out var item) || item.Proposing || item.Pending is not null) return;
            if (Candidate(itemId, item, k, minGroupAnswers, closing: false) is not { } stats) return;
            item.Pending = (NewRelease(itemId, item, stats), item.Seq, item.Waiting.Count);
        }
    }

    /// <summary>
    /// Decides the releases that may be made now, each against the item's last release (its number), without
    /// showing them: they are shown once stored (<see cref="Commit"/>), or dropped (<see cref="Abandon"/>).
    /// </summary>
    internal IReadOnlyList<LiveReleaseStore.Proposal> Propose(int k, int minGroupAnswers, bool closing)
    {
        lock (_gate) return ProposeLocked(k, minGroupAnswers, closing);
    }

    /// <summary>Shows a release that was stored: it is what everyone sees now, and the changes count from it.</summary>
    internal void Commit(ItemRelease release, Action<long>? released)
    {
        lock (_gate) CommitLocked(release, released);
    }

    /// <summary>Drops a release that was not stored (another instance stored one first, or the database failed).</summary>
    internal void Abandon(long itemId)
    {
        lock (_gate)
            if (_items.TryGetValue(itemId, out var item)) item.Proposing = false;
    }

    /// <summary>True when the store holds a release of an item newer than the one this aggregate shows.</summary>
    internal bool HasNewer(IReadOnlyDictionary<long, long> storedSeqs)
    {
        lock (_gate)
            return storedSeqs.Any(s => _items.TryGetValue(s.Key, out var item) && (s.Value > item.Seq || (item.Released is null && s.Value > 0)));
    }

    /// <summary>
    /// Takes a release stored by another instance (the publisher, or one before a takeover) when it is newer than
    /// the one shown here: what this instance shows and counts changes from. Rows without figures are left alone.
    /// </summary>
    internal bool Adopt(ItemRelease release)
    {
        lock (_gate)
        {
            if (release.Stats is null || release.ParticipantIds is null || !_items.TryGetValue(release.ItemId, out var item)) return false;
            if (item.Released is not null && release.Seq <= item.Seq) return false;
            CommitLocked(release, released: null);
            item.Waiting.Clear();
            return true;
        }
    }

    /// <summary>
    /// The last release of the given items (of every item released, without <paramref name="itemIds"/>): the answers
    /// it rests on, as stored. On the instance that decides releases these are the ones stored, read from memory.
    /// </summary>
    public IReadOnlyDictionary<long, ItemRelease> Releases(IReadOnlyCollection<long>? itemIds = null)
    {
        lock (_gate)
        {
            var result = new Dictionary<long, ItemRelease>();
            foreach (var (id, item) in _items)
                if (item.Seq > 0 && item.Released is { } stats && (itemIds is null || itemIds.Contains(id)))
                    result[id] = new ItemRelease(id, stats.Version, item.ReleasedIds.Values.ToList(), item.Seq);
            return result;
        }
    }

    /// <summary>What every item shows now: its last release, or nothing before the first.</summary>
    internal IReadOnlyList<ItemStats> Shown()
    {
        lock (_gate) return ShownLocked();
    }

    /// <summary>The released states not pushed yet.</summary>
    internal IReadOnlyList<ItemStats> TakeUnpushed()
    {
        lock (_gate) return TakeUnpushedLocked();
    }

    /// <summary>Sets the version of the given items (the others keep theirs).</summary>
    internal void StartVersions(IReadOnlyDictionary<long, (long Version, long UpTo)> versions)
    {
        lock (_gate)
            foreach (var (itemId, v) in versions)
                if (_items.TryGetValue(itemId, out var item)) (item.Version, item.CountedUpTo) = v;
    }

    /// <summary>Sets the release number of the given items (a release rebuilt from a row stored before migration 0062).</summary>
    internal void StartSeqs(IReadOnlyDictionary<long, long> seqs)
    {
        lock (_gate)
            foreach (var (itemId, seq) in seqs)
                if (_items.TryGetValue(itemId, out var item)) item.Seq = seq;
    }

    private List<ItemStats> ShownLocked() =>
        _items.Select(kv => kv.Value.Released ?? ItemStats.NothingYet(kv.Key, kv.Value.Kind)).ToList();

    private List<ItemStats> TakeUnpushedLocked()
    {
        var list = new List<ItemStats>();
        foreach (var item in _items.Values)
        {
            if (item.Unpushed && item.Released is not null) list.Add(item.Released);
            item.Unpushed = false;
        }
        return list;
    }

    private List<LiveReleaseStore.Proposal> ProposeLocked(int k, int minGroupAnswers, bool closing)
    {
        var list = new List<LiveReleaseStore.Proposal>();
        foreach (var (itemId, item) in _items)
        {
            if (item.Proposing) continue;
            var pending = item.Pending;
            item.Pending = null;
            if (Candidate(itemId, item, k, minGroupAnswers, closing) is { } stats)
            {
                // What may be released now includes everything a release decided earlier would.
                item.Proposing = true;
                item.ProposedWaiting = item.Waiting.Count;
                list.Add(new LiveReleaseStore.Proposal(NewRelease(itemId, item, stats), item.Seq));
            }
            else if (!closing && pending is { } p && p.BaseSeq == item.Seq)
            {
                // Not now, but at a moment since the last release (Prepare): that release, and the changes after it wait.
                item.Proposing = true;
                item.ProposedWaiting = p.Waiting;
                list.Add(new LiveReleaseStore.Proposal(p.Release, p.BaseSeq));
            }
        }
        return list;
    }

    private static ItemRelease NewRelease(long itemId, ItemState item, ItemStats stats)
    {
        var participants = item.Current.Keys.ToList();
        return new ItemRelease(itemId, stats.Version, participants.Select(p => item.Current[p].AnswerId).ToList(), item.Seq + 1, participants, stats);
    }

    private void CommitLocked(ItemRelease release, Action<long>? released)
    {
        if (!_items.TryGetValue(release.ItemId, out var item)) return;
        item.Proposing = false;
        if (item.Pending is { } pending && pending.BaseSeq != release.Seq) item.Pending = null;
        item.Released = release.Stats;
        // A shown "don't know" count is the count it rests on (one adopted from another instance's release too).
        if (release.Stats?.DontKnow is { } shownDontKnow) item.ReleasedDontKnow = shownDontKnow;
        item.Seq = release.Seq;
        item.ReleasedIds = new Dictionary<long, long>(release.AnswerIds.Count);
        for (var i = 0; i < release.AnswerIds.Count; i++) item.ReleasedIds[release.ParticipantIds![i]] = release.AnswerIds[i];
        item.Changed.Clear();
        foreach (var (p, c) in item.Current)
            if (!item.ReleasedIds.TryGetValue(p, out var id) || id != c.AnswerId) item.Changed.Add(p);
        item.Unpushed = true;
        item.Dirty = item.Changed.Count > 0;
        var included = Math.Min(item.ProposedWaiting, item.Waiting.Count);
        for (var i = 0; i < included; i++) released?.Invoke(item.Waiting[i]);
        item.Waiting.RemoveRange(0, included);
        item.ProposedWaiting = 0;
    }

    /// <summary>The figures an item may release now, or null to hold it.</summary>
    private static ItemStats? Candidate(long itemId, ItemState item, int k, int minGroupAnswers, bool closing)
    {
        // At the close an item whose version moved without its figures (an overtaken revision read late) goes out
        // too, so the final version is the table's.
        // The same for a "don't know" count held back by the k rule: the final figures carry the true count.
        var versionOnly = closing && item.Released is { } last
            && (last.Version != item.Version || item.Numbers is not null && last.DontKnow != (item.DontKnow >= k ? item.DontKnow : null));
        // The statistics rest on answers with a value: fewer than k of them and nothing is shown.
        if ((item.Changed.Count == 0 && !versionOnly) || item.Valued < k) return null;
        if (!closing && item.Changed.Count < k) return null;
        if (!closing && item.Released is { } previous)
        {
            // Decided against the last release (maybe stored by another instance): this aggregate must hold every
            // answer it rests on, or newer ones of the same people, before it can move on from it.
            foreach (var (p, id) in item.ReleasedIds)
                if (!item.Current.TryGetValue(p, out var c) || c.AnswerId < id) return null;
            if (item.Version < previous.Version) return null;
        }
        // A ranking shows no group figures: only the panel's change has to reach k.
        if (item.Ranking is not null) return ItemStats.FromRanking(itemId, item.Version, item.AcceptedTimestamp, item.Ranking.Analysis());
        return Figures(itemId, item, k, minGroupAnswers, closing);
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
