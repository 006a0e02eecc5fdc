using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Panel;

/// <summary>The outcome of erasing one person: their pseudonym (which the answers keep) and when.</summary>
public sealed record Erasure
{
    public long ParticipantId { get; init; }
    public string Pseudonym { get; init; } = "";
    public DateTimeOffset ErasedAt { get; init; }
}

/// <summary>
/// Erases identities (name, e-mail) in <c>participant_identities</c>: on request, or when the retention
/// period after a study's last round has passed. Answers and pseudonyms are untouched, so the study's
/// figures, exports and signed record stay valid.
/// </summary>
public sealed class IdentityStore(Database db, TimeProvider time)
{
    /// <summary>Erases a panel member's identity; null when the study has no such participant. Erasing twice keeps the first time.</summary>
    public Task<Erasure?> EraseAsync(long studyId, long participantId) =>
        db.WriteAsync(async (c, tx) =>
        {
            var pseudonym = await c.ExecuteScalarAsync<string?>(
                "SELECT pseudonym FROM participants WHERE id = @participantId AND study_id = @studyId", new { participantId, studyId }, tx);
            if (pseudonym is null) return null;
            var now = time.Now();
            var changed = await c.ExecuteAsync(
                """
                UPDATE participant_identities SET name = NULL, email = NULL, erased_at = COALESCE(erased_at, @now)
                WHERE participant_id = @participantId
                """, new { participantId, now }, tx);
            if (changed == 0)
                await c.ExecuteAsync("INSERT INTO participant_identities (participant_id, name, email, erased_at) VALUES (@participantId, NULL, NULL, @now)",
                    new { participantId, now }, tx);
            var erasedAt = await c.ExecuteScalarAsync<DateTimeOffset>(
                "SELECT erased_at FROM participant_identities WHERE participant_id = @participantId", new { participantId }, tx);
            return new Erasure { ParticipantId = participantId, Pseudonym = pseudonym, ErasedAt = erasedAt };
        });

    /// <summary>Erases the identities still held of every participant of <paramref name="studyIds"/>; returns how many.</summary>
    public Task<int> PurgeStudiesAsync(IReadOnlyCollection<long> studyIds)
    {
        if (studyIds.Count == 0) return Task.FromResult(0);
        var now = time.Now();
        // Dapper hands Npgsql a list as one array parameter ("IN $1" is a syntax error there); SQLite gets it expanded.
        var studies = db.Provider == DatabaseProvider.Postgres ? "= ANY(@studyIds)" : "IN @studyIds";
        return db.WriteAsync((c, tx) => c.ExecuteAsync(
            $"""
            UPDATE participant_identities SET name = NULL, email = NULL, erased_at = @now
            WHERE erased_at IS NULL
              AND participant_id IN (SELECT p.id FROM participants p WHERE p.study_id {studies})
            """, new { now, studyIds = studyIds.ToArray() }, tx));
    }

    /// <summary>A new panel member's identity, in the caller's transaction (the participant row is written with it).</summary>
    public static Task AddAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long participantId, string? name, string? email, string? language) =>
        c.ExecuteAsync("INSERT INTO participant_identities (participant_id, name, email, language) VALUES (@participantId, @name, @email, @language)",
            new { participantId, name, email, language }, tx);

    /// <summary>The e-mail addresses on a study's panel, lower case, in the caller's transaction.</summary>
    public static async Task<HashSet<string>> EmailsAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long studyId) =>
        (await c.QueryAsync<string>(
            """
            SELECT LOWER(i.email) FROM participant_identities i JOIN participants p ON p.id = i.participant_id
            WHERE p.study_id = @studyId AND i.email IS NOT NULL
            """, new { studyId }, tx)).ToHashSet();
}
