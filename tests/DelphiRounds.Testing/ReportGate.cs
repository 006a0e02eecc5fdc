using System.Threading.Channels;
using DelphiRounds.Demo;
using DelphiRounds.Exports;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Testing;

/// <summary>
/// Holds report builds at each step while <see cref="Holding"/>, so a test sees the progress a facilitator
/// sees on a large study: <see cref="ReachedAsync"/> waits until a build has shown a step and stopped there,
/// <see cref="Proceed"/> lets it take that step. <see cref="FailWith"/> makes the next step throw.
/// </summary>
public sealed class ReportGate : IReportBuildObserver
{
    private readonly Channel<ReportStep> _reached = Channel.CreateUnbounded<ReportStep>();
    private SemaphoreSlim _go = new(0);

    public bool Holding { get; private set; }
    public Exception? FailWith { get; set; }

    public async ValueTask StepAsync(ReportBuild build, ReportStep step, CancellationToken cancellation)
    {
        if (FailWith is { } failure) throw failure;
        if (!Holding) return;
        var go = _go;
        _reached.Writer.TryWrite(step);
        await go.WaitAsync(cancellation);
    }

    /// <summary>From now on every build stops at every step.</summary>
    public void Hold()
    {
        while (_reached.Reader.TryRead(out _)) { }
        _go = new SemaphoreSlim(0);
        Holding = true;
    }

    /// <summary>The next step a build stopped at.</summary>
    public async Task<ReportStep> ReachedAsync() =>
        await _reached.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public void Proceed() => _go.Release();

    /// <summary>Lets every build run to the end, now and from now on.</summary>
    public void Open()
    {
        Holding = false;
        FailWith = null;
        _go.Release(10_000);
    }
}

/// <summary>The demo's finished study (round 0 and three rounds) in an app that shows a report's progress at once and whose builds a test can hold at each step.</summary>
public sealed class ReportProgressApp : DelphiApp
{
    private readonly Lazy<Task> _seeded;

    public ReportProgressApp() => _seeded = new Lazy<Task>(SeedAsync);

    public ReportGate Gate { get; } = new();
    public long StudyId { get; private set; }
    public string Token { get; private set; } = "";
    public string Email { get; private set; } = "";
    public string Password { get; private set; } = "";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Reports:ShowProgressAfterMs"] = "0" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s => s.AddSingleton<IReportBuildObserver>(Gate));
    }

    /// <summary>Seeds the study on first call (every test awaits it first).</summary>
    public Task ReadyAsync() => _seeded.Value;

    private async Task SeedAsync()
    {
        var (id, token, email, password) = await FacilitatorAsync();
        (Token, Email, Password) = (token, email, password);
        StudyId = (await Services.GetRequiredService<ProcessDemo>().RunAsync(id, ProcessDemo.DefaultRounds, seed: 2033, _ => { })).StudyId;
    }
}

