using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Issue 5: <c>delphi demo --rounds N</c> seeds the open study and a finished one, showing its progress; with a study present it adds a finished study.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "delphi-tests", "cli-" + Guid.NewGuid().ToString("N"));

    public DemoCommandTests()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "appsettings.json"),
            """{ "Logging": { "LogLevel": { "Default": "Warning" } }, "Demo": { "Seed": 2030 } }""");
    }

    // run.sh serves on DELPHI_URL and hands it to the demo as DOTNET_URLS; 5090 is not the usual 5080 on purpose.
    private Task<(int Code, string Out, string Err)> DelphiAsync(params string[] args) => DelphiOnAsync("http://localhost:5090", args);

    private Task<(int Code, string Out, string Err)> DelphiOnAsync(string url, params string[] args) =>
        DelphiCli.RunAsync(_folder, TimeSpan.FromMinutes(3), new Dictionary<string, string> { ["DOTNET_URLS"] = url }, args);

    [Fact]
    public async Task Demo_with_rounds_seeds_the_open_study_and_a_finished_one_and_adds_finished_studies_later()
    {
        var (code, output, error) = await DelphiAsync("demo", "--rounds", "2");
        Assert.True(code == 0, error + output);
        Assert.Contains("Demo study \"Warmtevisie Rotterdam 2030\"", output);
        Assert.Matches(@"  Round 0 \(ideas\): \d+ ideas.*\[\d+s\]", output);
        Assert.Matches(@"  Round 1 \(classic\): \d+ of 40 answered .*verdicts: .*\[\d+s\]", output);
        Assert.Matches(@"  Round 2 \(live\): \d+ of 40 answered", output);
        Assert.Contains("(round 0 and 2 rounds, all closed)", output);
        Assert.Contains("Report and exports: http://localhost:5090/f/studies/2/report", output);
        Assert.DoesNotContain("5080", output);
        Assert.Matches(@"http://localhost:5090/p/dlp_", output);
        var database = Path.Combine(_folder, "data", "delphi.db");
        Assert.Equal(2, DatabaseDump.Count(database, "SELECT COUNT(*) FROM studies"));
        // Round 0, rounds 1 and 2, and the reflection round after the signed vision (issue 21).
        Assert.Equal(4, DatabaseDump.Count(database, "SELECT COUNT(*) FROM rounds WHERE study_id = 2 AND state = 'closed'"));
        Assert.Equal(1, DatabaseDump.Count(database, "SELECT COUNT(*) FROM reflection_rounds WHERE study_id = 2"));
        Assert.Equal("open", DatabaseDump.Text(database, "SELECT state FROM rounds WHERE study_id = 1"));
        Assert.True(Mailbox.Read(Path.Combine(_folder, "data", "outbox")).Count >= 3 * 40);
        Assert.Contains("Finished study", await File.ReadAllTextAsync(Path.Combine(_folder, "data", "demo-access.txt")));

        // run.sh's second start, now on another address: the saved access details again, with links to
        // the address it serves now, nothing seeded.
        var again = await DelphiOnAsync("http://localhost:5091", "demo", "--if-empty");
        Assert.Equal(0, again.Code);
        Assert.Contains("http://localhost:5091/f/studies/2/convergence", again.Out);
        Assert.Matches(@"http://localhost:5091/p/dlp_", again.Out);
        Assert.DoesNotContain("5090", again.Out);
        Assert.Equal(2, DatabaseDump.Count(database, "SELECT COUNT(*) FROM studies"));

        // With studies present, --rounds adds one finished study; without it the command refuses.
        var added = await DelphiAsync("demo", "--rounds", "1");
        Assert.True(added.Code == 0, added.Err);
        Assert.Contains("Report and exports: http://localhost:5090/f/studies/3/report", added.Out);
        Assert.Equal(3, DatabaseDump.Count(database, "SELECT COUNT(*) FROM studies"));
        var refused = await DelphiAsync("demo");
        Assert.Equal(2, refused.Code);
        Assert.StartsWith("database:", refused.Err);
    }

    [Fact]
    public async Task A_bad_number_of_rounds_is_refused_naming_the_option()
    {
        foreach (var bad in new[] { "0", "11", "drie" })
        {
            var (code, output, error) = await DelphiAsync("demo", "--rounds", bad);
            Assert.Equal(2, code);
            Assert.StartsWith("rounds: ", error);
            Assert.Equal("", output);
        }
        Assert.False(File.Exists(Path.Combine(_folder, "data", "delphi.db")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
