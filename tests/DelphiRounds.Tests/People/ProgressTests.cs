using System.Net;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.People;

/// <summary>
/// Issue 9 (progress): the long commands show how far they are. <c>delphi export</c> writes a study's data
/// files with a line per file — the same bytes as the downloads — and <c>delphi backup</c> reports its
/// steps, both against the database of a running server. (<c>delphi demo</c>'s progress per round is
/// checked in DemoCommandTests.)
/// </summary>
public sealed class ProgressTests : IAsyncLifetime
{
    private readonly DelphiApp _app = new();
    private Scenario _s = null!;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "delphi-tests", "progress-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        _s = await Scenario.CreateAsync(_app);
        var value = 2;
        foreach (var (_, _, token) in _s.Participants)
            await Scenario.Expect(await Scenario.AnswerAsync(_app, token, _s.RoundId, new { itemId = _s.SevenPointItem, value = value++ % 7 + 1, rationale = "Omdat het kan." }), HttpStatusCode.Created);
        await Scenario.Expect(await _s.Facilitator.PostAsync($"/api/v1/rounds/{_s.RoundId}/close", null), HttpStatusCode.OK);
        Directory.CreateDirectory(_folder);
        // The commands read the server's settings: the same database and keys.
        await File.WriteAllTextAsync(Path.Combine(_folder, "appsettings.json"), $$"""
            { "Storage": { "SqlitePath": "{{_app.DatabasePath}}", "KeysFolder": "{{Path.Combine(_app.DataFolder, "keys")}}" },
              "Accounts": { "CreateFirstFacilitator": false }, "Demo": { "SeedWhenEmpty": false },
              "Logging": { "LogLevel": { "Default": "Warning" } } }
            """);
    }

    private Task<(int Code, string Out, string Err)> DelphiAsync(params string[] args) =>
        DelphiCli.RunAsync(_folder, TimeSpan.FromMinutes(2), args);

    // The command reads the SQLite file the app writes (the PostgreSQL run has none; backups are SQLite's).
    [Fact, Trait("Storage", "Sqlite")]
    public async Task Delphi_export_writes_every_data_file_with_a_progress_line_each_the_same_bytes_as_the_downloads()
    {
        var (code, output, error) = await DelphiAsync("export", _s.StudyId.ToString(), "--out", "files");
        Assert.True(code == 0, error + output);
        Assert.Contains($"Exporting study {_s.StudyId} \"Warmtevisie test\"", output);
        for (var i = 1; i <= 9; i++) Assert.Matches($@"  \[{i}/9\] study-{_s.StudyId}-[a-z]+\.(csv|json) \([\d,.]+ bytes\)  \[\d+\.\ds\]", output);
        Assert.Contains("Export written: " + Path.Combine(_folder, "files"), output);

        foreach (var name in new[] { "answers.csv", "aggregates.json", "arguments.csv", "changelog.json" })
        {
            var downloaded = await _s.Facilitator.GetByteArrayAsync($"/api/v1/studies/{_s.StudyId}/export/{name}");
            Assert.Equal(downloaded, await File.ReadAllBytesAsync(Path.Combine(_folder, "files", $"study-{_s.StudyId}-{name}")));
        }
        var csv = await File.ReadAllTextAsync(Path.Combine(_folder, "files", $"study-{_s.StudyId}-answers.csv"));
        Assert.Equal(1 + _s.Participants.Count, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain("@example.org", csv);
    }

    [Fact]
    public async Task Delphi_export_refuses_an_unknown_study_and_bad_arguments()
    {
        var missing = await DelphiAsync("export", "999");
        Assert.Equal(1, missing.Code);
        Assert.Equal("export: there is no study 999", missing.Err.Trim());
        var bad = await DelphiAsync("export", "twee");
        Assert.Equal(2, bad.Code);
        Assert.StartsWith("usage: delphi export STUDY-ID", bad.Err);
    }

    [Fact, Trait("Storage", "Sqlite")]
    public async Task Delphi_backup_reports_its_steps_while_the_server_runs()
    {
        var (code, output, error) = await DelphiAsync("backup", "--out", Path.Combine(_folder, "backup.db"));
        Assert.True(code == 0, error + output);
        var lines = output.Trim().Split('\n').Select(l => l.Trim()).ToList();
        Assert.Matches(@"^Backing up .* \(\d+ pages of \d+ bytes\)", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Copied \d+ pages in \d+ ms\.$"));
        Assert.Contains($"Integrity check: ok ({_s.Participants.Count} answers).", lines);
        Assert.Equal("Backup written: " + Path.Combine(_folder, "backup.db"), lines[^1]);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }
}
