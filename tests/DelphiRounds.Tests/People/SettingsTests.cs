using System.Diagnostics;
using System.Text.Json;
using DelphiRounds.Accounts;
using DelphiRounds.Data;
using DelphiRounds.Demo;
using DelphiRounds.Endorsement;
using DelphiRounds.Hosting;
using DelphiRounds.Live;
using DelphiRounds.Privacy;
using DelphiRounds.Themes;
using DelphiRounds.Trust;
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
        (typeof(DelphiRounds.Panel.MailOptions), DelphiRounds.Panel.MailOptions.Section),
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

    [Fact]
    public async Task The_server_process_exits_with_one_line_per_bad_setting_on_standard_error()
    {
        var folder = Directory.CreateTempSubdirectory("delphi-settings-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DelphiRounds.dll")])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = folder,
            };
            start.Environment["DELPHI_SETTINGS"] = Path.Combine(folder, "appsettings.json");
            start.Environment["Theme__Name"] = "purple";
            start.Environment["Storage__BusyTimeoutSeconds"] = "0";
            start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
            var err = (await stderr).Trim().Split('\n').Select(l => l.Trim()).ToList();
            Assert.Equal(1, process.ExitCode);
            Assert.Equal(2, err.Count);
            Assert.Contains("DelphiRounds cannot start. Setting Theme:Name: 'purple' is not a theme; use neutral or utrecht, or give your own with Theme:Stylesheet and Theme:ClassName.", err);
            Assert.Contains("DelphiRounds cannot start. Setting Storage:BusyTimeoutSeconds: must be between 1 and 600 (is 0).", err);
            Assert.DoesNotContain("   at ", await stdout + string.Join("\n", err));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
