using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using DelphiRounds.Data;
using DelphiRounds.Kernel;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Answers;

/// <summary>How answers are written. Bound from the <c>Answers:Writer</c> section.</summary>
public sealed class AnswerWriterOptions
{
    public const string Section = "Answers:Writer";

    /// <summary>
    /// True (default): concurrent answers are written by one writer in shared transactions (group commit),
    /// one sync to disk per batch. False: one transaction (and one sync) per answer.
    /// </summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>At most this many answers in one transaction.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int MaxBatch { get; set; } = 256;
}

/// <summary>
/// The narrow interface the answer store writes through: run the work in a write
/// transaction and return only after that transaction has committed (durably).
/// </summary>
public interface IAnswerWriter
{
    Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work);
}

/// <summary>
/// Group commit: one writer task drains a queue of pending answer writes and runs as many as are waiting
/// (up to <see cref="AnswerWriterOptions.MaxBatch"/>) in one transaction, one sync for all of them. Each
/// write runs inside its own savepoint, so a write that fails (a constraint, a bad value) is rolled back
/// alone and only its caller sees the error. Every caller's task completes only after the commit, so an
/// answer is still durable before its 201. Writes run one after another inside the transaction: an
/// idempotency-key replay sees an earlier answer of the same batch, and the "round is open" check sees
/// the round as it is (closing a round takes the same write lock on SQLite, and a row lock on PostgreSQL).
/// When the commit itself fails, every write of the batch is retried in a transaction of its own.
/// </summary>
public sealed class AnswerWriter : IAnswerWriter, IAsyncDisposable
{
    private readonly Database _db;
    private readonly AnswerWriterOptions _options;
    private readonly ILogger<AnswerWriter> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lazy<Task> _loop;

    /// <summary>Meter of the writer (see with <c>dotnet-counters monitor --counters DelphiRounds.Answers</c>).</summary>
    public const string MeterName = "DelphiRounds.Answers";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> CommitMs = Meter.CreateHistogram<double>("delphi.answers.commit.duration", "ms", "Time of one group-commit transaction, commit and sync included");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("delphi.answers.batch.size", "{answer}", "Answers written in one transaction");
    private static readonly Histogram<double> QueueMs = Meter.CreateHistogram<double>("delphi.answers.queue.duration", "ms", "Time an answer waited for its transaction to start");

    public AnswerWriter(Database db, IOptions<AnswerWriterOptions> options, ILogger<AnswerWriter> logger)
    {
        _db = db;
        _options = options.Value;
        _logger = logger;
        _loop = new Lazy<Task>(() => Task.Factory.StartNew(RunAsync, CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap());
    }

    /// <summary>Number of transactions committed by the writer, and of writes in them (for tests and counters).</summary>
    public (long Batches, long Writes) Committed => (Interlocked.Read(ref _batches), Interlocked.Read(ref _writes));
    private long _batches, _writes;

    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work)
    {
        if (!_options.GroupCommit) return await WriteAloneAsync(work);
        _ = _loop.Value;
        var pending = new Pending(async (c, tx) => await work(c, tx)) { Queued = Stopwatch.GetTimestamp() };
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(AnswerWriter));
        return (T)(await pending.Done.Task)!;
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(_options.MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && _queue.Reader.TryRead(out var p)) batch.Add(p);
            if (batch.Count == 0) continue;
            await WriteBatchAsync(batch);
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        Outcome[] outcomes;
        var started = Stopwatch.GetTimestamp();
        foreach (var p in batch) QueueMs.Record(Stopwatch.GetElapsedTime(p.Queued, started).TotalMilliseconds);
        try
        {
            outcomes = await _db.WriteAsync(async (c, tx) =>
            {
                var results = new Outcome[batch.Count];
                for (var i = 0; i < batch.Count; i++)
                {
                    await tx.SaveAsync("answer");
                    try
                    {
                        results[i] = new Outcome(await batch[i].Work(c, tx), null);
                        await tx.ReleaseAsync("answer");
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        await tx.RollbackAsync("answer");
                        results[i] = new Outcome(null, e);
                    }
                }
                return results;
            });
        }
        catch (Exception e)
        {
            // The transaction or its commit failed: nothing of it is stored. Each write gets a transaction of its own.
            _logger.LogWarning(e, "A group commit of {Count} answers failed; writing them one by one", batch.Count);
            foreach (var p in batch)
            {
                try { p.Done.TrySetResult(await WriteAloneAsync(p.Work)); }
                catch (Exception one) { p.Done.TrySetException(one); }
            }
            return;
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _writes, batch.Count);
        CommitMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        BatchSize.Record(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Error is { } error)
            {
                if (IsConflict(error)) _ = RetryAloneAsync(batch[i]);
                else batch[i].Done.TrySetException(error);
            }
            else batch[i].Done.TrySetResult(outcomes[i].Result);
        }
    }

    private async Task RetryAloneAsync(Pending p)
    {
        try { p.Done.TrySetResult(await WriteAloneAsync(p.Work)); }
        catch (Exception e) { p.Done.TrySetException(e); }
    }

    /// <summary>
    /// One write in its own transaction: a write of the batch that lost a race with a concurrent transaction (on
    /// PostgreSQL with several instances two revisions of one answer can be written at once) is run again alone
    /// under the database's one retry policy (<see cref="Database.WriteAsync{T}"/>); it reads again and wins or replays.
    /// </summary>
    private Task<T> WriteAloneAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work) => _db.WriteAsync(work);

    private static bool IsConflict(Exception e) => Database.IsConflict(e);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop.IsValueCreated) await _loop.Value;
    }

    private sealed class Pending(Func<DbConnection, DbTransaction, Task<object?>> work)
    {
        public Func<DbConnection, DbTransaction, Task<object?>> Work { get; } = work;
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long Queued { get; init; }
    }

    private readonly record struct Outcome(object? Result, Exception? Error);
}

public static class AnswerWriterSetup
{
    /// <summary>The group-commit writer the answer store writes through (<c>Answers:Writer</c>).</summary>
    public static IServiceCollection AddAnswerWriter(this IServiceCollection services)
    {
        services.AddSettings<AnswerWriterOptions>(AnswerWriterOptions.Section);
        services.AddSingleton<AnswerWriter>().AddSingleton<IAnswerWriter>(sp => sp.GetRequiredService<AnswerWriter>());
        return services;
    }
}
