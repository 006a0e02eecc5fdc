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
/// <c>delphi backup --verify FILE</c>: checks a backup as the server checks its database at start-up (here with the
/// full <c>integrity_check</c>): exit code 0 when it is usable, 1 with one line saying what is wrong.
/// </summary>
public static class BackupCommand
{
    public const string Usage = "delphi backup [--out FILE] | delphi backup --verify FILE";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Contains("--verify"))
        {
            if (args.Length != 2 || FacilitatorCommand.Option(args, "--verify") is not { } backup)
            {
                stderr.WriteLine("usage: " + Usage);
                return 2;
            }
            return Verify(Path.GetFullPath(backup), stdout, stderr);
        }
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

    private static int Verify(string backup, TextWriter stdout, TextWriter stderr)
    {
        // A missing or 0-byte file is no backup, whatever a server start would make of it.
        var problem = !File.Exists(backup) && !Directory.Exists(backup) ? $"{backup} does not exist."
            : DatabaseCheck.Problem(backup, full: true, newInstallation: false, busyTimeoutSeconds: 5);
        if (problem is not null)
        {
            stderr.WriteLine("backup: " + problem);
            return 1;
        }
        stdout.WriteLine($"Backup {backup}: integrity_check ok.");
        return 0;
    }
}
