using System.Data.Common;
using Dapper;
using DelphiRounds.Accounts;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Panel;

/// <summary>A panel member as the answers see them: pseudonymous, no name or e-mail.</summary>
public sealed record Participant
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long GroupId { get; init; }
    public string Pseudonym { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// A panel member with identity, for the facilitator's panel page only. It carries no pseudonym: the panel
/// page refers to a person by <see cref="Reference"/>, unrelated to the pseudonym their answers and arguments
/// are exported under, so no page puts a name beside a pseudonym (issue 15, item 5).
/// </summary>
public sealed record PanelMember
{
    public long Id { get; init; }
    public long GroupId { get; init; }

    /// <summary>How the panel page and the panel API refer to the person (<see cref="PanelReference"/>).</summary>
    public string Reference => PanelReference.Of(Id);
    public string? Name { get; init; }
    public string? Email { get; init; }
    /// <summary>The language e-mail is written in: <c>nl</c> (also when null) or <c>en</c>.</summary>
    public string? Language { get; init; }
    public DateTimeOffset? ErasedAt { get; init; }
}

/// <summary>
/// The facilitator's reference for a panel member: their number in the panel (the participant id), never
/// derived from the pseudonym, so the panel (names) and the exports (pseudonyms) cannot be joined on it.
/// </summary>
public static class PanelReference
{
    public static string Of(long participantId) => "#" + participantId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A new participant and their invitation token, which exists only in this object and the link sent.</summary>
public sealed record Invitation(Participant Participant, string Token);

/// <summary>
/// Panel members. The pseudonymous participant (what answers point to) and the identity (name, e-mail)
/// are separate tables; invitation tokens are stored only as SHA-256.
/// </summary>
public sealed class ParticipantStore(Database db, TimeProvider time) : IParticipantCredentials
{
    private const string Columns = "id, study_id, group_id, pseudonym, created_at";

    public Task<Invitation> AddAsync(long studyId, long groupId, string? name, string? email, string? language = null)
    {
        var now = time.Now();
        return db.WriteAsync((c, tx) => AddAsync(c, tx, studyId, groupId, name, email, language, now));
    }

    /// <summary>
    /// Adds a panel member in the caller's transaction (a bulk import stores every line or none); the token
    /// exists only in the returned invitation.
    /// </summary>
    public static async Task<Invitation> AddAsync(DbConnection c, DbTransaction tx, long studyId, long groupId, string? name, string? email, string? language, DateTimeOffset now)
    {
        var token = Secrets.NewToken(Secrets.ParticipantTokenPrefix);
        var hash = Secrets.Hash(token);
        var pseudonym = Secrets.NewPseudonym();
        var id = await c.ExecuteScalarAsync<long>(
            """
            INSERT INTO participants (study_id, group_id, pseudonym, token_hash, created_at)
            VALUES (@studyId, @groupId, @pseudonym, @hash, @now) RETURNING id
            """, new { studyId, groupId, pseudonym, hash, now }, tx);
        await IdentityStore.AddAsync(c, tx, id, name, email, language);
        return new Invitation(new Participant { Id = id, StudyId = studyId, GroupId = groupId, Pseudonym = pseudonym, CreatedAt = now }, token);
    }

    /// <summary>
    /// Issues a fresh invitation token; the old link and every link sent by e-mail (invitations,
    /// reminders) stop working.
    /// </summary>
    public async Task<string?> ReissueAsync(long studyId, long participantId)
    {
        var token = Secrets.NewToken(Secrets.ParticipantTokenPrefix);
        var changed = await db.WriteAsync(async (c, tx) =>
        {
            var changed = await c.ExecuteAsync(
                "UPDATE participants SET token_hash = @hash WHERE id = @participantId AND study_id = @studyId",
                new { hash = Secrets.Hash(token), participantId, studyId }, tx);
            if (changed == 1)
                await c.ExecuteAsync(
                    "UPDATE participant_tokens SET revoked_at = @now WHERE participant_id = @participantId AND revoked_at IS NULL",
                    new { participantId, now = time.Now() }, tx);
            return changed;
        });
        return changed == 1 ? token : null;
    }

    /// <summary>The participant whose invitation token this is: the link made when they were added (or reissued), or a link sent by e-mail that is not revoked.</summary>
    public Task<Participant?> FindByTokenAsync(string token) =>
        db.ReadAsync(c => c.QueryFirstOrDefaultAsync<Participant>(
            $"""
            SELECT * FROM (
                SELECT {Columns} FROM participants WHERE token_hash = @hash
                UNION ALL
                SELECT p.id, p.study_id, p.group_id, p.pseudonym, p.created_at
                FROM participant_tokens t JOIN participants p ON p.id = t.participant_id
                WHERE t.token_hash = @hash AND t.revoked_at IS NULL
            ) found
            WHERE {NotErased("found.id")}
            """, new { hash = Secrets.Hash(token) }));

    // An erased participant takes no further part: none of their links signs them in (the identities table is
    // only read here, to leave out whom it marks erased).
    private static string NotErased(string participantId) =>
        $"NOT EXISTS (SELECT 1 FROM participant_identities e WHERE e.participant_id = {participantId} AND e.erased_at IS NOT NULL)";

    async Task<ParticipantCredential?> IParticipantCredentials.FindByTokenAsync(string token) =>
        await FindByTokenAsync(token) is { } p ? new ParticipantCredential(p.Id, p.StudyId, p.GroupId) : null;

    /// <summary>The stored hash of a participant's current invitation token (for <see cref="ParticipantStamp"/>).</summary>
    public Task<string?> TokenHashAsync(long id) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<string?>("SELECT token_hash FROM participants WHERE id = @id", new { id }));

    /// <summary>The stored hashes of every token that signs the participant in: the current link and the e-mailed links not revoked.</summary>
    public async Task<IReadOnlyList<string>> ActiveTokenHashesAsync(long id) =>
        (await db.ReadAsync(c => c.QueryAsync<string>(
            $"""
            SELECT token_hash FROM participants WHERE id = @id AND {NotErased("@id")}
            UNION ALL
            SELECT token_hash FROM participant_tokens WHERE participant_id = @id AND revoked_at IS NULL AND {NotErased("@id")}
            """, new { id }))).AsList();

    public Task<Participant?> FindAsync(long id) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Participant>($"SELECT {Columns} FROM participants WHERE id = @id", new { id }));

    public async Task<IReadOnlyList<Participant>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Participant>(
            $"SELECT {Columns} FROM participants WHERE study_id = @studyId ORDER BY group_id, id", new { studyId }))).AsList();

    /// <summary>The panel with identities: only for the facilitator who owns the study.</summary>
    public async Task<IReadOnlyList<PanelMember>> PanelAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<PanelMember>(
            """
            SELECT p.id, p.group_id, i.name, i.email, i.language, i.erased_at
            FROM participants p LEFT JOIN participant_identities i ON i.participant_id = p.id
            WHERE p.study_id = @studyId ORDER BY p.group_id, p.id
            """, new { studyId }))).AsList();

    /// <summary>A participant's own name and e-mail address (either null when not given or erased), to warn them when a text of theirs names them.</summary>
    public Task<(string? Name, string? Email)> IdentityAsync(long participantId) =>
        db.ReadAsync(async c => await c.QuerySingleOrDefaultAsync<(string?, string?)>(
            "SELECT name, email FROM participant_identities WHERE participant_id = @participantId", new { participantId }));

    /// <summary>Participants per stakeholder group.</summary>
    public Task<Dictionary<long, int>> CountByGroupAsync(long studyId) => db.ReadAsync(c => CountByGroupAsync(c, studyId));

    /// <summary>Panel members per stakeholder group, read on the caller's connection.</summary>
    public static async Task<Dictionary<long, int>> CountByGroupAsync(System.Data.Common.DbConnection c, long studyId) =>
        (await c.QueryAsync<(long GroupId, long Count)>(
            "SELECT group_id, COUNT(*) FROM participants WHERE study_id = @studyId GROUP BY group_id", new { studyId }))
        .ToDictionary(r => r.GroupId, r => (int)r.Count);

    /// <summary>Stores the hash of a link sent by e-mail, in the caller's transaction (the outbox claims a message with it).</summary>
    public static Task AddTokenAsync(DbConnection c, DbTransaction tx, long participantId, string tokenHash, DateTimeOffset now) =>
        c.ExecuteAsync("INSERT INTO participant_tokens (token_hash, participant_id, created_at) VALUES (@tokenHash, @participantId, @now)",
            new { tokenHash, participantId, now }, tx);

    /// <summary>Revokes one link sent by e-mail, in the caller's transaction (a message that never reached anyone).</summary>
    public static Task RevokeTokenAsync(DbConnection c, DbTransaction tx, string tokenHash, DateTimeOffset now) =>
        c.ExecuteAsync("UPDATE participant_tokens SET revoked_at = @now WHERE token_hash = @tokenHash AND revoked_at IS NULL",
            new { tokenHash, now }, tx);
}
