using Microsoft.Data.Sqlite;

namespace DelphiRounds.CrashTests;

/// <summary>A stored answer row, read straight from the SQLite file.</summary>
public sealed record StoredAnswer(long Id, long RoundId, long ParticipantId, long ItemId, int Revision, double? Value, string? Key);

/// <summary>Reads what is on disk (read-only; fine while the server runs, thanks to WAL).</summary>
public static class Stored
{
    public static IReadOnlyList<StoredAnswer> Answers(string databasePath, long? roundId = null)
    {
        using var c = Open(databasePath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, round_id, participant_id, item_id, revision, value, idempotency_key FROM answers" + (roundId is null ? "" : " WHERE round_id = $r") + " ORDER BY id";
        if (roundId is not null) cmd.Parameters.AddWithValue("$r", roundId);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredAnswer>();
        while (r.Read())
            list.Add(new StoredAnswer(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4), r.IsDBNull(5) ? null : r.GetDouble(5), r.IsDBNull(6) ? null : r.GetString(6)));
        return list;
    }

    public static T Scalar<T>(string databasePath, string sql, params (string Name, object Value)[] parameters)
    {
        using var c = Open(databasePath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        var result = cmd.ExecuteScalar();
        return result is null or DBNull ? default! : (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static IReadOnlyList<(long ItemId, string AnalysisJson)> Snapshots(string databasePath, long roundId)
    {
        using var c = Open(databasePath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT item_id, analysis_json FROM round_snapshots WHERE round_id = $r ORDER BY item_id";
        cmd.Parameters.AddWithValue("$r", roundId);
        using var r = cmd.ExecuteReader();
        var list = new List<(long, string)>();
        while (r.Read()) list.Add((r.GetInt64(0), r.GetString(1)));
        return list;
    }

    public static string IntegrityCheck(string databasePath) => Scalar<string>(databasePath, "PRAGMA integrity_check");

    private static SqliteConnection Open(string path)
    {
        var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        c.Open();
        return c;
    }
}
