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
