using System.Data.Common;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Outbox;

/// <summary>The kinds of reminder about a commitment (issue 21), each sent at most once per commitment.</summary>
public static class CommitmentReminderKinds
{
    /// <summary>Two weeks (<see cref="DaysBefore"/>) before the due date.</summary>
    public const string Soon = "soon";
    /// <summary>On the due date.</summary>
    public const string Due = "due";
    /// <summary>Once, when the due date has passed and the commitment is not done.</summary>
    public const string Late = "late";

    public const int DaysBefore = 14;

    /// <summary>
    /// The reminder a commitment due on <paramref name="dueOn"/> calls for on <paramref name="today"/>; null when none does
    /// (more than two weeks ahead). Only the kind of the day: a sender that was down for the due date sends the late one.
    /// </summary>
    public static string? For(DateOnly dueOn, DateOnly today) =>
        today < dueOn.AddDays(-DaysBefore) ? null
        : today < dueOn ? Soon
        : today == dueOn ? Due
        : Late;
}

/// <summary>A reminder about a commitment, with what it says (copied from the commitment when it was queued).</summary>
public sealed record CommitmentReminder
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long CommitmentId { get; init; }
    public long SignatoryId { get; init; }
    public string Kind { get; init; } = "";
    public string Language { get; init; } = "nl";
    public string Organisation { get; init; } = "";
    public string CommitmentText { get; init; } = "";
    public string DueOn { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }
    public int Attempts { get; init; }
    public string? LastError { get; init; }
}

/// <summary>A commitment a reminder is due for, as the agenda hands it to the outbox.</summary>
public sealed record CommitmentDue(long StudyId, long CommitmentId, long SignatoryId, string Kind, string? Language, string Organisation,
    string Text, string DueOn);

/// <summary>
/// The commitment_reminders table: reminders to organisations whose commitments are due, sent by the outbox sender with
/// its retries. One row per commitment and kind (unique), so a reminder is queued once however often the agenda looks,
/// also after a restart. The address is read from signatory_identities when it is sent (an erased signatory gets nothing).
/// </summary>
public sealed class CommitmentReminderStore(Database db, TimeProvider time)
{
    private const string Columns =
        """
        id, study_id, commitment_id, signatory_id, kind, language, organisation, commitment_text, due_on, created_at, sent_at,
        cancelled_at, attempts, last_error
        """;

    /// <summary>
    /// Queues the reminder unless one of its kind was queued for the commitment before; true when queued now. Without a
    /// language of the commitment, the one the organisation's signatory signed in (their receipt), Dutch otherwise.
    /// </summary>
    public Task<bool> QueueAsync(CommitmentDue due) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            """
            INSERT INTO commitment_reminders (study_id, commitment_id, signatory_id, kind, language, organisation, commitment_text, due_on,
                                              created_at, attempts)
            VALUES (@StudyId, @CommitmentId, @SignatoryId, @Kind,
                    COALESCE(@Language, (SELECT r.language FROM receipt_mails r WHERE r.signatory_id = @SignatoryId AND r.language IS NOT NULL
                                         ORDER BY r.id DESC LIMIT 1), 'nl'),
                    @Organisation, @Text, @DueOn, @now, 0)
            ON CONFLICT (commitment_id, kind) DO NOTHING
            """, new { due.StudyId, due.CommitmentId, due.SignatoryId, due.Kind, due.Language, due.Organisation, due.Text, due.DueOn, now = time.Now() },
            tx) == 1);

    /// <summary>Cancels a commitment's unsent reminders in the caller's transaction (it was marked done).</summary>
    public static Task<int> CancelForCommitmentAsync(DbConnection c, DbTransaction tx, long commitmentId, string reason, DateTimeOffset now) =>
        c.ExecuteAsync(
            """
            UPDATE commitment_reminders SET cancelled_at = @now, last_error = @reason
            WHERE commitment_id = @commitmentId AND sent_at IS NULL AND cancelled_at IS NULL
            """, new { commitmentId, reason, now }, tx);

    /// <summary>Reminders to (re)try, oldest first; optionally of one study only.</summary>
    public async Task<IReadOnlyList<CommitmentReminder>> PendingAsync(int maxAttempts, long? studyId = null, int limit = 500) =>
        (await db.ReadAsync(c => c.QueryAsync<CommitmentReminder>(
            $"""
            SELECT {Columns} FROM commitment_reminders
            WHERE sent_at IS NULL AND cancelled_at IS NULL AND attempts < @maxAttempts
              AND (@studyId IS NULL OR study_id = @studyId)
            ORDER BY id LIMIT @limit
            """, new { maxAttempts, studyId, limit }))).AsList();

    /// <summary>Takes a reminder for one attempt; false when another sender took it first.</summary>
    public Task<bool> ClaimAsync(CommitmentReminder reminder) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            """
            UPDATE commitment_reminders SET attempts = attempts + 1, last_error = NULL
            WHERE id = @id AND attempts = @attempts AND sent_at IS NULL AND cancelled_at IS NULL
            """, new { id = reminder.Id, attempts = reminder.Attempts }, tx) == 1);

    public Task MarkSentAsync(long id) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE commitment_reminders SET sent_at = @now, last_error = NULL WHERE id = @id", new { id, now = time.Now() }, tx));

    public Task MarkFailedAsync(long id, string error) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE commitment_reminders SET last_error = @error WHERE id = @id",
            new { id, error = error.Length > 500 ? error[..500] : error }, tx));

    public Task CancelAsync(long id, string reason) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE commitment_reminders SET cancelled_at = @now, last_error = @reason WHERE id = @id AND sent_at IS NULL AND cancelled_at IS NULL",
            new { id, reason, now = time.Now() }, tx));

    /// <summary>Every reminder of a study, oldest first.</summary>
    public async Task<IReadOnlyList<CommitmentReminder>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<CommitmentReminder>(
            $"SELECT {Columns} FROM commitment_reminders WHERE study_id = @studyId ORDER BY id", new { studyId }))).AsList();
}
