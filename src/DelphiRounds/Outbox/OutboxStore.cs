using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;

namespace DelphiRounds.Outbox;

/// <summary>Why a message is in the outbox.</summary>
public static class OutboxPurposes
{
    /// <summary>A round opened: everyone on the panel is invited, also those who skipped a round.</summary>
    public const string Invitation = "invitation";
    /// <summary>The facilitator reminds those who have not answered the open round yet.</summary>
    public const string Reminder = "reminder";
}

/// <summary>An e-mail waiting to be sent, or sent. It holds no link: the link is made when it is sent.</summary>
public sealed record OutboxMessage
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long ParticipantId { get; init; }
    public long? RoundId { get; init; }
    public string Purpose { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
}

/// <summary>Where the recipient of a message can be reached (from <c>participant_identities</c>).</summary>
public sealed record Recipient
{
    public long ParticipantId { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Language { get; init; }
    public DateTimeOffset? ErasedAt { get; init; }

    public bool Reachable => !string.IsNullOrWhiteSpace(Email) && ErasedAt is null;
}

/// <summary>A panel member who has not answered a round (no answer to any item), with their group.</summary>
public sealed record NonResponder
{
    public long ParticipantId { get; init; }
    public long GroupId { get; init; }
    public string GroupSlug { get; init; } = "";
    public string? Email { get; init; }
    public DateTimeOffset? ErasedAt { get; init; }

    public bool Reachable => !string.IsNullOrWhiteSpace(Email) && ErasedAt is null;
}

/// <summary>The state of a study's outbox.</summary>
/// <param name="Pending">Waiting to be sent (also those that failed and will be tried again).</param>
/// <param name="Sent">Delivered to the SMTP server or the pickup folder.</param>
/// <param name="Failed">Given up after the maximum number of attempts.</param>
/// <param name="Cancelled">Not sent because they no longer applied (the round closed, the address was erased).</param>
/// <param name="LastError">The most recent delivery error, if any message is pending or failed with one.</param>
public sealed record OutboxCounts(int Pending, int Sent, int Failed, int Cancelled, string? LastError);

/// <summary>
/// The outbox table: e-mail to send to panel members. Each message gets a fresh invitation link when it
/// is sent (a row in <c>participant_tokens</c>, stored only as SHA-256), so no usable link is ever stored.
/// </summary>
public sealed class OutboxStore(Database db, TimeProvider time)
{
    private const string Columns = "id, study_id, participant_id, round_id, purpose, created_at, sent_at, cancelled_at, attempts, last_error";

    /// <summary>
    /// Queues one message per participant, except for participants who already have one of the same
    /// purpose for the same round waiting. Returns the number queued.
    /// </summary>
    public Task<int> QueueAsync(long studyId, long? roundId, string purpose, IEnumerable<long> participantIds) =>
        db.WriteAsync(async (c, tx) =>
        {
            var now = time.Now();
            var queued = 0;
            foreach (var participantId in participantIds.Distinct())
            {
                queued += await c.ExecuteAsync(
                    """
                    INSERT INTO outbox (study_id, participant_id, round_id, purpose, created_at, attempts)
                    SELECT @studyId, @participantId, @roundId, @purpose, @now, 0
                    WHERE NOT EXISTS (SELECT 1 FROM outbox o
                                      WHERE o.participant_id = @participantId AND o.purpose = @purpose
                                        AND (o.round_id = @roundId OR (o.round_id IS NULL AND @roundId IS NULL))
                                        AND o.sent_at IS NULL AND o.cancelled_at IS NULL)
                    """, new { studyId, participantId, roundId, purpose, now }, tx);
            }
            return queued;
        });

    /// <summary>Messages to (re)try, oldest first; optionally of one study only.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> PendingAsync(int maxAttempts, long? studyId = null, int limit = 500) =>
        (await db.ReadAsync(c => c.QueryAsync<OutboxMessage>(
            $"""
            SELECT {Columns} FROM outbox
            WHERE sent_at IS NULL AND cancelled_at IS NULL AND attempts < @maxAttempts
              AND (@studyId IS NULL OR study_id = @studyId)
            ORDER BY id LIMIT @limit
            """, new { maxAttempts, studyId, limit }))).AsList();

    /// <summary>
    /// Takes a message for one attempt and stores the hash of the link it will carry. False when
    /// another sender took it first (the attempt counter is the message's version). While the attempt
    /// runs the message has no error, so its last attempt counts as pending until it failed.
    /// </summary>
    public Task<bool> ClaimAsync(OutboxMessage message, string tokenHash) =>
        db.WriteAsync(async (c, tx) =>
        {
            var now = time.Now();
            var claimed = await c.ExecuteAsync(
                """
                UPDATE outbox SET attempts = attempts + 1, last_error = NULL
                WHERE id = @id AND attempts = @attempts AND sent_at IS NULL AND cancelled_at IS NULL
                """, new { id = message.Id, attempts = message.Attempts }, tx);
            if (claimed != 1) return false;
            await ParticipantStore.AddTokenAsync(c, tx, message.ParticipantId, tokenHash, now);
            return true;
        });

    public Task MarkSentAsync(long id) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE outbox SET sent_at = @now, last_error = NULL WHERE id = @id", new { id, now = time.Now() }, tx));

    /// <summary>Records a failed attempt; the link made for it is revoked, as it never reached anyone.</summary>
    public Task MarkFailedAsync(long id, string tokenHash, string error) =>
        db.WriteAsync(async (c, tx) =>
        {
            var now = time.Now();
            await c.ExecuteAsync("UPDATE outbox SET last_error = @error WHERE id = @id",
                new { id, error = error.Length > 500 ? error[..500] : error }, tx);
            await ParticipantStore.RevokeTokenAsync(c, tx, tokenHash, now);
        });

    /// <summary>Gives up a message that no longer applies.</summary>
    public Task CancelAsync(long id, string reason) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE outbox SET cancelled_at = @now, last_error = @reason WHERE id = @id AND sent_at IS NULL AND cancelled_at IS NULL",
            new { id, reason, now = time.Now() }, tx));

    /// <summary>Pending, sent, failed and cancelled messages of a study.</summary>
    public Task<OutboxCounts> CountsAsync(long studyId, int maxAttempts) =>
        db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync<(string State, long Count)>(
                """
                SELECT CASE WHEN sent_at IS NOT NULL THEN 'sent'
                            WHEN cancelled_at IS NOT NULL THEN 'cancelled'
                            WHEN attempts >= @maxAttempts AND last_error IS NOT NULL THEN 'failed'
                            ELSE 'pending' END AS state, COUNT(*)
                FROM outbox WHERE study_id = @studyId
                GROUP BY CASE WHEN sent_at IS NOT NULL THEN 'sent'
                              WHEN cancelled_at IS NOT NULL THEN 'cancelled'
                              WHEN attempts >= @maxAttempts AND last_error IS NOT NULL THEN 'failed'
                              ELSE 'pending' END
                """, new { studyId, maxAttempts });
            var counts = rows.ToDictionary(r => r.State, r => (int)r.Count);
            var lastError = await c.ExecuteScalarAsync<string?>(
                """
                SELECT last_error FROM outbox
                WHERE study_id = @studyId AND sent_at IS NULL AND cancelled_at IS NULL AND last_error IS NOT NULL
                ORDER BY id DESC LIMIT 1
                """, new { studyId });
            return new OutboxCounts(counts.GetValueOrDefault("pending"), counts.GetValueOrDefault("sent"),
                counts.GetValueOrDefault("failed"), counts.GetValueOrDefault("cancelled"), lastError);
        });

    /// <summary>Every message of a study, oldest first (for tests and the demo).</summary>
    public async Task<IReadOnlyList<OutboxMessage>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<OutboxMessage>(
            $"SELECT {Columns} FROM outbox WHERE study_id = @studyId ORDER BY id", new { studyId }))).AsList();

    /// <summary>Name, address and language of a participant, from the identities kept apart from answers.</summary>
    public Task<Recipient?> RecipientAsync(long participantId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Recipient>(
            """
            SELECT p.id AS participant_id, i.name, i.email, i.language, i.erased_at
            FROM participants p LEFT JOIN participant_identities i ON i.participant_id = p.id
            WHERE p.id = @participantId
            """, new { participantId }));

    /// <summary>Panel members of a study, with their address, whatever they answered.</summary>
    public async Task<IReadOnlyList<NonResponder>> PanelAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<NonResponder>(
            """
            SELECT p.id AS participant_id, p.group_id, g.slug AS group_slug, i.email, i.erased_at
            FROM participants p
            JOIN stakeholder_groups g ON g.id = p.group_id
            LEFT JOIN participant_identities i ON i.participant_id = p.id
            WHERE p.study_id = @studyId
            ORDER BY g.position, p.id
            """, new { studyId }))).AsList();

    /// <summary>Panel members of a study who gave no answer at all in the round.</summary>
    public async Task<IReadOnlyList<NonResponder>> NonRespondersAsync(long studyId, long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<NonResponder>(
            """
            SELECT p.id AS participant_id, p.group_id, g.slug AS group_slug, i.email, i.erased_at
            FROM participants p
            JOIN stakeholder_groups g ON g.id = p.group_id
            LEFT JOIN participant_identities i ON i.participant_id = p.id
            WHERE p.study_id = @studyId
              AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.round_id = @roundId AND a.participant_id = p.id)
            ORDER BY g.position, p.id
            """, new { studyId, roundId }))).AsList();
}
