using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Npgsql;

namespace DelphiRounds.Testing;

/// <summary>
/// The PostgreSQL run of the integration suite: <c>DELPHI_TEST_POSTGRES</c> is a connection string to a server
/// (scripts/test.sh starts one on 127.0.0.1) with the right to create databases; every <see cref="DelphiApp"/>
/// gets a fresh database of its own, dropped when the app is disposed.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "DELPHI_TEST_POSTGRES";

    public static string? AdminConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } c ? c : null;

    /// <summary>SQLite path of a <see cref="DelphiApp"/> → its PostgreSQL database, for <see cref="DatabaseDump"/>.</summary>
    public static ConcurrentDictionary<string, string> ByPath { get; } = new();

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public static string CreateDatabase(string? admin = null)
    {
        admin ??= AdminConnectionString ?? throw new InvalidOperationException($"{Variable} is not set");
        var name = "delphi_t_" + Guid.NewGuid().ToString("N")[..20];
        using (var c = new NpgsqlConnection(admin))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE {name}";
            cmd.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
    }

    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        try
        {
            using var c = new NpgsqlConnection(AdminConnectionString ?? new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"DROP DATABASE IF EXISTS {name} WITH (FORCE)";
            cmd.ExecuteNonQuery();
        }
        catch (NpgsqlException) { }
    }

    /// <summary>Every row of every table as text (PostgreSQL's counterpart of <see cref="DatabaseDump.Take"/>).</summary>
    public static string Dump(string connectionString)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var sb = new StringBuilder();
        foreach (var table in tables)
        {
            sb.Append("## ").AppendLine(table);
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                for (var i = 0; i < r.FieldCount; i++) sb.Append(r.IsDBNull(i) ? "∅" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)).Append('|');
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    public static long Count(string connectionString, string sql)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
