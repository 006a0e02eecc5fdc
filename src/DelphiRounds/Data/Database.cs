using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DelphiRounds.Data;

/// <summary>The database engines DelphiRounds runs on.</summary>
public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>
/// Opens connections and runs write transactions. SQLite allows one writer at a time, so writes on
/// SQLite queue on an in-process gate instead of spinning on SQLITE_BUSY; PostgreSQL writes run in parallel.
/// </summary>
public sealed class Database : IDisposable
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly string _connectionString;

    public Database(IOptions<StorageOptions> options)
    {
        var o = options.Value;
        if (!string.IsNullOrWhiteSpace(o.PostgresConnectionString))
        {
            Provider = DatabaseProvider.Postgres;
            _connectionString = o.PostgresConnectionString;
            Describe = "PostgreSQL";
        }
        else
        {
            Provider = DatabaseProvider.Sqlite;
            var path = Path.GetFullPath(o.SqlitePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                ForeignKeys = true,
                Pooling = true,
                DefaultTimeout = o.BusyTimeoutSeconds,
            }.ToString();
            SqlitePath = path;
            Describe = "SQLite " + path;
        }
        DapperSetup.Configure();
    }

    public DatabaseProvider Provider { get; }

    /// <summary>Full path of the SQLite file, or null on PostgreSQL.</summary>
    public string? SqlitePath { get; }

    /// <summary>A line for logs and the start-up banner (no secrets).</summary>
    public string Describe { get; }

    public string ConnectionString => _connectionString;

    /// <summary>Opens a connection for reading (or for a caller that manages its own transaction).</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        DbConnection connection = Provider == DatabaseProvider.Sqlite
            ? new SqliteConnection(_connectionString)
            : new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        if (Provider == DatabaseProvider.Sqlite)
        {
            // Durability before the 201: every commit is synced (process and power loss alike).
            await connection.ExecuteAsync("PRAGMA synchronous = FULL;");
        }
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction and commits it before returning. This is the one retry
    /// policy for database conflicts: on PostgreSQL, serializable transactions that lose a race with another one
    /// (<see cref="IsConflict"/>) are run again from the start with a growing random back-off, up to
    /// <see cref="MaxAttempts"/> times; <paramref name="work"/> must only touch the database.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteOnceAsync(work, ct);
            }
            catch (Exception e) when (attempt < MaxAttempts && IsConflict(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 1 + Math.Min(200, 5 << attempt))), ct);
            }
        }
    }

    /// <summary>Attempts of a PostgreSQL write transaction that keeps losing races.</summary>
    public const int MaxAttempts = 10;

    /// <summary>A transaction PostgreSQL rolled back because of a concurrent one: serialization failure, deadlock, or a row the other inserted first (run again, the work sees it).</summary>
    public static bool IsConflict(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.UniqueViolation };

    private async Task<T> WriteOnceAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        var gated = Provider == DatabaseProvider.Sqlite;
        if (gated) await _writeGate.WaitAsync(ct);
        try
        {
            await using var connection = await OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(IsolationLevel.Serializable, ct);
            var result = await work(connection, tx);
            await tx.CommitAsync(ct);
            return result;
        }
        finally
        {
            if (gated) _writeGate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction.</summary>
    public Task WriteAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken ct = default) =>
        WriteAsync<bool>(async (c, t) => { await work(c, t); return true; }, ct);

    /// <summary>Reads with a short-lived connection.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await work(connection);
    }

    public void Dispose() => _writeGate.Dispose();
}
