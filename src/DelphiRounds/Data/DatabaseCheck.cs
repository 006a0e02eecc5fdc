using Microsoft.Data.Sqlite;

namespace DelphiRounds.Data;

/// <summary>
/// Is a SQLite file a usable DelphiRounds database? Checked before the server starts (and by
/// <c>delphi backup --verify</c>), so a damaged, foreign, empty or locked file stops it with one line naming the
/// file and what is wrong, instead of a stack trace and a restart loop, or — worse — a new installation over it.
/// </summary>
public static class DatabaseCheck
{
    private static readonly byte[] Header = "SQLite format 3\0"u8.ToArray();

    /// <summary>
    /// What is wrong with the file at <paramref name="path"/>, as one sentence naming it; null when it is fine (or not
    /// there yet). Only for a file this process does not have open through SQLite (before the server opens it, or a
    /// backup): it reads the header with a plain file handle (see <see cref="OpenProblem"/>).
    /// </summary>
    /// <param name="path">The database file.</param>
    /// <param name="full"><c>PRAGMA integrity_check</c> (every index against its table) instead of <c>quick_check</c>.</param>
    /// <param name="newInstallation">The operator asked for a new installation: a 0-byte file is taken as a new database.</param>
    /// <param name="busyTimeoutSeconds">How long to wait for another process's lock.</param>
    public static string? Problem(string path, bool full, bool newInstallation, int busyTimeoutSeconds)
    {
        if (Directory.Exists(path)) return $"{path} is a directory, not a database file.";
        if (!File.Exists(path)) return null;
        long length;
        byte[] start = new byte[Header.Length];
        int read;
        try
        {
            length = new FileInfo(path).Length;
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path} cannot be read: {e.Message}";
        }
        if (length == 0)
            return newInstallation ? null
                : $"{path} is empty (0 bytes) where a database was expected. Restore it from a backup; to start a new installation in it, set Storage:NewInstallation to true for this start.";
        if (read < Header.Length || !start.AsSpan().SequenceEqual(Header))
            return $"{path} is not a SQLite database (its first bytes are not the SQLite header): restore it from a backup.";
        return OpenProblem(path, full, busyTimeoutSeconds);
    }

    /// <summary>
    /// What <c>PRAGMA quick_check</c> (or <c>integrity_check</c>) finds in the file, read through SQLite alone; null when
    /// it is fine. This is the check for a process that has the database open (the server's readiness check):
    /// <see cref="Problem"/> also reads the file's first bytes with a plain file handle, and closing any handle on the
    /// file drops every POSIX lock this process holds on it, SQLite's included. Another process's SQLite (a
    /// <c>delphi backup</c>) then took itself for the last one, checkpointed and deleted the write-ahead log under the
    /// running server: the server's next commits failed with "disk I/O error" or went into the deleted log and were lost.
    /// </summary>
    public static string? OpenProblem(string path, bool full, int busyTimeoutSeconds)
    {
        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = busyTimeoutSeconds,
            }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandTimeout = busyTimeoutSeconds;
            cmd.CommandText = full ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)";
            var findings = new List<string>();
            using (var r = cmd.ExecuteReader())
                while (r.Read()) findings.Add(r.GetString(0));
            if (findings is ["ok"]) return null;
            // SQLite may put several findings in one row, a line each: the message stays one line.
            var lines = findings.SelectMany(f => f.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            return $"{path} is damaged ({(full ? "integrity_check" : "quick_check")}: {string.Join("; ", lines.Take(3))}{(lines.Count > 3 ? "; …" : "")}): restore it from a backup.";
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            return $"{path} is locked by another process ({OneLine(e.Message)}): stop the other server or command using it, then start again.";
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 26)
        {
            return $"{path} is not a SQLite database ({OneLine(e.Message)}): restore it from a backup.";
        }
        catch (SqliteException e)
        {
            return $"{path} is damaged ({OneLine(e.Message)}): restore it from a backup.";
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim().TrimEnd('.');
}
