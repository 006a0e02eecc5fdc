using System.Data.Common;
using Dapper;
using DelphiRounds.Data;

namespace DelphiRounds.Convergence;

/// <summary>An item's statistics when its round closed, with the stopping rule's verdict.</summary>
public sealed record RoundSnapshot
{
    public long RoundId { get; init; }
    public long ItemId { get; init; }
    /// <summary>The analyze contract's output document.</summary>
    public string AnalysisJson { get; init; } = "";
    /// <summary><c>consensus</c>, <c>stable-dissent</c> or <c>continue</c>.</summary>
    public string Verdict { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The snapshots taken when rounds close.</summary>
public sealed class ConvergenceStore(Database db)
{
    public static Task InsertAsync(DbConnection c, DbTransaction tx, RoundSnapshot s) =>
        c.ExecuteAsync(
            """
            INSERT INTO round_snapshots (round_id, item_id, analysis_json, verdict, created_at)
            VALUES (@RoundId, @ItemId, @AnalysisJson, @Verdict, @CreatedAt)
            """, s, tx);

    /// <summary>All snapshots of a study, by round number and item.</summary>
    public async Task<IReadOnlyList<RoundSnapshot>> ForStudyAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<RoundSnapshot>(
            """
            SELECT s.round_id, s.item_id, s.analysis_json, s.verdict, s.created_at
            FROM round_snapshots s JOIN rounds r ON r.id = s.round_id
            WHERE r.study_id = @studyId ORDER BY r.number, s.item_id
            """, new { studyId }))).AsList();

    /// <summary>The snapshots of a round, read on the caller's connection (inside its transaction).</summary>
    public static async Task<IReadOnlyList<RoundSnapshot>> ForRoundAsync(DbConnection c, DbTransaction? tx, long roundId) =>
        (await c.QueryAsync<RoundSnapshot>(
            "SELECT round_id, item_id, analysis_json, verdict, created_at FROM round_snapshots WHERE round_id = @roundId ORDER BY item_id",
            new { roundId }, tx)).AsList();

    public async Task<IReadOnlyList<RoundSnapshot>> ForRoundAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<RoundSnapshot>(
            "SELECT round_id, item_id, analysis_json, verdict, created_at FROM round_snapshots WHERE round_id = @roundId ORDER BY item_id",
            new { roundId }))).AsList();
}
