using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using DelphiRounds.Kernel;
using DelphiRounds.Observability;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DelphiRounds.Tests.People;

/// <summary>
/// The logs as the JSON formatter writes them: one object per line with the request id of the request
/// that wrote it, and no e-mail address, name or token anywhere in a whole scenario.
/// </summary>
public sealed class LoggingTests(LoggingTests.LoggedApp app) : IClassFixture<LoggingTests.LoggedApp>
{
    /// <summary>The app at Information level (request lines with their paths included), every log line formatted by <see cref="DelphiJsonFormatter"/>.</summary>
    public sealed class LoggedApp : DelphiApp
    {
        public CapturingLoggerProvider Logs { get; } = new();

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
        };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(Logs));
            // Only the capture: the test run's console stays quiet.
            builder.ConfigureLogging(l => l.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(_ => false));
        }
    }

    [Fact]
    public async Task A_requests_log_lines_are_json_and_carry_its_request_id()
    {
        var response = await app.Client().GetAsync("/p/dlp_NoSuchInvitation00000000000000000");
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.False(string.IsNullOrWhiteSpace(requestId));
        // The host logs "Request finished" as the request's last line, sometimes after the client has the response.
        await app.Logs.WaitUntilAsync(lines => lines.Any(l => Finished(l, requestId)), Patience);
        var lines = app.Logs.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var mine = lines.Where(l => l.TryGetProperty("requestId", out var id) && id.GetString() == requestId).ToList();
        Assert.True(mine.Count >= 2, $"{mine.Count} lines with request id {requestId} of {lines.Count}");
        Assert.All(mine, l =>
        {
            Assert.True(DateTimeOffset.TryParse(l.GetProperty("time").GetString(), out _));
            Assert.False(string.IsNullOrEmpty(l.GetProperty("level").GetString()));
            Assert.False(string.IsNullOrEmpty(l.GetProperty("category").GetString()));
            Assert.Equal(32, l.GetProperty("traceId").GetString()!.Length);
        });
        Assert.Contains(mine, l => l.GetProperty("message").GetString()!.Contains("/p/dlp_…"));
    }

    [Fact]
    public async Task A_whole_scenario_logs_no_email_address_name_or_token()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var s = v.Study;
        var secrets = new List<string> { s.FacilitatorToken };
        // A participant with a name and address of their own.
        var added = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/participants",
            new { group = "housing", name = "Anneke Zwartveld", email = "anneke.zwartveld@example.org" }), HttpStatusCode.Created);
        secrets.AddRange(["Anneke Zwartveld", "anneke.zwartveld@example.org", added.GetProperty("token").GetString()!]);
        foreach (var p in s.Participants) secrets.AddRange([p.Token, "@example.org"]);
        foreach (var sig in v.Signatories) secrets.AddRange([sig.Token, "Ondertekenaar"]);

        // Participants open their links, answer by form and API; signatories open and sign; a login fails.
        var browser = app.Client();
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/p/" + added.GetProperty("token").GetString())).StatusCode);
        foreach (var p in s.Participants.Take(3))
        {
            await app.Client().GetAsync("/p/" + p.Token);
            await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4 }); // round closed: refused, still logged
        }
        foreach (var sig in v.Signatories)
        {
            await app.Client().GetAsync($"/sign/{sig.Token}");
            await app.Client().GetAsync($"/sign/{sig.Token}/receipt.json");
        }
        var login = app.Client();
        var page = await login.GetStringAsync("/login");
        var antiforgery = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        await login.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = "anneke.zwartveld@example.org", ["Password"] = "wrong", ["__RequestVerificationToken"] = antiforgery,
        }));
        await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/participants");
        await app.Client("dlf_ThisTokenWasNeverIssued0000000000000").GetAsync("/api/v1/studies");
        // Every request of the scenario was answered, so each has logged its start ("Request starting" comes first);
        // wait until each has logged its end as well, the last line of a request.
        await app.Logs.WaitUntilAsync(lines =>
        {
            var parsed = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var finished = parsed.Where(l => IsHostLine(l, 2)).Select(l => l.GetProperty("requestId").GetString()).ToHashSet();
            var started = parsed.Where(l => IsHostLine(l, 1)).Select(l => l.GetProperty("requestId").GetString()).ToList();
            return started.Count >= 16 && started.All(finished.Contains); // 16: the requests above, besides the scenario's
        }, Patience);

        var all = string.Join("\n", app.Logs.Lines);
        Assert.True(app.Logs.Lines.Count > 50, $"only {app.Logs.Lines.Count} log lines: the scenario did not log as expected");
        foreach (var secret in secrets.Distinct())
            Assert.False(all.Contains(secret, StringComparison.OrdinalIgnoreCase), $"the logs contain '{secret}':\n{string.Join("\n", app.Logs.Lines.Where(l => l.Contains(secret, StringComparison.OrdinalIgnoreCase)).Take(3))}");
        Assert.DoesNotMatch(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", all);
        Assert.DoesNotMatch(@"dl[pfs]_[A-Za-z0-9_\-]{8,}", all);
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A line of ASP.NET Core's hosting diagnostics with a request id: event 1 is "Request starting", 2 "Request finished".</summary>
    private static bool IsHostLine(JsonElement line, int eventId) =>
        line.GetProperty("category").GetString() == "Microsoft.AspNetCore.Hosting.Diagnostics"
        && line.TryGetProperty("eventId", out var id) && id.GetInt32() == eventId && line.TryGetProperty("requestId", out _);

    private static bool Finished(string line, string requestId)
    {
        var l = JsonDocument.Parse(line).RootElement;
        return IsHostLine(l, 2) && l.GetProperty("requestId").GetString() == requestId;
    }

    [Fact]
    public void Redaction_cuts_tokens_to_their_prefix_and_replaces_addresses()
    {
        Assert.Equal("GET /sign/dls_… for (e-mail address)", DelphiJsonFormatter.Redact("GET /sign/dls_Abc123_-xyzXYZ0987 for jan.de.vries+x@gemeente.example.nl"));
        Assert.Equal("dlp_ short", DelphiJsonFormatter.Redact("dlp_ short"));
    }
}

/// <summary>Writes every log entry through the production JSON formatter into memory, with the host's scopes.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly DelphiJsonFormatter _formatter = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    private readonly ConcurrentQueue<string> _lines = new();
    private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Waits until <paramref name="condition"/> holds for the lines written so far, checking again after every new line.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyCollection<string>, bool> condition, TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        while (true)
        {
            // Taken before the check: a line written during the check completes it, so no line goes unnoticed.
            var written = Volatile.Read(ref _written).Task;
            if (condition(_lines.ToArray())) return;
            try { await written.WaitAsync(timeout.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"the log lines did not come in {patience.TotalSeconds} s ({_lines.Count} lines)"); }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var writer = new StringWriter();
            provider._formatter.Write(new Microsoft.Extensions.Logging.Abstractions.LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), provider._scopes, writer);
            var line = writer.ToString().Trim();
            if (line.Length == 0) return;
            provider._lines.Enqueue(line);
            Interlocked.Exchange(ref provider._written, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
