using System.Diagnostics;
using System.Text.Json;
using DelphiRounds.Accounts;
using DelphiRounds.Data;
using DelphiRounds.Demo;
using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using DelphiRounds.Live;
using DelphiRounds.Observability;
using DelphiRounds.Privacy;
using DelphiRounds.Security;
using DelphiRounds.Themes;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Tests.People;

/// <summary>Every setting is documented in the template and checked at start-up; a bad one stops the server with a line naming it.</summary>
public sealed class SettingsTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }

    /// <summary>Every options class and the section it is bound from.</summary>
    private static readonly (Type Type, string Section)[] Sections =
    [
        (typeof(SiteOptions), SiteOptions.Section), (typeof(StorageOptions), StorageOptions.Section),
        (typeof(AccountOptions), AccountOptions.Section), (typeof(LiveOptions), LiveOptions.Section),
        (typeof(EndorsementOptions), EndorsementOptions.Section), (typeof(RateLimitOptions), RateLimitOptions.Section),
        (typeof(RequestLimitOptions), RequestLimitOptions.Section), (typeof(PrivacyOptions), PrivacyOptions.Section),
        (typeof(DemoOptions), DemoOptions.Section), (typeof(ThemeOptions), ThemeOptions.Section),
        (typeof(MetricsOptions), MetricsOptions.Section), (typeof(LogFormatOptions), LogFormatOptions.Section),
        (typeof(DelphiRounds.Outbox.MailOptions), DelphiRounds.Outbox.MailOptions.Section),
        (typeof(DelphiRounds.Exports.ReportOptions), DelphiRounds.Exports.ReportOptions.Section),
    ];

    private static IEnumerable<string> Keys(Type type, string prefix)
    {
        foreach (var p in type.GetProperties())
        {
            if (p.GetSetMethod() is null) continue;
            var key = $"{prefix}:{p.Name}";
            if (p.PropertyType.IsClass && p.PropertyType != typeof(string) && !p.PropertyType.IsArray && p.PropertyType.Namespace?.StartsWith("DelphiRounds") == true)
                foreach (var inner in Keys(p.PropertyType, key)) yield return inner;
            else yield return key;
        }
    }

    [Fact]
    public void The_template_and_the_README_document_every_setting()
    {
        var root = Root();
        var template = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "appsettings.template.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement;
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var missing = new List<string>();
        foreach (var (type, section) in Sections)
            foreach (var key in Keys(type, section))
            {
                // Storage:PostgresConnectionString is ConnectionStrings:Postgres in the file.
                var written = key == "Storage:PostgresConnectionString" ? "ConnectionStrings:Postgres" : key;
                var node = template;
                foreach (var part in written.Split(':'))
                    if (!node.TryGetProperty(part, out node)) { missing.Add($"appsettings.template.json lacks {written}"); break; }
                var rate = written.StartsWith("RateLimits:") && written.Split(':').Length == 3 ? $"`RateLimits:{written.Split(':')[1]}:PermitLimit` / `:WindowSeconds`" : null;
                if (!readme.Contains($"`{written}`") && (rate is null || !readme.Contains(rate))) missing.Add($"README's settings table lacks `{written}`");
            }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Theory]
    [InlineData("Theme:Name", "purple", "Setting Theme:Name: 'purple' is not a theme; use neutral or utrecht")]
    [InlineData("Storage:BusyTimeoutSeconds", "0", "Setting Storage:BusyTimeoutSeconds: must be between 1 and 600 (is 0).")]
    [InlineData("Live:PushIntervalMs", "5", "Setting Live:PushIntervalMs: must be between 10 and 10000 (is 5).")]
    [InlineData("RateLimits:Login:PermitLimit", "0", "Setting RateLimits:Login:PermitLimit: must be at least 1 (is 0).")]
    [InlineData("Metrics:AllowedNetworks:0", "the office", "Setting Metrics:AllowedNetworks: 'the office' is not a network in CIDR notation")]
    [InlineData("Logging:Format", "xml", "Setting Logging:Format: 'xml' is not a log format; use json or text.")]
    [InlineData("Mail:SmtpPort", "0", "Setting Mail:SmtpPort: must be between 1 and 65535 (is 0).")]
    [InlineData("Mail:From", "nobody", "Setting Mail:From: 'nobody' is not an e-mail address")]
    [InlineData("Site:PublicBaseUrl", "delphi.example.nl", "Setting Site:PublicBaseUrl: 'delphi.example.nl' is not an http(s) address")]
    public void A_bad_setting_stops_start_up_with_a_message_naming_it(string key, string value, string message)
    {
        using var app = new SettingsApp(new() { [key] = value });
        var e = Assert.ThrowsAny<Exception>(() => app.Address);
        var failures = (e is AggregateException a ? a.Flatten().InnerExceptions : [e]).OfType<OptionsValidationException>().SelectMany(x => x.Failures).ToList();
        Assert.True(failures.Any(f => f.Contains(message)), $"{e.GetType().Name}: {e.Message}");
    }

    /// <summary>Starts the built server in a folder of its own with <c>DELPHI_SETTINGS</c> there, and waits for it to stop.</summary>
    private static async Task<(int Code, List<string> Err, string Out)> ServerAsync(string? settingsJson, Dictionary<string, string>? environment = null)
    {
        var folder = Directory.CreateTempSubdirectory("delphi-settings-").FullName;
        try
        {
            var settings = Path.Combine(folder, "appsettings.json");
            if (settingsJson is not null) await File.WriteAllTextAsync(settings, settingsJson);
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DelphiRounds.dll")])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = folder,
            };
            start.Environment["DELPHI_SETTINGS"] = settings;
            start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
            foreach (var (k, v) in environment ?? []) start.Environment[k] = v;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
            var err = (await stderr).Trim().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            var output = await stdout;
            // Nothing was made in the folder: no database, no keys.
            Assert.Equal(settingsJson is null ? [] : [settings], Directory.GetFileSystemEntries(folder));
            return (process.ExitCode, err, output);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public async Task The_server_process_exits_with_one_line_per_bad_setting_on_standard_error()
    {
        var (code, err, output) = await ServerAsync("{ // an installation's settings\n}", new() { ["Theme__Name"] = "purple", ["Storage__BusyTimeoutSeconds"] = "0" });
        Assert.Equal(1, code);
        Assert.Equal(2, err.Count);
        Assert.Contains("DelphiRounds cannot start. Setting Theme:Name: 'purple' is not a theme; use neutral or utrecht, or give your own with Theme:Stylesheet and Theme:ClassName.", err);
        Assert.Contains("DelphiRounds cannot start. Setting Storage:BusyTimeoutSeconds: must be between 1 and 600 (is 0).", err);
        Assert.DoesNotContain("   at ", output + string.Join("\n", err));
    }

    [Fact]
    public async Task A_settings_file_that_is_missing_or_not_json_stops_the_server_with_one_line_naming_it()
    {
        var (code, err, output) = await ServerAsync(null);
        Assert.Equal(1, code);
        Assert.Matches(@"^DelphiRounds cannot start\. Settings file /.*/appsettings\.json \(DELPHI_SETTINGS\) does not exist\.$", Assert.Single(err));
        Assert.DoesNotContain("   at ", output);

        (code, err, output) = await ServerAsync("{ \"Storage\": { \"SqlitePath\": \"delphi.db\", } ");
        Assert.True(code == 1, $"exit {code}: {string.Join("\n", err)}{output}");
        Assert.Matches(@"^DelphiRounds cannot start\. Settings file /.*/appsettings\.json is not valid JSON: .+", Assert.Single(err));
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task The_delphi_command_refuses_to_work_without_the_servers_settings_instead_of_making_a_database_of_its_own()
    {
        var folder = Directory.CreateTempSubdirectory("delphi-cli-").FullName;
        try
        {
            // DelphiCli points DELPHI_SETTINGS at folder/appsettings.json, which is not there.
            foreach (var args in new[] { new[] { "facilitator", "add", "anna@example.nl" }, ["backup"], ["export", "1"], ["demo"] })
            {
                var (code, output, error) = await DelphiCli.RunAsync(folder, TimeSpan.FromMinutes(1), args);
                Assert.Equal(1, code);
                Assert.Equal($"delphi: Settings file {Path.Combine(folder, "appsettings.json")} (DELPHI_SETTINGS) does not exist.", error.Trim());
                Assert.Equal("", output);
                Assert.Empty(Directory.GetFileSystemEntries(folder));
            }
            // Commands that need no database need no settings either.
            var help = await DelphiCli.RunAsync(folder, TimeSpan.FromMinutes(1), "help");
            Assert.Equal(0, help.Code);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
