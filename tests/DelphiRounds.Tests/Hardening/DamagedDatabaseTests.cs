using System.Diagnostics;
using System.Net;
using DelphiRounds.Data;
using DelphiRounds.Testing;
using Microsoft.Data.Sqlite;

namespace DelphiRounds.Tests.Hardening;

/// <summary>
/// Issue 17, item 3: a damaged, foreign, empty or locked database file stops the server process with one line naming the
/// file and what is wrong, and exit code 1 (no stack trace, no restart loop, no new installation over it); the ready
/// check reports a file whose pages were overwritten while running; <c>delphi backup --verify</c> checks a backup the same way.
/// </summary>
public sealed class DamagedDatabaseTests
{
    private const int PageSize = 4096;

    /// <summary>A real SQLite file of a few dozen pages (not a DelphiRounds one: the check comes before any migration).</summary>
    private static void MakeDatabase(string path)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA page_size = 4096; CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX t_body ON t (body);";
        cmd.ExecuteNonQuery();
        for (var i = 0; i < 300; i++)
        {
            cmd.CommandText = $"INSERT INTO t (body) VALUES ('{new string((char)('a' + i % 26), 200)}{i}')";
            cmd.ExecuteNonQuery();
        }
    }

    private static void Overwrite(string path, long offset, byte[] bytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = offset;
        file.Write(bytes);
    }

    /// <summary>Starts the built server on <paramref name="damage"/>'s file and waits for it to stop (it must stop by itself).</summary>
    private static async Task<(int Code, List<string> Err, string Out, string Path)> StartOnAsync(Action<string> damage, Action<string, Process>? whileRunning = null)
    {
        var folder = Directory.CreateTempSubdirectory("delphi-damaged-").FullName;
        try
        {
            var db = Path.Combine(folder, "delphi.db");
            damage(db);
            var settings = Path.Combine(folder, "appsettings.json");
            await File.WriteAllTextAsync(settings, "{ \"Storage\": { \"SqlitePath\": \"delphi.db\", \"BusyTimeoutSeconds\": 1 }, \"Accounts\": { \"CreateFirstFacilitator\": true } }");
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DelphiRounds.dll")])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder,
            };
            start.Environment["DELPHI_SETTINGS"] = settings;
            start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException("the server did not stop by itself: " + await stdout);
            }
            var err = (await stderr).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            return (process.ExitCode, err, await stdout, db);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    public static TheoryData<string> Damages => new() { "truncated", "random bytes", "zeroed header", "overwritten pages", "directory", "empty" };

    private static void Damage(string kind, string db)
    {
        switch (kind)
        {
            case "directory":
                Directory.CreateDirectory(db);
                return;
            case "empty":
                File.WriteAllBytes(db, []);
                return;
            case "random bytes":
                File.WriteAllBytes(db, Enumerable.Range(0, 20 * PageSize).Select(i => (byte)(i * 7919 % 251)).ToArray());
                return;
        }
        MakeDatabase(db);
        var length = new FileInfo(db).Length;
        switch (kind)
        {
            case "truncated":
                using (var f = new FileStream(db, FileMode.Open)) f.SetLength(length / 2 + 100);
                break;
            case "zeroed header":
                Overwrite(db, 0, new byte[100]);
                break;
            case "overwritten pages":
                Overwrite(db, 2 * PageSize, Enumerable.Repeat((byte)0x5A, 6 * PageSize).ToArray());
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task A_damaged_database_file_stops_the_server_with_one_line_naming_it_and_exit_code_1(string kind)
    {
        var (code, err, output, db) = await StartOnAsync(d => Damage(kind, d));

        Assert.True(code == 1, $"{kind}: exit {code}\n{string.Join("\n", err)}\n{output}");
        var line = Assert.Single(err);
        Assert.StartsWith($"DelphiRounds cannot start. {db} ", line);
        Assert.Contains(kind switch
        {
            "directory" => "is a directory",
            "empty" => "is empty (0 bytes)",
            "random bytes" or "zeroed header" => "is not a SQLite database",
            _ => "is damaged",
        }, line);
        Assert.DoesNotContain("   at ", output + line);
        Assert.DoesNotContain("First facilitator account created", output); // no new installation over it
    }

    [Fact]
    public async Task A_locked_database_file_stops_the_server_naming_the_file_instead_of_waiting()
    {
        SqliteConnection? holder = null;
        try
        {
            var watch = Stopwatch.StartNew();
            var (code, err, output, db) = await StartOnAsync(d =>
            {
                MakeDatabase(d);
                holder = new SqliteConnection($"Data Source={d};Pooling=False");
                holder.Open();
                using var cmd = holder.CreateCommand();
                cmd.CommandText = "BEGIN EXCLUSIVE; INSERT INTO t (body) VALUES ('held');";
                cmd.ExecuteNonQuery();
            });
            Assert.Equal(1, code);
            var line = Assert.Single(err);
            Assert.StartsWith($"DelphiRounds cannot start. {db} is locked by another process", line);
            Assert.DoesNotContain("   at ", output);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        }
        finally
        {
            holder?.Dispose();
        }
    }

    [Fact]
    public void A_zero_byte_file_is_a_new_installation_only_when_the_operator_asks()
    {
        var folder = Directory.CreateTempSubdirectory("delphi-empty-").FullName;
        try
        {
            var db = Path.Combine(folder, "delphi.db");
            File.WriteAllBytes(db, []);
            Assert.Contains("Storage:NewInstallation", DatabaseCheck.Problem(db, full: false, newInstallation: false, busyTimeoutSeconds: 1));
            Assert.Null(DatabaseCheck.Problem(db, full: false, newInstallation: true, busyTimeoutSeconds: 1));
            Assert.Null(DatabaseCheck.Problem(Path.Combine(folder, "not-there-yet.db"), full: false, newInstallation: false, busyTimeoutSeconds: 1));
            MakeDatabase(db);
            Assert.Null(DatabaseCheck.Problem(db, full: true, newInstallation: false, busyTimeoutSeconds: 1));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public async Task Delphi_backup_verify_accepts_a_sound_backup_and_refuses_a_damaged_one_with_exit_code_1()
    {
        var folder = Directory.CreateTempSubdirectory("delphi-verify-").FullName;
        try
        {
            var sound = Path.Combine(folder, "sound.db");
            MakeDatabase(sound);
            var (code, output, error) = await DelphiCli.RunAsync(folder, TimeSpan.FromMinutes(1), "backup", "--verify", sound);
            Assert.True(code == 0, $"exit {code}: {error}");
            Assert.Contains("integrity_check ok", output);

            var damaged = Path.Combine(folder, "damaged.db");
            MakeDatabase(damaged);
            Overwrite(damaged, 2 * PageSize, Enumerable.Repeat((byte)0x5A, 6 * PageSize).ToArray());
            (code, output, error) = await DelphiCli.RunAsync(folder, TimeSpan.FromMinutes(1), "backup", "--verify", damaged);
            Assert.Equal(1, code);
            Assert.StartsWith($"backup: {damaged} is damaged", error.Trim());
            Assert.DoesNotContain("   at ", error);

            var empty = Path.Combine(folder, "empty.db");
            File.WriteAllBytes(empty, []);
            (code, _, error) = await DelphiCli.RunAsync(folder, TimeSpan.FromMinutes(1), "backup", "--verify", empty);
            Assert.Equal(1, code);
            Assert.Contains("is empty (0 bytes)", error);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>The ready check reports a database whose pages were overwritten while the server runs (item 3).</summary>
public sealed class DamagedWhileRunningTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Health_ready_reports_a_database_whose_pages_were_overwritten_as_unhealthy()
    {
        if (DatabaseDump.IsPostgres(app.DatabasePath)) return; // a file to damage exists only on SQLite
        var s = await Scenario.CreateAsync(app);
        foreach (var p in s.Participants)
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3, rationale = new string('r', 500) }), HttpStatusCode.Created);
        using (var c = DatabaseDump.Open(app.DatabasePath, write: true))
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            cmd.ExecuteNonQuery();
        }
        var length = new FileInfo(app.DatabasePath).Length;
        using (var file = new FileStream(app.DatabasePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.Position = 4096 * 2;
            file.Write(Enumerable.Repeat((byte)0x5A, (int)Math.Min(length - 4096 * 3, 4096 * 20)).ToArray());
        }

        var ready = await app.Client().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("damaged", await ready.Content.ReadAsStringAsync());
    }
}

/// <summary>
/// The ready check reports a database that fails a query as unhealthy, on SQLite and on PostgreSQL (item 3): the
/// table it reads is renamed away under the running server, then put back.
/// </summary>
public sealed class FailingQueryHealthTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Health_ready_reports_a_database_that_fails_a_query_as_unhealthy_and_ready_again_once_it_answers()
    {
        await Scenario.CreateAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await app.Client().GetAsync("/health/ready")).StatusCode);

        Rename("schema_versions", "schema_versions_away");
        try
        {
            var ready = await app.Client().GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("does not answer", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            Rename("schema_versions_away", "schema_versions");
        }
        Assert.Equal(HttpStatusCode.OK, (await app.Client().GetAsync("/health/ready")).StatusCode);
    }

    private void Rename(string from, string to)
    {
        using var c = DatabaseDump.Open(app.DatabasePath, write: true);
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"ALTER TABLE {from} RENAME TO {to}";
        cmd.ExecuteNonQuery();
    }
}
