using Dapper;
using DelphiRounds.Data;

namespace DelphiRounds.Studies;

/// <summary>The background documents of studies (the only writer of <c>study_documents</c>).</summary>
public sealed class StudyDocumentStore(Database db)
{
    private const string Columns =
        "id, title, file_name, content_type, size_bytes, sha256, added_at, shown_from_round, withdrawn_at, withdrawn_after_round";

    /// <summary>Every document of the study, withdrawn ones too, in the order added.</summary>
    public async Task<IReadOnlyList<StudyDocument>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<StudyDocument>(
            $"SELECT {Columns} FROM study_documents WHERE study_id = @studyId ORDER BY id", new { studyId }))).ToList();

    public Task<StudyDocument?> FindAsync(long studyId, long documentId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<StudyDocument>(
            $"SELECT {Columns} FROM study_documents WHERE study_id = @studyId AND id = @documentId", new { studyId, documentId }));

    /// <summary>The document's bytes (null when it is not the study's).</summary>
    public Task<byte[]?> ContentAsync(long studyId, long documentId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<byte[]?>(
            "SELECT content FROM study_documents WHERE study_id = @studyId AND id = @documentId", new { studyId, documentId }));

    public Task<long> AddAsync(long studyId, string title, string fileName, string contentType, byte[] content, string sha256,
        DateTimeOffset now, int shownFromRound) =>
        db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            """
            INSERT INTO study_documents (study_id, title, file_name, content_type, size_bytes, sha256, content, added_at, shown_from_round)
            VALUES (@studyId, @title, @fileName, @contentType, @size, @sha256, @content, @now, @shownFromRound) RETURNING id
            """, new { studyId, title, fileName, contentType, size = (long)content.Length, sha256, content, now, shownFromRound }, tx));

    /// <summary>Marks the document withdrawn (it stays in the record); false when it was not shown.</summary>
    public Task<bool> WithdrawAsync(long studyId, long documentId, DateTimeOffset now, int afterRound) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            """
            UPDATE study_documents SET withdrawn_at = @now, withdrawn_after_round = @afterRound
            WHERE study_id = @studyId AND id = @documentId AND withdrawn_at IS NULL
            """, new { studyId, documentId, now, afterRound }, tx) == 1);

    /// <summary>Deletes the document: only before any round opened, when no participant can have seen it.</summary>
    public Task<bool> DeleteAsync(long studyId, long documentId) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            "DELETE FROM study_documents WHERE study_id = @studyId AND id = @documentId", new { studyId, documentId }, tx) == 1);
}
