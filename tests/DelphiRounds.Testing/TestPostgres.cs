using System.Collections.Concurrent;
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
}
