using System.Collections.Concurrent;
using System.Net;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DelphiRounds.Tests.Hardening;

/// <summary>The app with every log line kept in memory (level, category, message, whether an exception came with it).</summary>
public class LogKeepingApp : DelphiApp
{
    public sealed record Line(LogLevel Level, string Category, string Message, Exception? Exception);

    public ConcurrentQueue<Line> Lines { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(new Provider(Lines)));
        builder.ConfigureLogging(l => l.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(_ => false));
    }

    private sealed class Provider(ConcurrentQueue<Line> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines, categoryName);
        public void Dispose() { }
    }

    private sealed class Logger(ConcurrentQueue<Line> lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new Line(logLevel, category, formatter(state, exception), exception));
    }
}

/// <summary>
/// Issue 17, items 4 and 8: revoking a participant's link or erasing them ends their open hub connections at once
/// and refuses the token from then on (401); a refused JoinRound is logged at Information, without a stack trace,
/// and a flood of them is sampled.
/// </summary>
public sealed class LiveHardeningTests(LogKeepingApp app) : IClassFixture<LogKeepingApp>
{
    private static async Task<(HubConnection Hub, TaskCompletionSource Closed)> FollowAsync(DelphiApp app, string token, long roundId)
    {
        var hub = app.Hub(token);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", roundId);
        return (hub, closed);
    }

    [Fact]
    public async Task A_new_invitation_link_ends_the_old_links_hub_connections_at_once_and_the_old_token_gets_401()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[0];
        var (hub, closed) = await FollowAsync(app, p.Token, s.RoundId);
        var (other, otherClosed) = await FollowAsync(app, s.Participants[1].Token, s.RoundId);
        Assert.Equal(1, app.Services.GetRequiredService<LiveConnections>().Count(p.Id));

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{p.Id}/invitation", null), HttpStatusCode.OK);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
        Assert.False(otherClosed.Task.IsCompleted);
        Assert.Equal(HubConnectionState.Connected, other.State);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client(p.Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => app.Hub(p.Token).StartAsync());
        await other.DisposeAsync();
    }

    [Fact]
    public async Task An_erased_participants_hub_connections_end_at_once_and_their_token_can_no_longer_answer()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[2];
        await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3 }), HttpStatusCode.Created);
        var (hub, closed) = await FollowAsync(app, p.Token, s.RoundId);
        var browser = app.Client(followRedirects: false);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync($"/p/{p.Token}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/p")).StatusCode);

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{p.Id}/erase", null), HttpStatusCode.OK);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4 });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        // The page session opened with the link ends too, and the link itself no longer opens one.
        Assert.NotEqual(HttpStatusCode.OK, (await browser.GetAsync("/p")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Redirect, (await app.Client(followRedirects: false).GetAsync($"/p/{p.Token}")).StatusCode);
        // The answer stays, under the pseudonym.
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}"));
    }

    [Fact]
    public async Task Refused_JoinRound_calls_are_logged_at_Information_without_a_stack_trace_and_sampled()
    {
        var mine = await Scenario.CreateAsync(app, perGroup: 1);
        var theirs = await Scenario.CreateAsync(app, perGroup: 1);
        await using var hub = app.Hub(mine.Participants[0].Token);
        await hub.StartAsync();
        app.Lines.Clear();

        for (var i = 0; i < 25; i++)
        {
            var refusal = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("JoinRound", theirs.RoundId));
            Assert.Contains("roundId", refusal.Message);
        }
        await hub.InvokeAsync("JoinRound", mine.RoundId); // the connection is still usable
        await Task.Delay(200);

        var lines = app.Lines.ToList();
        Assert.DoesNotContain(lines, l => l.Level >= LogLevel.Warning);
        Assert.DoesNotContain(lines, l => l.Exception is not null);
        var refusals = lines.Where(l => l.Message.Contains("JoinRound") && l.Message.Contains("refused")).ToList();
        var line = Assert.Single(refusals);
        Assert.Equal(LogLevel.Information, line.Level);
    }
}
