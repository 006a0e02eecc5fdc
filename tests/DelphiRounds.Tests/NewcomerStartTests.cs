using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Demo;
using DelphiRounds.Items;
using DelphiRounds.Studies;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 16, item 18: what a new operator reads when the server starts (one line about the database, no alarm
/// about unencrypted keys but a line saying how they are kept), and a README that matches the program.
/// </summary>
public sealed class NewcomerStartTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }

    /// <summary>Starts the built server in <paramref name="folder"/> and returns its output up to "Now listening", then stops it.</summary>
    private static async Task<List<string>> StartAsync(string folder)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DelphiRounds.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder,
        };
        start.Environment["DELPHI_SETTINGS"] = Path.Combine(folder, "appsettings.json");
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        using var process = Process.Start(start)!;
        var lines = new List<string>();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
                if (line.Contains("Now listening on")) break;
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        lines.AddRange((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(lines, l => l.Contains("Now listening on"));
        return lines;
    }

    private static string Message(string line) =>
        line.StartsWith('{') ? JsonDocument.Parse(line).RootElement.GetProperty("message").GetString()! : line;

    [Fact]
    public async Task Starting_says_once_what_the_database_needed_and_how_the_keys_are_kept_without_alarms()
    {
        var folder = Directory.CreateTempSubdirectory("delphi-start-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "appsettings.json"), "{}");
            // The server runs in its content folder, as scripts/run.sh starts it (src/DelphiRounds, with wwwroot).
            Directory.CreateDirectory(Path.Combine(folder, "wwwroot"));
            foreach (var (first, database) in new[] { (true, @"^Database \(SQLite\) set up: \d+ change script\(s\) applied, 0001_initial to \d{4}_\w+\.$"), (false, @"^Database \(SQLite\) is up to date\.$") })
            {
                var output = await StartAsync(folder);
                var messages = output.Select(Message).ToList();
                var about = messages.Where(m => m.Contains("Database", StringComparison.Ordinal) || m.StartsWith("DbUp", StringComparison.Ordinal)).ToList();
                Assert.True(about.Count == 1 && Regex.IsMatch(about[0], database), (first ? "first" : "second") + " start:\n" + string.Join("\n", about));
                Assert.DoesNotContain(messages, m => m.Contains("XML encryptor", StringComparison.Ordinal) || m.Contains("unencrypted form", StringComparison.Ordinal));
                Assert.DoesNotContain(output, l => l.Contains("\"level\":\"Warning\"", StringComparison.Ordinal));
                Assert.Single(messages, m => m.StartsWith("Login keys are kept in " + Path.Combine(folder, "data", "keys"), StringComparison.Ordinal)
                                             && m.Contains("readable only by this account", StringComparison.Ordinal));
            }
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                    File.GetUnixFileMode(Path.Combine(folder, "data", "keys")));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void The_README_names_the_finished_demo_the_criteria_and_the_item_kinds_as_the_program_does()
    {
        var readme = File.ReadAllText(Path.Combine(Root(), "README.md"));
        // The finished demo study, by the title the seeder gives it.
        Assert.Contains($"(\"{ProcessScenario.Title}\"", readme);
        Assert.DoesNotContain("vastgestelde visie\":", readme);
        // Every criterion in the README's tables is a field of the API's criteria (PUT /api/v1/studies/{id}/criteria).
        var fields = typeof(ConsensusRules).GetProperties().Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).ToHashSet();
        var criteria = readme[readme.IndexOf("### A study's consensus criteria", StringComparison.Ordinal)..readme.IndexOf("Bad rules are refused", StringComparison.Ordinal)];
        var named = Regex.Matches(criteria, @"^\| `(\w+)`(?:, `(\w+)`)? \| `", RegexOptions.Multiline)
            .SelectMany(m => m.Groups.Cast<Group>().Skip(1).Where(g => g.Success).Select(g => g.Value))
            .Where(n => char.IsLower(n[0]) && !n.Contains(':')).ToList();
        Assert.Contains("maxIqrShareOfRange", named);
        var unknown = named.Where(n => !fields.Contains(n)).ToList();
        Assert.True(unknown.Count == 0, "README criteria the API does not know: " + string.Join(", ", unknown));
        // "What it does now" names every kind of question, not only rating items.
        var now = readme[readme.IndexOf("## What it does now", StringComparison.Ordinal)..];
        now = now[..now.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        foreach (var kind in new[] { "rating", "numeric", "year", "ranking", "open question" })
            Assert.Contains(kind, now);
        Assert.Equal(5, ItemKinds.All.Length);
    }
}
