using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace DelphiRounds.Testing;

/// <summary>
/// Reads of the app's database for tests, on SQLite (the file at <c>databasePath</c>) or, in the suite's
/// PostgreSQL run, on the PostgreSQL database registered for that path (<see cref="TestPostgres.ByPath"/>).
/// </summary>
public static class DatabaseDump
{
    /// <summary>Every row of every table as text: two dumps are equal exactly when the stored data is.</summary>
    public static string Take(string databasePath)
    {
        using var c = Open(databasePath);
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = IsPostgres(databasePath)
                ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
                : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var order = IsPostgres(databasePath) ? "1" : "rowid";
        var sb = new StringBuilder();
        foreach (var table in tables)
        {
            sb.Append("## ").AppendLine(table);
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\" ORDER BY {order}";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                for (var i = 0; i < r.FieldCount; i++) sb.Append(r.IsDBNull(i) ? "∅" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)).Append('|');
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    /// <summary>True when the app under test stores in PostgreSQL (the suite's second run, <c>DELPHI_TEST_POSTGRES</c>).</summary>
    public static bool IsPostgres(string databasePath) => TestPostgres.ByPath.ContainsKey(databasePath);

    /// <summary>An open connection to the app's database, whichever engine it runs on (read-only on SQLite unless <paramref name="write"/>).</summary>
    public static DbConnection Open(string databasePath, bool write = false)
    {
        DbConnection c = TestPostgres.ByPath.TryGetValue(databasePath, out var postgres)
            ? new Npgsql.NpgsqlConnection(postgres)
            : new SqliteConnection($"Data Source={databasePath};{(write ? "" : "Mode=ReadOnly;")}Pooling=False");
        c.Open();
        return c;
    }

    /// <summary>Runs a statement that changes the database (test set-up), on either engine.</summary>
    public static int Execute(string databasePath, string sql)
    {
        using var c = Open(databasePath, write: true);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row, as text ("" when there is none or it is null).</summary>
    public static string Text(string databasePath, string sql) =>
        Convert.ToString(Scalar(databasePath, sql), CultureInfo.InvariantCulture) ?? "";

    public static long Count(string databasePath, string sql) =>
        Convert.ToInt64(Scalar(databasePath, sql), CultureInfo.InvariantCulture);

    private static object? Scalar(string databasePath, string sql)
    {
        using var c = Open(databasePath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
