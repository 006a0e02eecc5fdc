using DelphiRounds.Data;
using DelphiRounds.Hosting;
using DelphiRounds.Kernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DelphiRounds.Cli.Admin;

/// <summary>
/// <c>delphi backup [--out FILE]</c>: a consistent online backup of the SQLite database (SQLite's backup
/// API) while the server keeps running and answers keep coming. Prints progress and the output path.
/// </summary>
public static class BackupCommand
{
    public const string Usage = "delphi backup [--out FILE]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Any(a => a.StartsWith("--", StringComparison.Ordinal) && a != "--out") || (args.Contains("--out") && FacilitatorCommand.Option(args, "--out") is null))
        {
            stderr.WriteLine("usage: " + Usage);
            return 2;
        }
        // The settings of the server (same appsettings.json), without migrating: a backup changes nothing.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.GetCurrentDirectory() });
        Settings.RequireFile(Directory.GetCurrentDirectory());
        builder.Configuration.AddDelphiSettings(Directory.GetCurrentDirectory());
        builder.Logging.ClearProviders();
        builder.Services.AddDelphiCore(builder.Configuration);
        using var host = builder.Build();
        var db = host.Services.GetRequiredService<Database>();
        if (db.Provider != DatabaseProvider.Sqlite || db.SqlitePath is null)
        {
            stderr.WriteLine("database: this installation uses PostgreSQL; back it up with pg_dump (or your provider's backups)");
            return 2;
        }
        var target = FacilitatorCommand.Option(args, "--out")
                     ?? SqliteBackup.DefaultTarget(db.SqlitePath, host.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        try
        {
            var result = SqliteBackup.Run(db.SqlitePath, target, stdout.WriteLine);
            stdout.WriteLine($"Backup written: {result.Path}");
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            stderr.WriteLine($"backup: {e.Message}");
            return 1;
        }
    }
}
