using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Data;

/// <summary>
/// Ready only when the database answers a query and, on SQLite, its file passes <c>PRAGMA quick_check</c>: a file
/// whose pages were overwritten still answers a small query, and would fail only later, on the export that reads them.
/// The check reads the whole file, so its result is kept for <see cref="QuickCheckEvery"/>.
/// </summary>
public sealed class DatabaseHealthCheck(Database db, IOptions<StorageOptions> storage, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan QuickCheckEvery = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private (DateTimeOffset At, string? Problem)? _lastQuickCheck;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await db.ReadAsync(c => Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT COUNT(*) FROM schema_versions"), ct);
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The database does not answer: " + e.Message);
        }
        if (db.SqlitePath is { } path && await Task.Run(() => QuickCheck(path), ct) is { } problem)
            return HealthCheckResult.Unhealthy("The database " + problem);
        return HealthCheckResult.Healthy(db.Provider.ToString());
    }

    private string? QuickCheck(string path)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_lastQuickCheck is { } last && now - last.At < QuickCheckEvery) return last.Problem;
        }
        // Through SQLite only: this process has the file open (DatabaseCheck.OpenProblem says why that matters).
        var problem = File.Exists(path) ? DatabaseCheck.OpenProblem(path, full: false, busyTimeoutSeconds: storage.Value.BusyTimeoutSeconds) : null;
        lock (_gate) _lastQuickCheck = (now, problem);
        return problem;
    }
}
