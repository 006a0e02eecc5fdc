using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace DelphiRounds.Data;

/// <summary>What a backup copied.</summary>
public sealed record BackupResult(string Path, long Pages, long PageSize, long Answers, string IntegrityCheck, TimeSpan Took);

/// <summary>
/// A consistent copy of a live SQLite database with SQLite's online backup API, while the server keeps
/// writing: the copy is one snapshot (WAL lets the writer go on while the backup reads). It is written
/// beside the target first and moved into place only after <c>PRAGMA integrity_check</c> says ok.
/// </summary>
public static class SqliteBackup
{
    public static BackupResult Run(string sourcePath, string targetPath, Action<string>? progress = null)
    {
        if (!File.Exists(sourcePath)) throw new FileNotFoundException($"There is no database at {sourcePath}.", sourcePath);
        targetPath = Path.GetFullPath(targetPath);
        Directory.CreateDirectory(Path.GetDirectoryName(targetPath)!);
        var partial = targetPath + ".partial";
        File.Delete(partial);

        var started = Stopwatch.GetTimestamp();
        long pages, pageSize;
        using (var source = new SqliteConnection(new SqliteConnectionStringBuilder
               { DataSource = sourcePath, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString()))
        using (var target = new SqliteConnection(new SqliteConnectionStringBuilder
               { DataSource = partial, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString()))
        {
            source.Open();
            target.Open();
            pages = Scalar(source, "PRAGMA page_count");
            pageSize = Scalar(source, "PRAGMA page_size");
            progress?.Invoke($"Backing up {sourcePath} ({pages} pages of {pageSize} bytes) with SQLite's online backup; the server may keep running.");
            // One step copies every page under one read snapshot, so the copy is consistent even while
            // answers keep being committed (a step-by-step copy would restart on every write).
            source.BackupDatabase(target);
            pages = Scalar(target, "PRAGMA page_count");
            progress?.Invoke($"Copied {pages} pages in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms.");
            // A backup is a single file: no write-ahead log beside it.
            Execute(target, "PRAGMA journal_mode = DELETE");
        }
        string integrity;
        long answers;
        using (var check = new SqliteConnection($"Data Source={partial};Mode=ReadOnly;Pooling=False"))
        {
            check.Open();
            integrity = Text(check, "PRAGMA integrity_check");
            answers = TableExists(check, "answers") ? Scalar(check, "SELECT COUNT(*) FROM answers") : 0;
        }
        if (integrity != "ok")
        {
            File.Delete(partial);
            throw new InvalidDataException($"The copy failed its integrity check ({integrity}); nothing was written.");
        }
        File.Move(partial, targetPath, overwrite: true);
        progress?.Invoke($"Integrity check: ok ({answers} answers).");
        return new BackupResult(targetPath, pages, pageSize, answers, integrity, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The default backup file: <c>backups/delphi-yyyyMMdd-HHmmss.db</c> beside the database.</summary>
    public static string DefaultTarget(string sourcePath, DateTimeOffset now) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(sourcePath))!, "backups",
            $"{Path.GetFileNameWithoutExtension(sourcePath)}-{now.UtcDateTime:yyyyMMdd-HHmmss}.db");

    private static long Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Text(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private static void Execute(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static bool TableExists(SqliteConnection c, string table)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
        cmd.Parameters.AddWithValue("$name", table);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }
}
