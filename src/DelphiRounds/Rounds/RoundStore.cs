using System.Data.Common;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;

namespace DelphiRounds.Rounds;

/// <summary>How aggregates reach participants while a round is open.</summary>
public static class RoundModes
{
    /// <summary>Aggregates are shown only after the round closes.</summary>
    public const string Classic = "classic";
    /// <summary>Aggregates are pushed to everyone while the round is open.</summary>
    public const string Live = "live";
    /// <summary>Blind, then reveal: a participant sees an item's live aggregate only after answering it, then may revise.</summary>
    public const string Blind = "blind";
    public static readonly string[] All = [Classic, Live, Blind];
}

/// <summary>What a round asks.</summary>
public static class RoundKinds
{
    /// <summary>Round 0: open questions; the answers are ideas the facilitator merges into items.</summary>
    public const string Ideas = "ideas";
    /// <summary>Rounds 1..n: the items, with feedback from the previous round.</summary>
    public const string Rating = "rating";
}

/// <summary>Where a round is in its life.</summary>
public static class RoundStates
{
    public const string Draft = "draft";
    public const string Open = "open";
    public const string Closed = "closed";
}

/// <summary>A round of a study.</summary>
public sealed record Round
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public int Number { get; init; }
    public string Kind { get; init; } = RoundKinds.Rating;
    public string Mode { get; init; } = "";
    public string State { get; init; } = "";
    public DateTimeOffset? ClosesAt { get; init; }
    public DateTimeOffset? OpenedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }

    public bool IsOpen => State == RoundStates.Open;

    /// <summary>The round as API responses list it.</summary>
    public RoundSummary Summary() => new(Id, Number, Kind, Mode, State, ClosesAt, OpenedAt, ClosedAt);
    public bool IsIdeas => Kind == RoundKinds.Ideas;
}

/// <summary>An item as asked in one round: its wording then, and what changed since it was last asked.</summary>
public sealed record RoundItem
{
    public long RoundId { get; init; }
    public long ItemId { get; init; }
    public int Position { get; init; }
    public string TextNl { get; init; } = "";
    public string TextEn { get; init; } = "";
    public string? ChangeNl { get; init; }
    public string? ChangeEn { get; init; }
    public string? PreviousTextNl { get; init; }
    public string? PreviousTextEn { get; init; }

    public LocalizedText Text => new(TextNl, TextEn);
    public LocalizedText? Change => ChangeNl is null ? null : new LocalizedText(ChangeNl, ChangeEn ?? ChangeNl);
    public LocalizedText? PreviousText => PreviousTextNl is null ? null : new LocalizedText(PreviousTextNl, PreviousTextEn ?? PreviousTextNl);
}

/// <summary>
/// A reflection round (issue 21): a round after the vision was frozen and signed, asking the same items again. It reflects on
/// the frozen document named by its hash; a change of the locked consensus criteria is recorded with its reason (the
/// criteria's hash before and after, equal when the rules stayed the same).
/// </summary>
public sealed record ReflectionRound
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long RoundId { get; init; }
    public string DocumentHash { get; init; } = "";
    public string CriteriaBefore { get; init; } = "";
    public string CriteriaAfter { get; init; } = "";
    public string? RuleChangeReason { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public bool RulesChanged => CriteriaBefore != CriteriaAfter;
}

/// <summary>Why a round could not change state.</summary>
public enum RoundChange { Done, NotFound, WrongState, AnotherRoundOpen, NoItems, RoundLimit, Concluded }

/// <summary>Rounds and the items asked in them.</summary>
public sealed class RoundStore(Database db, TimeProvider time) : IStudyRounds, IItemRounds
{
    async Task<bool> IItemRounds.IsAskedInOpenRoundAsync(long studyId, long itemId)
    {
        var open = (await ListAsync(studyId)).FirstOrDefault(x => x.IsOpen);
        return open is not null && (await ItemsAsync(open.Id)).Any(i => i.ItemId == itemId);
    }

    async Task<int> IItemRounds.LastClosedRoundNumberAsync(long studyId) =>
        (await ListAsync(studyId)).Where(x => x.State == RoundStates.Closed).Select(x => x.Number).DefaultIfEmpty(0).Max();

    async Task<bool> IItemRounds.BeforeRoundOneAsync(long studyId, long? itemId)
    {
        var all = await ListAsync(studyId);
        if (all.Any(r => !r.IsIdeas && r.State != RoundStates.Draft)) return false;
        if (itemId is null) return true;
        foreach (var r in all.Where(r => r.State != RoundStates.Draft))
            if ((await ItemsAsync(r.Id)).Any(i => i.ItemId == itemId)) return false;
        return true;
    }

    async Task<IReadOnlyList<RoundSummary>> IStudyRounds.SummariesAsync(long studyId) =>
        (await ListAsync(studyId)).Select(r => r.Summary()).ToList();

    private const string Columns = "id, study_id, number, kind, mode, state, closes_at, opened_at, closed_at";

    /// <summary>
    /// Prepares a round (draft): round 0 for open ideas when the study has no round yet, else the next
    /// numbered round.
    /// </summary>
    public async Task<Round> CreateAsync(long studyId, string mode, DateTimeOffset? closesAt, string kind = RoundKinds.Rating)
    {
        var id = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            """
            INSERT INTO rounds (study_id, number, kind, mode, state, closes_at)
            VALUES (@studyId,
                    CASE WHEN @kind = 'ideas' THEN 0 ELSE (SELECT COALESCE(MAX(number), 0) + 1 FROM rounds WHERE study_id = @studyId) END,
                    @kind, @mode, @state, @closesAt)
            RETURNING id
            """, new { studyId, kind, mode, state = RoundStates.Draft, closesAt }, tx));
        return (await FindAsync(id))!;
    }

    public Task<Round?> FindAsync(long id) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Round>($"SELECT {Columns} FROM rounds WHERE id = @id", new { id }));

    public async Task<IReadOnlyList<Round>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Round>(
            $"SELECT {Columns} FROM rounds WHERE study_id = @studyId ORDER BY number", new { studyId }))).AsList();

    /// <summary>The open round of a study, else the most recent one, else null.</summary>
    public Task<Round?> CurrentAsync(long studyId) =>
        db.ReadAsync(c => c.QueryFirstOrDefaultAsync<Round>(
            $"SELECT {Columns} FROM rounds WHERE study_id = @studyId AND state <> @draft ORDER BY CASE WHEN state = @open THEN 0 ELSE 1 END, number DESC",
            new { studyId, draft = RoundStates.Draft, open = RoundStates.Open }));

    public async Task<IReadOnlyList<RoundItem>> ItemsAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<RoundItem>(
            "SELECT round_id, item_id, position, text_nl, text_en, change_nl, change_en, previous_text_nl, previous_text_en FROM round_items WHERE round_id = @roundId ORDER BY position, item_id",
            new { roundId }))).AsList();

    /// <summary>
    /// Opens a draft round. Round 0 asks the study's open questions; a numbered round asks every item
    /// not retired (except round 0's open questions), in its current wording, with what changed since the
    /// previous round. Opening round 1 locks the consensus criteria with their hash.
    /// </summary>
    public Task<RoundChange> OpenAsync(long roundId, int maxRounds = int.MaxValue) =>
        db.WriteAsync(async (c, tx) =>
        {
            var round = await c.QuerySingleOrDefaultAsync<Round>($"SELECT {Columns} FROM rounds WHERE id = @roundId", new { roundId }, tx);
            if (round is null) return RoundChange.NotFound;
            if (round.State != RoundStates.Draft) return RoundChange.WrongState;
            if (!round.IsIdeas && round.Number > maxRounds) return RoundChange.RoundLimit;
            var open = await c.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM rounds WHERE study_id = @studyId AND state = @open", new { studyId = round.StudyId, open = RoundStates.Open }, tx);
            if (open > 0) return RoundChange.AnotherRoundOpen;

            var asked = round.IsIdeas
                ? await c.ExecuteAsync(
                    """
                    INSERT INTO round_items (round_id, item_id, position, text_nl, text_en)
                    SELECT @roundId, id, position, text_nl, text_en FROM items
                    WHERE study_id = @studyId AND kind = 'text' AND retired_after_round IS NULL
                    """, new { roundId, studyId = round.StudyId }, tx)
                : await c.ExecuteAsync(
                    """
                    INSERT INTO round_items (round_id, item_id, position, text_nl, text_en, change_nl, change_en, previous_text_nl, previous_text_en)
                    SELECT @roundId, i.id, i.position, i.text_nl, i.text_en,
                           (SELECT ch.reason_nl FROM item_changes ch WHERE ch.item_id = i.id AND ch.after_round = @previous ORDER BY ch.id DESC LIMIT 1),
                           (SELECT ch.reason_en FROM item_changes ch WHERE ch.item_id = i.id AND ch.after_round = @previous ORDER BY ch.id DESC LIMIT 1),
                           (SELECT ch.old_text_nl FROM item_changes ch WHERE ch.item_id = i.id AND ch.after_round = @previous ORDER BY ch.id LIMIT 1),
                           (SELECT ch.old_text_en FROM item_changes ch WHERE ch.item_id = i.id AND ch.after_round = @previous ORDER BY ch.id LIMIT 1)
                    FROM items i
                    WHERE i.study_id = @studyId AND i.retired_after_round IS NULL
                      AND NOT EXISTS (SELECT 1 FROM round_items ri JOIN rounds r ON r.id = ri.round_id
                                      WHERE ri.item_id = i.id AND r.kind = 'ideas')
                    """, new { roundId, studyId = round.StudyId, previous = round.Number - 1 }, tx);
            if (asked == 0) return RoundChange.NoItems;
            var now = time.Now();
            await c.ExecuteAsync("UPDATE rounds SET state = @open, opened_at = @now WHERE id = @roundId", new { roundId, now, open = RoundStates.Open }, tx);
            if (!round.IsIdeas)
            {
                await StudyStore.LockCriteriaAsync(c, tx, round.StudyId, now);
            }
            return RoundChange.Done;
        });

    /// <summary>
    /// Closes an open round. <paramref name="beforeCommit"/> runs in the same transaction after the state
    /// changed (the convergence snapshots), so a crash leaves either an open round or a closed one with
    /// its snapshots — never a closed round without them. On PostgreSQL the round row is locked first,
    /// so an answer being written either commits before the close or is refused after it.
    /// </summary>
    public Task<RoundChange> CloseAsync(long roundId, Func<DbConnection, DbTransaction, Round, Task>? beforeCommit = null) =>
        db.WriteAsync(async (c, tx) =>
        {
            var round = await c.QuerySingleOrDefaultAsync<Round>(
                db.Provider == DatabaseProvider.Postgres
                    ? $"SELECT {Columns} FROM rounds WHERE id = @roundId FOR UPDATE"
                    : $"SELECT {Columns} FROM rounds WHERE id = @roundId", new { roundId }, tx);
            if (round is null) return RoundChange.NotFound;
            if (round.State != RoundStates.Open) return RoundChange.WrongState;
            var now = time.Now();
            await c.ExecuteAsync("UPDATE rounds SET state = @closed, closed_at = @now WHERE id = @roundId", new { roundId, now, closed = RoundStates.Closed }, tx);
            if (beforeCommit is not null) await beforeCommit(c, tx, round with { State = RoundStates.Closed, ClosedAt = now });
            return RoundChange.Done;
        });

    private const string ReflectionColumns = "id, study_id, round_id, document_hash, criteria_before, criteria_after, rule_change_reason, started_at";

    /// <summary>
    /// Prepares a reflection round on the frozen document <paramref name="documentHash"/> in one transaction: the next numbered
    /// round (a draft, opened next by <see cref="RoundService"/>) and its reflection record. With <paramref name="criteriaJson"/>
    /// the locked criteria are replaced and locked again, and <paramref name="reason"/> is recorded. Null when the study already
    /// has a round in preparation or open (nothing is stored then).
    /// </summary>
    public Task<(Round Round, ReflectionRound Reflection)?> CreateReflectionAsync(long studyId, string mode, DateTimeOffset? closesAt,
        string documentHash, string? criteriaJson, string? reason) =>
        db.WriteAsync(async (c, tx) =>
        {
            var busy = await c.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM rounds WHERE study_id = @studyId AND state IN (@draft, @open)",
                new { studyId, draft = RoundStates.Draft, open = RoundStates.Open }, tx);
            if (busy > 0) return ((Round, ReflectionRound)?)null;
            var now = time.Now();
            var before = await c.ExecuteScalarAsync<string>("SELECT criteria_hash FROM studies WHERE id = @studyId", new { studyId }, tx) ?? "";
            var after = criteriaJson is null ? before : await StudyStore.RelockCriteriaAsync(c, tx, studyId, criteriaJson, now);
            var roundId = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO rounds (study_id, number, kind, mode, state, closes_at)
                VALUES (@studyId, (SELECT COALESCE(MAX(number), 0) + 1 FROM rounds WHERE study_id = @studyId), @kind, @mode, @state, @closesAt)
                RETURNING id
                """, new { studyId, kind = RoundKinds.Rating, mode, state = RoundStates.Draft, closesAt }, tx);
            var id = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO reflection_rounds (study_id, round_id, document_hash, criteria_before, criteria_after, rule_change_reason, started_at)
                VALUES (@studyId, @roundId, @documentHash, @before, @after, @reason, @now) RETURNING id
                """, new { studyId, roundId, documentHash, before, after, reason = criteriaJson is null ? null : reason, now }, tx);
            var round = await c.QuerySingleAsync<Round>($"SELECT {Columns} FROM rounds WHERE id = @roundId", new { roundId }, tx);
            return (round, new ReflectionRound
            {
                Id = id, StudyId = studyId, RoundId = roundId, DocumentHash = documentHash, CriteriaBefore = before, CriteriaAfter = after,
                RuleChangeReason = criteriaJson is null ? null : reason, StartedAt = now,
            });
        });

    /// <summary>The reflection record of a round, or null for an ordinary round.</summary>
    public Task<ReflectionRound?> ReflectionOfAsync(long roundId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<ReflectionRound>(
            $"SELECT {ReflectionColumns} FROM reflection_rounds WHERE round_id = @roundId", new { roundId }));

    /// <summary>A study's reflection rounds, oldest first.</summary>
    public async Task<IReadOnlyList<ReflectionRound>> ReflectionsAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<ReflectionRound>(
            $"SELECT {ReflectionColumns} FROM reflection_rounds WHERE study_id = @studyId ORDER BY id", new { studyId }))).AsList();

    /// <summary>The closed rating round that came just before <paramref name="round"/>, if any (round 0 asks other questions).</summary>
    public static Task<Round?> PreviousClosedAsync(DbConnection c, DbTransaction? tx, Round round) =>
        c.QueryFirstOrDefaultAsync<Round>(
            $"SELECT {Columns} FROM rounds WHERE study_id = @studyId AND number < @number AND state = @closed AND kind = @rating ORDER BY number DESC",
            new { studyId = round.StudyId, number = round.Number, closed = RoundStates.Closed, rating = RoundKinds.Rating }, tx);

    /// <summary>
    /// The studies that ended before <paramref name="cutoff"/>: they have rounds, every one closed (none open or in
    /// preparation), and the last closed before the cut-off.
    /// </summary>
    public async Task<IReadOnlyList<long>> EndedBeforeAsync(DateTimeOffset cutoff) =>
        (await db.ReadAsync(c => c.QueryAsync<long>(
            """
            SELECT study_id FROM rounds
            GROUP BY study_id
            HAVING SUM(CASE WHEN state = @closed THEN 0 ELSE 1 END) = 0 AND MAX(closed_at) <= @cutoff
            """, new { cutoff, closed = RoundStates.Closed }))).AsList();
}
