using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using DelphiRounds.Convergence;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Exports;

/// <summary>How study reports are built. Bound from the <c>Reports</c> section.</summary>
public sealed class ReportOptions
{
    public const string Section = "Reports";

    /// <summary>
    /// A report that is ready within this many milliseconds is shown at once; a slower one shows its
    /// progress (step, items analysed, percentage) until it is ready. 0 always shows the progress first.
    /// </summary>
    [Range(0, 60_000)]
    public int ShowProgressAfterMs { get; set; } = 1500;

    /// <summary>Reports built at the same time; more wait their turn (shown as waiting).</summary>
    [Range(1, 16)]
    public int ConcurrentBuilds { get; set; } = 2;

    /// <summary>A finished report is kept this many minutes for its page (reload, print) before it is built anew.</summary>
    [Range(1, 1440)]
    public int KeepMinutes { get; set; } = 30;
}

/// <summary>The stages of building a report, as shown to the facilitator.</summary>
public static class ReportStages
{
    public const string Waiting = "waiting";
    public const string Ideas = "ideas";
    public const string Analysing = "analysing";
    public const string Reading = "reading";
    public const string Convergence = "convergence";
    public const string Ready = "ready";
    public const string Failed = "failed";
    /// <summary>Not known here (expired, or made before a restart or by another instance): the page makes it again.</summary>
    public const string Gone = "gone";
}

/// <summary>
/// Where a report build is: the stage, for analysing the round (of how many) and the item in it (of how
/// many), and overall <see cref="Done"/> of <see cref="Total"/> steps.
/// </summary>
public sealed record ReportStep(string Stage, int Round, int Rounds, int Item, int Items, int Done, int Total)
{
    /// <summary>Steps after the item analyses: reading answers and arguments, and following convergence.</summary>
    public const int StepsAfterAnalysis = 2;

    public static readonly ReportStep Waiting = new(ReportStages.Waiting, 0, 0, 0, 0, 0, 1);

    public int Percent => Total <= 0 ? 0 : (int)Math.Floor(100.0 * Done / Total);
}

/// <summary>One build of a study's report for one facilitator, in one language; its progress and, when ready, its contents.</summary>
public sealed class ReportBuild(string id, long studyId, long facilitatorId, bool english, DateTimeOffset requested)
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;
    public long StudyId { get; } = studyId;
    public long FacilitatorId { get; } = facilitatorId;
    public bool English { get; } = english;
    public DateTimeOffset Requested { get; } = requested;
    public DateTimeOffset? Finished { get; private set; }

    // Volatile: the contents are set before the step turns to ready, and a page that reads the step first sees them.
    private volatile ReportStep _step = ReportStep.Waiting;

    /// <summary>The latest step (replaced as a whole, so readers on other threads see a consistent one).</summary>
    public ReportStep Step { get => _step; private set => _step = value; }

    public StudyRecord? Record { get; private set; }
    public StudyConvergenceView? Convergence { get; private set; }

    public bool IsReady => Step.Stage == ReportStages.Ready;
    public bool IsFailed => Step.Stage == ReportStages.Failed;
    public bool IsFinished => IsReady || IsFailed;

    /// <summary>Completes when the build is ready or has failed.</summary>
    public Task Completion => _finished.Task;

    internal void Report(ReportStep step) => Step = step;

    internal void Succeed(StudyRecord record, StudyConvergenceView convergence, DateTimeOffset at)
    {
        Record = record;
        Convergence = convergence;
        Finished = at;
        Step = Step with { Stage = ReportStages.Ready, Done = Step.Total, Item = 0, Items = 0 };
        _finished.TrySetResult();
    }

    internal void Fail(DateTimeOffset at)
    {
        Finished = at;
        Step = Step with { Stage = ReportStages.Failed };
        _finished.TrySetResult();
    }
}

/// <summary>
/// Told of every step of every report build, after the step is shown and before it is taken. For what
/// watches builds from outside the page (tests hold a build at a step to see its progress); a throw fails the build.
/// </summary>
public interface IReportBuildObserver
{
    ValueTask StepAsync(ReportBuild build, ReportStep step, CancellationToken cancellation);
}

/// <summary>
/// Builds study reports in the background, so the facilitator's page can show how far a large study's
/// report has got instead of waiting on one long request. Builds run at most
/// <see cref="ReportOptions.ConcurrentBuilds"/> at a time; asking again while one for the same study,
/// facilitator and language is under way joins it. Finished builds are kept in this instance's memory for
/// <see cref="ReportOptions.KeepMinutes"/>; a build another instance made (or one from before a restart)
/// is simply made again.
/// </summary>
public sealed class ReportBuilder(
    StudyRecords records, ConvergenceReader convergence, IOptions<ReportOptions> options, TimeProvider time,
    IEnumerable<IReportBuildObserver> observers, IHostApplicationLifetime lifetime, ILogger<ReportBuilder> log)
{
    private readonly ConcurrentDictionary<string, ReportBuild> _builds = new();
    private readonly SemaphoreSlim _slots = new(options.Value.ConcurrentBuilds);
    private readonly IReportBuildObserver[] _observers = observers.ToArray();
    private readonly object _starting = new();

    /// <summary>How long a page waits for a build before it shows the progress instead.</summary>
    public TimeSpan ShowProgressAfter => TimeSpan.FromMilliseconds(options.Value.ShowProgressAfterMs);

    /// <summary>Starts a build (or joins the one under way for the same study, facilitator and language).</summary>
    public ReportBuild Start(long studyId, long facilitatorId, bool english)
    {
        lock (_starting)
        {
            Forget();
            var running = _builds.Values.FirstOrDefault(b =>
                b.StudyId == studyId && b.FacilitatorId == facilitatorId && b.English == english && !b.IsFinished);
            if (running is not null) return running;
            var build = new ReportBuild(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), studyId, facilitatorId, english, time.GetUtcNow());
            _builds[build.Id] = build;
            _ = Task.Run(() => RunAsync(build));
            return build;
        }
    }

    /// <summary>The build, when it exists and is of this study and facilitator; null otherwise (unknown, expired or not theirs).</summary>
    public ReportBuild? Find(string? id, long studyId, long facilitatorId) =>
        id is not null && _builds.TryGetValue(id, out var b) && b.StudyId == studyId && b.FacilitatorId == facilitatorId ? b : null;

    /// <summary>Waits until the build is finished or the time is up, whichever comes first.</summary>
    public async Task WaitAsync(ReportBuild build, TimeSpan most, CancellationToken cancellation)
    {
        if (build.IsFinished || most <= TimeSpan.Zero) return;
        try { await build.Completion.WaitAsync(most, time, cancellation); }
        catch (TimeoutException) { }
    }

    private async Task RunAsync(ReportBuild build)
    {
        var stopping = lifetime.ApplicationStopping;
        var started = time.GetTimestamp();
        try
        {
            await Tell(build, ReportStep.Waiting, stopping);
            await _slots.WaitAsync(stopping);
            try
            {
                var record = await records.LoadAsync(build.StudyId, step => Tell(build, step, stopping));
                var last = build.Step;
                await Tell(build, new ReportStep(ReportStages.Convergence, 0, last.Rounds, 0, 0, last.Total - 1, last.Total), stopping);
                var view = await convergence.ReadAsync(build.StudyId, build.English);
                build.Succeed(record, view, time.GetUtcNow());
                // The newest report replaces older ones of the same study for the same reader: memory holds one each.
                foreach (var (id, older) in _builds)
                    if (older != build && older.IsFinished && older.StudyId == build.StudyId && older.FacilitatorId == build.FacilitatorId && older.English == build.English)
                        _builds.TryRemove(id, out _);
                log.LogInformation("Report {BuildId} of study {StudyId} built in {Elapsed} ms ({Steps} steps)",
                    build.Id, build.StudyId, (long)time.GetElapsedTime(started).TotalMilliseconds, build.Step.Total);
            }
            finally { _slots.Release(); }
        }
        catch (Exception e)
        {
            build.Fail(time.GetUtcNow());
            if (e is OperationCanceledException && stopping.IsCancellationRequested)
                log.LogInformation("Report {BuildId} of study {StudyId} stopped: the server is shutting down", build.Id, build.StudyId);
            else
                log.LogError(e, "Report {BuildId} of study {StudyId} could not be built", build.Id, build.StudyId);
        }
    }

    private async ValueTask Tell(ReportBuild build, ReportStep step, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        build.Report(step);
        foreach (var observer in _observers) await observer.StepAsync(build, step, cancellation);
    }

    /// <summary>Drops finished builds older than <see cref="ReportOptions.KeepMinutes"/>.</summary>
    private void Forget()
    {
        var before = time.GetUtcNow().AddMinutes(-options.Value.KeepMinutes);
        foreach (var (id, b) in _builds)
            if (b.IsFinished && b.Finished is { } at && at < before) _builds.TryRemove(id, out _);
    }
}
