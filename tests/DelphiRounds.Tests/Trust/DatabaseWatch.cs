using DelphiRounds.Testing;
using Microsoft.Data.Sqlite;

namespace DelphiRounds.Tests.Trust;

/// <summary>
/// Tells whether anything was committed to the database between two looks: every row of every table
/// (<see cref="DatabaseDump"/>) and SQLite's <c>data_version</c>, which changes on any commit by another
/// connection, also one that wrote a row back unchanged.
/// </summary>
public sealed class DatabaseWatch : IDisposable
{
    private readonly string _path;
    private readonly SqliteConnection? _connection;

    public DatabaseWatch(string path)
    {
        _path = path;
        // On PostgreSQL (the suite's second run) the rows alone tell: it has no data_version.
        if (DatabaseDump.IsPostgres(path)) return;
        _connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        _connection.Open();
    }

    /// <summary>A look at the database now.</summary>
    public (string Rows, long Version) Look()
    {
        if (_connection is null) return (DatabaseDump.Take(_path), 0);
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "PRAGMA data_version";
        var version = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        return (DatabaseDump.Take(_path), version);
    }

    /// <summary>Null when nothing changed since <paramref name="before"/>, else what changed.</summary>
    public string? Changed((string Rows, long Version) before)
    {
        var after = Look();
        if (after.Rows != before.Rows)
        {
            var was = before.Rows.Split('\n').ToHashSet();
            var added = after.Rows.Split('\n').Where(l => !was.Contains(l)).Take(3);
            return "rows changed: " + string.Join(" / ", added);
        }
        return after.Version != before.Version ? "a commit happened (data_version moved) though no row differs" : null;
    }

    public void Dispose() => _connection?.Dispose();
}
