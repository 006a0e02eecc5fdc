using System.Data.Common;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Vision;

/// <summary>One version of a study's vision text. Versions are never changed; a revision is a new version.</summary>
public sealed record VisionDraft
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public int Version { get; init; }
    public string Title { get; init; } = "";
    /// <summary>Introduction in Markdown.</summary>
    public string Preamble { get; init; } = "";
    /// <summary>What changed since the previous version, and why.</summary>
    public string? ChangeNote { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A statement of a draft (Markdown).</summary>
public sealed record VisionStatement
{
    public long Id { get; init; }
    public long DraftId { get; init; }
    public int Position { get; init; }
    public string Text { get; init; } = "";
}

/// <summary>A statement with the items it rests on.</summary>
public sealed record LinkedStatement(VisionStatement Statement, IReadOnlyList<long> ItemIds);

/// <summary>The panel's review of one draft version.</summary>
public sealed record VisionReview
{
    public long DraftId { get; init; }
    public DateTimeOffset OpenedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public bool IsOpen => ClosedAt is null;
}

/// <summary>Review positions, as stored and named in the API.</summary>
public static class ReviewPositions
{
    public const string Agree = "agree";
    public const string LiveWith = "live-with";
    public const string Object = "object";
    public static readonly string[] All = [Agree, LiveWith, Object];
}

/// <summary>A participant's current review answer on a statement.</summary>
public sealed record ReviewAnswer
{
    public long Id { get; init; }
    public long StatementId { get; init; }
    public long ParticipantId { get; init; }
    public int Revision { get; init; }
    public string Position { get; init; } = "";
    public string? Reason { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The frozen vision: canonical JSON and its SHA-256.</summary>
public sealed record VisionDocument
{
    public long StudyId { get; init; }
    public long DraftId { get; init; }
    public string CanonicalJson { get; init; } = "";
    public string DocumentHash { get; init; } = "";
    public DateTimeOffset FrozenAt { get; init; }
    /// <summary>Which version of the frozen vision: 1 for the first, 2 for the one after a reflection round, …</summary>
    public int Number { get; init; } = 1;
    /// <summary>The hash of the version before this one (null for vision 1).</summary>
    public string? PreviousHash { get; init; }
}

/// <summary>A vision version being frozen after a reflection round, inside the freeze's transaction (issue 21): the ledger appends its revision entry.</summary>
public sealed record VisionRevising(VisionDocument Document, DbConnection Connection, DbTransaction Transaction, DatabaseProvider Provider);

/// <summary>What became of a request to change the vision.</summary>
public enum VisionChange { Done, NotFound, Frozen, NoDraft, ReviewAlreadyOpen, ReviewAlreadyHeld, NoReviewOpen }

/// <summary>Drafts, statements and their links to items, reviews, and the frozen document.</summary>
public sealed class VisionStore(Database db, TimeProvider time)
{
    private const string DraftColumns = "id, study_id, version, title, preamble, change_note, created_at";
    private const string DocumentColumns = "study_id, draft_id, canonical_json, document_hash, frozen_at";
    private const string RevisionColumns = "study_id, draft_id, canonical_json, document_hash, frozen_at, number, previous_hash";

    /// <summary>
    /// Saves a new version (the next number) with its statements and links, in one transaction. An open
    /// review of the previous version closes: the panel reviews what the facilitator then revised.
    /// </summary>
    public Task<(VisionChange Change, VisionDraft? Draft)> SaveDraftAsync(
        long studyId, string title, string preamble, IReadOnlyList<(string Text, IReadOnlyList<long> ItemIds)> statements, string? changeNote) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await FrozenAsync(c, tx, studyId)) return (VisionChange.Frozen, (VisionDraft?)null);
            var now = time.Now();
            await c.ExecuteAsync(
                """
                UPDATE vision_reviews SET closed_at = @now
                WHERE closed_at IS NULL AND draft_id IN (SELECT id FROM vision_drafts WHERE study_id = @studyId)
                """, new { studyId, now }, tx);
            var version = await c.ExecuteScalarAsync<int>(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM vision_drafts WHERE study_id = @studyId", new { studyId }, tx);
            var draftId = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO vision_drafts (study_id, version, title, preamble, change_note, created_at)
                VALUES (@studyId, @version, @title, @preamble, @changeNote, @now) RETURNING id
                """, new { studyId, version, title, preamble, changeNote, now }, tx);
            var position = 0;
            foreach (var (text, itemIds) in statements)
            {
                var statementId = await c.ExecuteScalarAsync<long>(
                    "INSERT INTO vision_statements (draft_id, position, text) VALUES (@draftId, @position, @text) RETURNING id",
                    new { draftId, position = ++position, text }, tx);
                foreach (var itemId in itemIds.Distinct())
                {
                    await c.ExecuteAsync(
                        "INSERT INTO vision_statement_items (statement_id, item_id) VALUES (@statementId, @itemId)",
                        new { statementId, itemId }, tx);
                }
            }
            return (VisionChange.Done, (VisionDraft?)new VisionDraft
            {
                Id = draftId, StudyId = studyId, Version = version, Title = title, Preamble = preamble, ChangeNote = changeNote, CreatedAt = now,
            });
        });

    public async Task<IReadOnlyList<VisionDraft>> DraftsAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<VisionDraft>(
            $"SELECT {DraftColumns} FROM vision_drafts WHERE study_id = @studyId ORDER BY version", new { studyId }))).AsList();

    public Task<VisionDraft?> DraftAsync(long studyId, int version) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<VisionDraft>(
            $"SELECT {DraftColumns} FROM vision_drafts WHERE study_id = @studyId AND version = @version", new { studyId, version }));

    public Task<VisionDraft?> LatestDraftAsync(long studyId) =>
        db.ReadAsync(c => c.QueryFirstOrDefaultAsync<VisionDraft>(
            $"SELECT {DraftColumns} FROM vision_drafts WHERE study_id = @studyId ORDER BY version DESC", new { studyId }));

    public Task<VisionDraft?> DraftByIdAsync(long draftId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<VisionDraft>($"SELECT {DraftColumns} FROM vision_drafts WHERE id = @draftId", new { draftId }));

    /// <summary>A draft's statements in order, each with the items it rests on.</summary>
    public async Task<IReadOnlyList<LinkedStatement>> StatementsAsync(long draftId)
    {
        var (statements, links) = await db.ReadAsync(async c =>
        {
            var s = (await c.QueryAsync<VisionStatement>(
                "SELECT id, draft_id, position, text FROM vision_statements WHERE draft_id = @draftId ORDER BY position", new { draftId })).AsList();
            var l = (await c.QueryAsync<(long StatementId, long ItemId)>(
                """
                SELECT l.statement_id, l.item_id FROM vision_statement_items l
                JOIN vision_statements s ON s.id = l.statement_id JOIN items i ON i.id = l.item_id
                WHERE s.draft_id = @draftId ORDER BY i.position, i.id
                """, new { draftId })).AsList();
            return (s, l);
        });
        return statements.Select(s => new LinkedStatement(s, links.Where(l => l.StatementId == s.Id).Select(l => l.ItemId).ToList())).ToList();
    }

    public Task<VisionReview?> ReviewAsync(long draftId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<VisionReview>(
            "SELECT draft_id, opened_at, closed_at FROM vision_reviews WHERE draft_id = @draftId", new { draftId }));

    /// <summary>The draft whose review is open, if any.</summary>
    public Task<VisionDraft?> UnderReviewAsync(long studyId) =>
        db.ReadAsync(c => c.QueryFirstOrDefaultAsync<VisionDraft>(
            $"""
            SELECT {string.Join(", ", DraftColumns.Split(", ").Select(col => "d." + col))}
            FROM vision_drafts d JOIN vision_reviews r ON r.draft_id = d.id
            WHERE d.study_id = @studyId AND r.closed_at IS NULL ORDER BY d.version DESC
            """, new { studyId }));

    /// <summary>Opens the review of the latest version: once per version, never after the freeze.</summary>
    public Task<(VisionChange Change, VisionDraft? Draft)> OpenReviewAsync(long studyId) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await FrozenAsync(c, tx, studyId)) return (VisionChange.Frozen, (VisionDraft?)null);
            var draft = await c.QueryFirstOrDefaultAsync<VisionDraft>(
                $"SELECT {DraftColumns} FROM vision_drafts WHERE study_id = @studyId ORDER BY version DESC", new { studyId }, tx);
            if (draft is null) return (VisionChange.NoDraft, null);
            var review = await c.QuerySingleOrDefaultAsync<VisionReview>(
                "SELECT draft_id, opened_at, closed_at FROM vision_reviews WHERE draft_id = @draftId", new { draftId = draft.Id }, tx);
            if (review is not null) return (review.IsOpen ? VisionChange.ReviewAlreadyOpen : VisionChange.ReviewAlreadyHeld, draft);
            await c.ExecuteAsync("INSERT INTO vision_reviews (draft_id, opened_at) VALUES (@draftId, @now)", new { draftId = draft.Id, now = time.Now() }, tx);
            return (VisionChange.Done, draft);
        });

    public Task<(VisionChange Change, VisionDraft? Draft)> CloseReviewAsync(long studyId) =>
        db.WriteAsync(async (c, tx) =>
        {
            var draft = await c.QueryFirstOrDefaultAsync<VisionDraft>(
                $"""
                SELECT d.id, d.study_id, d.version, d.title, d.preamble, d.change_note, d.created_at
                FROM vision_drafts d JOIN vision_reviews r ON r.draft_id = d.id
                WHERE d.study_id = @studyId AND r.closed_at IS NULL
                """, new { studyId }, tx);
            if (draft is null) return (VisionChange.NoReviewOpen, (VisionDraft?)null);
            await c.ExecuteAsync("UPDATE vision_reviews SET closed_at = @now WHERE draft_id = @draftId AND closed_at IS NULL",
                new { draftId = draft.Id, now = time.Now() }, tx);
            return (VisionChange.Done, (VisionDraft?)draft);
        });

    /// <summary>
    /// Appends review answers of one participant (each a new revision) in one transaction that checks the
    /// review of their draft is still open. False when it is not (nothing is stored then).
    /// </summary>
    public Task<bool> AppendReviewAnswersAsync(long draftId, long participantId, IReadOnlyList<(long StatementId, string Position, string? Reason)> answers) =>
        db.WriteAsync(async (c, tx) =>
        {
            var open = await c.ExecuteScalarAsync<long>(
                db.Provider == DatabaseProvider.Postgres
                    ? "SELECT COUNT(*) FROM (SELECT 1 FROM vision_reviews WHERE draft_id = @draftId AND closed_at IS NULL FOR SHARE) AS open_review"
                    : "SELECT COUNT(*) FROM vision_reviews WHERE draft_id = @draftId AND closed_at IS NULL", new { draftId }, tx);
            if (open == 0) return false;
            var now = time.Now();
            foreach (var (statementId, position, reason) in answers)
            {
                var current = await c.QueryFirstOrDefaultAsync<ReviewAnswer>(
                    """
                    SELECT id, statement_id, participant_id, revision, position, reason, created_at FROM vision_review_answers
                    WHERE statement_id = @statementId AND participant_id = @participantId ORDER BY revision DESC LIMIT 1
                    """, new { statementId, participantId }, tx);
                if (current is not null && current.Position == position && current.Reason == reason) continue;
                await c.ExecuteAsync(
                    """
                    INSERT INTO vision_review_answers (statement_id, participant_id, revision, position, reason, created_at)
                    VALUES (@statementId, @participantId, @revision, @position, @reason, @now)
                    """, new { statementId, participantId, revision = (current?.Revision ?? 0) + 1, position, reason, now }, tx);
            }
            return true;
        });

    /// <summary>The current (latest) review answer of every participant on every statement of a draft.</summary>
    public async Task<IReadOnlyList<ReviewAnswer>> ReviewAnswersAsync(long draftId) =>
        (await db.ReadAsync(c => c.QueryAsync<ReviewAnswer>(
            """
            SELECT a.id, a.statement_id, a.participant_id, a.revision, a.position, a.reason, a.created_at
            FROM vision_review_answers a JOIN vision_statements s ON s.id = a.statement_id
            WHERE s.draft_id = @draftId
              AND a.revision = (SELECT MAX(b.revision) FROM vision_review_answers b
                                WHERE b.statement_id = a.statement_id AND b.participant_id = a.participant_id)
            ORDER BY s.position, a.id
            """, new { draftId }))).AsList();

    /// <summary>Freezes a version: stores the canonical document once. False when the study was already frozen.</summary>
    /// <remarks>
    /// After a reflection round on the vision in force has closed, the freeze stores the next version (vision 2, …) chained to
    /// the one before, and <paramref name="revised"/> runs in the same transaction (the ledger's revision entry), so the new
    /// version and its place in the ledger commit together or not at all.
    /// </remarks>
    public Task<bool> FreezeAsync(long studyId, long draftId, string canonicalJson, string documentHash, DateTimeOffset frozenAt,
        Func<VisionRevising, Task>? revised = null) =>
        db.WriteAsync(async (c, tx) =>
        {
            var current = await CurrentAsync(c, tx, studyId);
            if (current is not null)
            {
                if (!await ReopenedAsync(c, tx, studyId, current)) return false;
                var revision = new VisionDocument
                {
                    StudyId = studyId, DraftId = draftId, CanonicalJson = canonicalJson, DocumentHash = documentHash, FrozenAt = frozenAt,
                    Number = current.Number + 1, PreviousHash = current.DocumentHash,
                };
                await c.ExecuteAsync(
                    """
                    INSERT INTO vision_revisions (study_id, number, draft_id, canonical_json, document_hash, previous_hash, frozen_at)
                    VALUES (@StudyId, @Number, @DraftId, @CanonicalJson, @DocumentHash, @PreviousHash, @FrozenAt)
                    """, revision, tx);
                await c.ExecuteAsync(
                    "UPDATE vision_reviews SET closed_at = @frozenAt WHERE closed_at IS NULL AND draft_id IN (SELECT id FROM vision_drafts WHERE study_id = @studyId)",
                    new { studyId, frozenAt }, tx);
                if (revised is not null) await revised(new VisionRevising(revision, c, tx, db.Provider));
                return true;
            }
            await c.ExecuteAsync(
                """
                INSERT INTO vision_documents (study_id, draft_id, canonical_json, document_hash, frozen_at)
                VALUES (@studyId, @draftId, @canonicalJson, @documentHash, @frozenAt)
                """, new { studyId, draftId, canonicalJson, documentHash, frozenAt }, tx);
            await c.ExecuteAsync(
                "UPDATE vision_reviews SET closed_at = @frozenAt WHERE closed_at IS NULL AND draft_id IN (SELECT id FROM vision_drafts WHERE study_id = @studyId)",
                new { studyId, frozenAt }, tx);
            return true;
        });

    /// <summary>The vision in force: the latest frozen version (vision 2 once it is frozen), or null before the first freeze.</summary>
    public Task<VisionDocument?> DocumentAsync(long studyId) => db.ReadAsync(c => CurrentAsync(c, null, studyId));

    /// <summary>Every frozen version of a study's vision, vision 1 first.</summary>
    public Task<IReadOnlyList<VisionDocument>> DocumentsAsync(long studyId) =>
        db.ReadAsync(async c =>
        {
            var first = await c.QuerySingleOrDefaultAsync<VisionDocument>(
                $"SELECT {DocumentColumns} FROM vision_documents WHERE study_id = @studyId", new { studyId });
            if (first is null) return (IReadOnlyList<VisionDocument>)[];
            var revisions = await c.QueryAsync<VisionDocument>(
                $"SELECT {RevisionColumns} FROM vision_revisions WHERE study_id = @studyId ORDER BY number", new { studyId });
            return [first, .. revisions];
        });

    /// <summary>
    /// True when the vision in force may be followed by a new version: a reflection round on it has closed (issue 21). Drafts,
    /// a review and a freeze are then allowed again; the freeze makes the next version.
    /// </summary>
    public Task<bool> ReopenedAsync(long studyId) =>
        db.ReadAsync(async c => await CurrentAsync(c, null, studyId) is { } current && await ReopenedAsync(c, null, studyId, current));

    /// <summary>The frozen document in force, read inside the caller's transaction (the first version locked on PostgreSQL until it ends).</summary>
    public static async Task<VisionDocument?> DocumentForUpdateAsync(DbConnection c, DbTransaction tx, DatabaseProvider provider, long studyId)
    {
        var first = await c.QuerySingleOrDefaultAsync<VisionDocument>(
            provider == DatabaseProvider.Postgres
                ? $"SELECT {DocumentColumns} FROM vision_documents WHERE study_id = @studyId FOR UPDATE"
                : $"SELECT {DocumentColumns} FROM vision_documents WHERE study_id = @studyId", new { studyId }, tx);
        if (first is null) return null;
        return await LatestRevisionAsync(c, tx, studyId) ?? first;
    }

    private static Task<VisionDocument?> LatestRevisionAsync(DbConnection c, DbTransaction? tx, long studyId) =>
        c.QueryFirstOrDefaultAsync<VisionDocument>(
            $"SELECT {RevisionColumns} FROM vision_revisions WHERE study_id = @studyId ORDER BY number DESC", new { studyId }, tx);

    private static async Task<VisionDocument?> CurrentAsync(DbConnection c, DbTransaction? tx, long studyId)
    {
        var first = await c.QuerySingleOrDefaultAsync<VisionDocument>(
            $"SELECT {DocumentColumns} FROM vision_documents WHERE study_id = @studyId", new { studyId }, tx);
        if (first is null) return null;
        return await LatestRevisionAsync(c, tx, studyId) ?? first;
    }

    private static async Task<bool> ReopenedAsync(DbConnection c, DbTransaction? tx, long studyId, VisionDocument current) =>
        await c.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(*) FROM reflection_rounds rr JOIN rounds r ON r.id = rr.round_id
            WHERE rr.study_id = @studyId AND rr.document_hash = @hash AND r.state = 'closed'
            """, new { studyId, hash = current.DocumentHash }, tx) > 0;

    /// <summary>True when the vision is frozen and no reflection round on the version in force has closed: nothing may be drafted.</summary>
    private static async Task<bool> FrozenAsync(DbConnection c, DbTransaction tx, long studyId) =>
        await CurrentAsync(c, tx, studyId) is { } current && !await ReopenedAsync(c, tx, studyId, current);
}
