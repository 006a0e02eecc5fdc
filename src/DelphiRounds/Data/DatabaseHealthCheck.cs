using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DelphiRounds.Data;

/// <summary>Ready only when the database answers a query.</summary>
public sealed class DatabaseHealthCheck(Database db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await db.ReadAsync(c => Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT COUNT(*) FROM schema_versions"), ct);
            return HealthCheckResult.Healthy(db.Provider.ToString());
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The database does not answer: " + e.Message);
        }
    }
}
