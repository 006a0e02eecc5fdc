using System.Data.Common;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Outbox;

/// <summary>
/// A signatory's receipt e-mail (issue 19, anchoring outside the service): the public fingerprints of their ledger entry,
/// so copies of them live in the signatory's mailbox and not only in the operator's database.
/// </summary>
public sealed record ReceiptMail
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long SignatoryId { get; init; }
    /// <summary>The entry's kind (endorsement, withdrawal, confirmation), as in the ledger.</summary>
    public string Kind { get; init; } = "";
    public string? Language { get; init; }
    public string DocumentHash { get; init; } = "";
    public long EntrySequence { get; init; }
    public string EntryHash { get; init; } = "";
    public long HeadSequence { get; init; }
    public string HeadHash { get; init; } = "";
    public string KeyFingerprint { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
}

/// <summary>Where a signatory can be reached (from <c>signatory_identities</c>, read when the receipt is sent).</summary>
public sealed record SignatoryRecipient
{
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string Organisation { get; init; } = "";
    public DateTimeOffset? ErasedAt { get; init; }
    /// <summary>When the signatory withdrew their organisation's signature; null while it stands.</summary>
    public DateTimeOffset? WithdrawnAt { get; init; }

    public bool Reachable => !string.IsNullOrWhiteSpace(Email) && ErasedAt is null;
}

/// <summary>
/// The receipt_mails table. A receipt is queued inside the transaction that appends the entry (the endorsement store
/// calls <see cref="QueueAsync"/> with its transaction), so an entry never lacks its receipt; erasing the signatory
/// cancels what is not sent yet (<see cref="CancelForSignatoryAsync"/>, in the erasure's transaction).
/// </summary>
public sealed class ReceiptMailStore(Database db, TimeProvider time)
{
    private const string Columns =
        """
        id, study_id, signatory_id, kind, language, document_hash, entry_sequence, entry_hash, head_sequence, head_hash,
        key_fingerprint, created_at, sent_at, cancelled_at, attempts, last_error
        """;

    /// <summary>Queues a receipt in the caller's transaction.</summary>
    public static Task QueueAsync(DbConnection c, DbTransaction tx, long studyId, long signatoryId, string kind, string? language,
        string documentHash, long entrySequence, string entryHash, long headSequence, string headHash, string keyFingerprint, DateTimeOffset now) =>
        c.ExecuteAsync(
            """
            INSERT INTO receipt_mails (study_id, signatory_id, kind, language, document_hash, entry_sequence, entry_hash,
                                       head_sequence, head_hash, key_fingerprint, created_at, attempts)
            VALUES (@studyId, @signatoryId, @kind, @language, @documentHash, @entrySequence, @entryHash,
                    @headSequence, @headHash, @keyFingerprint, @now, 0)
            """, new { studyId, signatoryId, kind, language, documentHash, entrySequence, entryHash, headSequence, headHash, keyFingerprint, now }, tx);

    /// <summary>Cancels a signatory's unsent receipts in the caller's transaction (erasure).</summary>
    public static Task<int> CancelForSignatoryAsync(DbConnection c, DbTransaction tx, long signatoryId, DateTimeOffset now) =>
        c.ExecuteAsync(
            """
            UPDATE receipt_mails SET cancelled_at = @now, last_error = 'the signatory was erased'
            WHERE signatory_id = @signatoryId AND sent_at IS NULL AND cancelled_at IS NULL
            """, new { signatoryId, now }, tx);

    /// <summary>Receipts to (re)try, oldest first; optionally of one study only.</summary>
    public async Task<IReadOnlyList<ReceiptMail>> PendingAsync(int maxAttempts, long? studyId = null, int limit = 500) =>
        (await db.ReadAsync(c => c.QueryAsync<ReceiptMail>(
            $"""
            SELECT {Columns} FROM receipt_mails
            WHERE sent_at IS NULL AND cancelled_at IS NULL AND attempts < @maxAttempts
              AND (@studyId IS NULL OR study_id = @studyId)
            ORDER BY id LIMIT @limit
            """, new { maxAttempts, studyId, limit }))).AsList();

    /// <summary>Takes a receipt for one attempt; false when another sender took it first.</summary>
    public Task<bool> ClaimAsync(ReceiptMail mail) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            """
            UPDATE receipt_mails SET attempts = attempts + 1, last_error = NULL
            WHERE id = @id AND attempts = @attempts AND sent_at IS NULL AND cancelled_at IS NULL
            """, new { id = mail.Id, attempts = mail.Attempts }, tx) == 1);

    public Task MarkSentAsync(long id) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE receipt_mails SET sent_at = @now, last_error = NULL WHERE id = @id", new { id, now = time.Now() }, tx));

    public Task MarkFailedAsync(long id, string error) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE receipt_mails SET last_error = @error WHERE id = @id",
            new { id, error = error.Length > 500 ? error[..500] : error }, tx));

    public Task CancelAsync(long id, string reason) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE receipt_mails SET cancelled_at = @now, last_error = @reason WHERE id = @id AND sent_at IS NULL AND cancelled_at IS NULL",
            new { id, reason, now = time.Now() }, tx));

    /// <summary>Every receipt of a study, oldest first (for tests).</summary>
    public async Task<IReadOnlyList<ReceiptMail>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<ReceiptMail>(
            $"SELECT {Columns} FROM receipt_mails WHERE study_id = @studyId ORDER BY id", new { studyId }))).AsList();

    /// <summary>The signatory's name, address and organisation, from the identities kept apart from the ledger.</summary>
    public Task<SignatoryRecipient?> RecipientAsync(long signatoryId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<SignatoryRecipient>(
            """
            SELECT i.name, i.email, s.organisation, i.erased_at, s.withdrawn_at
            FROM signatories s LEFT JOIN signatory_identities i ON i.signatory_id = s.id
            WHERE s.id = @signatoryId
            """, new { signatoryId }));
}
