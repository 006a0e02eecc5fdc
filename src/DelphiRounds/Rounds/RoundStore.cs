using System.Data.Common;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Hosting;
using DelphiRounds.Items;

namespace DelphiRounds.Rounds;

/// <summary>How aggregates reach participants while a round is open.</summary>
public static class RoundModes
{
    /// <summary>Aggregates pushed while the round is open.</summary>
    public const string Live = "live";
    public static readonly string[] All = [Live];
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
    public string Mode { get; init; } = "";
    public string State { get; init; } = "";
    public DateTimeOffset? ClosesAt { get; init; }
    public DateTimeOffset? OpenedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }

    public bool IsOpen => State == RoundStates.Open;
}

/// <summary>An item as asked in one round (its wording then).</summary>
public sealed record RoundItem
{
    public long RoundId { get; init; }
    public long ItemId { get; init; }
    public int Position { get; init; }
    public string TextNl { get; init; } = "";
    public string TextEn { get; init; } = "";

    public LocalizedText Text => new(TextNl, TextEn);
}

/// <summary>Why a round could not change state.</summary>
public enum RoundChange { Done, NotFound, WrongState, AnotherRoundOpen, NoItems }

/// <summary>Rounds and the items asked in them.</summary>
public sealed class RoundStore(Database db, TimeProvider time)
{
    private const string Columns = "id, study_id, number, mode, state, closes_at, opened_at, closed_at";

    public async Task<Round> CreateAsync(long studyId, string mode, DateTimeOffset? closesAt)
    {
        var id = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            """
            INSERT INTO rounds (study_id, number, mode, state, closes_at)
            VALUES (@studyId, (SELECT COALESCE(MAX(number), 0) + 1 FROM rounds WHERE study_id = @studyId), @mode, @state, @closesAt)
            RETURNING id
            """, new { studyId, mode, state = RoundStates.Draft, closesAt }, tx));
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
            $"SELECT {Columns} FROM rounds WHERE study_id = @studyId AND state <> 'draft' ORDER BY CASE WHEN state = 'open' THEN 0 ELSE 1 END, number DESC",
            new { studyId }));

    public async Task<IReadOnlyList<RoundItem>> ItemsAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<RoundItem>(
            "SELECT round_id, item_id, position, text_nl, text_en FROM round_items WHERE round_id = @roundId ORDER BY position, item_id",
            new { roundId }))).AsList();

    /// <summary>
    /// Opens a draft round: asks every item of the study in its current wording, and locks the consensus
    /// criteria (with their hash) when this is the study's first round to open.
    /// </summary>
    public Task<RoundChange> OpenAsync(long roundId) =>
        db.WriteAsync(async (c, tx) =>
        {
            var round = await c.QuerySingleOrDefaultAsync<Round>($"SELECT {Columns} FROM rounds WHERE id = @roundId", new { roundId }, tx);
            if (round is null) return RoundChange.NotFound;
            if (round.State != RoundStates.Draft) return RoundChange.WrongState;
            var open = await c.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM rounds WHERE study_id = @studyId AND state = 'open'", new { studyId = round.StudyId }, tx);
            if (open > 0) return RoundChange.AnotherRoundOpen;
            var items = await c.ExecuteAsync(
                """
                INSERT INTO round_items (round_id, item_id, position, text_nl, text_en)
                SELECT @roundId, id, position, text_nl, text_en FROM items WHERE study_id = @studyId
                """, new { roundId, studyId = round.StudyId }, tx);
            if (items == 0) return RoundChange.NoItems;
            var now = time.Now();
            await c.ExecuteAsync("UPDATE rounds SET state = 'open', opened_at = @now WHERE id = @roundId", new { roundId, now }, tx);
            var criteriaJson = await c.ExecuteScalarAsync<string>(
                "SELECT criteria_json FROM studies WHERE id = @studyId", new { studyId = round.StudyId }, tx);
            await c.ExecuteAsync(
                """
                UPDATE studies SET criteria_hash = @criteriaHash, criteria_locked_at = @now
                WHERE id = @studyId AND criteria_locked_at IS NULL
                """, new { studyId = round.StudyId, criteriaHash = Secrets.Hash(criteriaJson!), now }, tx);
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
            await c.ExecuteAsync("UPDATE rounds SET state = 'closed', closed_at = @now WHERE id = @roundId", new { roundId, now }, tx);
            if (beforeCommit is not null) await beforeCommit(c, tx, round with { State = RoundStates.Closed, ClosedAt = now });
            return RoundChange.Done;
        });

    /// <summary>The closed round that came just before <paramref name="round"/>, if any.</summary>
    public static Task<Round?> PreviousClosedAsync(DbConnection c, DbTransaction? tx, Round round) =>
        c.QueryFirstOrDefaultAsync<Round>(
            $"SELECT {Columns} FROM rounds WHERE study_id = @studyId AND number < @number AND state = 'closed' ORDER BY number DESC",
            new { studyId = round.StudyId, number = round.Number }, tx);
}
