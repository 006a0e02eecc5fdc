using System.Text;
using Microsoft.Data.Sqlite;

namespace DelphiRounds.Testing;

/// <summary>Every row of every table as text: two dumps are equal exactly when the stored data is.</summary>
public static class DatabaseDump
{
    public static string Take(string databasePath)
    {
        if (TestPostgres.ByPath.TryGetValue(databasePath, out var postgres)) return TestPostgres.Dump(postgres);
        using var c = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        c.Open();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var sb = new StringBuilder();
        foreach (var table in tables)
        {
            sb.Append("## ").AppendLine(table);
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\" ORDER BY rowid";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                for (var i = 0; i < r.FieldCount; i++) sb.Append(r.IsDBNull(i) ? "∅" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    /// <summary>True when the app under test stores in PostgreSQL (the suite's second run, <c>DELPHI_TEST_POSTGRES</c>).</summary>
    public static bool IsPostgres(string databasePath) => TestPostgres.ByPath.ContainsKey(databasePath);

    /// <summary>An open connection to the app's database, whichever engine it runs on (read-only on SQLite unless <paramref name="write"/>).</summary>
    public static System.Data.Common.DbConnection Open(string databasePath, bool write = false)
    {
        System.Data.Common.DbConnection c = TestPostgres.ByPath.TryGetValue(databasePath, out var postgres)
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

    public static long Count(string databasePath, string sql)
    {
        if (TestPostgres.ByPath.TryGetValue(databasePath, out var postgres)) return TestPostgres.Count(postgres, sql);
        using var c = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
