using System.Reflection;
using Dapper;
using DbUp;
using DbUp.Engine;

namespace DelphiRounds.Data;

/// <summary>
/// Applies the ordered <c>Data/Migrations/{engine}/NNNN_*.sql</c> scripts at start-up, recording each
/// in the <c>schema_versions</c> journal table, and puts SQLite in WAL mode.
/// </summary>
public sealed class Migrator(Database database, ILogger<Migrator> logger)
{
    public async Task MigrateAsync(CancellationToken ct = default)
    {
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            await using var c = await database.OpenAsync(ct);
            // WAL lets readers go on while an answer is written; it is a property of the file and persists.
            await c.ExecuteAsync("PRAGMA journal_mode = WAL;");
        }

        var folder = database.Provider == DatabaseProvider.Sqlite ? "Sqlite" : "Postgres";
        var prefix = $"DelphiRounds.Data.Migrations.{folder}.";
        var builder = database.Provider == DatabaseProvider.Sqlite
            ? DeployChanges.To.SqliteDatabase(database.ConnectionString)
            : DeployChanges.To.PostgresqlDatabase(database.ConnectionString);
        var upgrader = builder
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.StartsWith(prefix, StringComparison.Ordinal))
            .JournalToTable(database.Provider, "schema_versions")
            .WithTransactionPerScript()
            .LogTo(new DbUpLog(logger))
            .Build();
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Database migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
        // One line per start: what was applied, or that nothing was needed (DbUp's own steps are Debug).
        var applied = result.Scripts.Select(x => x.Name[prefix.Length..].Replace(".sql", "", StringComparison.Ordinal)).ToList();
        if (applied.Count == 0)
            logger.LogInformation("Database ({Engine}) is up to date.", folder == "Sqlite" ? "SQLite" : "PostgreSQL");
        else
            logger.LogInformation("Database ({Engine}) set up: {Count} change script(s) applied, {First} to {Last}.",
                folder == "Sqlite" ? "SQLite" : "PostgreSQL", applied.Count, applied[0], applied[^1]);
    }

    private sealed class DbUpLog(ILogger logger) : DbUp.Engine.Output.IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }
        public void LogDebug(string format, params object[] args) { }
        public void LogInformation(string format, params object[] args) => logger.LogDebug("DbUp: {Message}", string.Format(format, args));
        public void LogWarning(string format, params object[] args) => logger.LogWarning("DbUp: {Message}", string.Format(format, args));
        public void LogError(string format, params object[] args) => logger.LogError("DbUp: {Message}", string.Format(format, args));
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, "DbUp: {Message}", string.Format(format, args));
    }
}

internal static class DbUpJournalExtensions
{
    public static DbUp.Builder.UpgradeEngineBuilder JournalToTable(this DbUp.Builder.UpgradeEngineBuilder builder, DatabaseProvider provider, string table) =>
        provider == DatabaseProvider.Sqlite
            ? builder.JournalToSqliteTable(table)
            : builder.JournalToPostgresqlTable("public", table);
}
