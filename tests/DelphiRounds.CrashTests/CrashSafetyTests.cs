using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace DelphiRounds.CrashTests;

/// <summary>The out-of-process tests run one at a time (they time kills and restarts on 2 cores) on one installation.</summary>
[CollectionDefinition(Name)]
public sealed class ServerProcesses : ICollectionFixture<Installation>
{
    public const string Name = "server processes";
}

/// <summary>One installation (settings, SQLite file, facilitator token) and its running server, shared by the out-of-process tests.</summary>
public sealed class Installation : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;
    public string FacilitatorToken { get; private set; } = "";

    public async Task InitializeAsync() => (Server, FacilitatorToken) = await ServerProcess.CreateAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Crash safety: the real server on a SQLite file is killed with SIGKILL while answers stream in, and
/// while a round closes; after a restart every acknowledged answer is there, unchanged, nothing is
/// stored twice, and retries of requests that got no answer store nothing twice either.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class CrashSafetyTests(Installation installation, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_answer_acknowledged_before_a_SIGKILL_is_there_after_the_restart_and_retries_store_nothing_twice()
    {
        var clock = Stopwatch.StartNew();
        var (server, token) = (installation.Server, installation.FacilitatorToken);
        var study = await Api.StudyAsync(server.Address, token, participants: 24);
        var load = new AnswerLoad(server.Address, study, clients: 8);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(stop.Token);

        // Mid-stream: a few hundred answers in, every client with a request under way.
        await WaitUntil(() => load.Acked.Count >= 300, TimeSpan.FromSeconds(40), server);
        server.Kill();
        await running;
        var acked = load.Acked.ToList();
        var inFlight = load.InFlight.ToList();
        load.AssertNoneUnexpected(server);
        await server.StartAsync();

        var stored = Stored.Answers(server.DatabasePath, study.RoundId);
        var byId = stored.ToDictionary(s => s.Id);
        var lost = Durability.Lost(acked, a => byId.TryGetValue(a.Id, out var s)
            && s.ParticipantId == a.ParticipantId && s.ItemId == a.ItemId && s.Revision == a.Revision && s.Value == a.Value && s.Key == a.Key);
        Assert.True(lost.Count == 0, $"{lost.Count} of {acked.Count} acknowledged answers were lost: {string.Join(", ", lost.Take(5))}");
        Assert.Empty(Durability.Duplicates(stored.Select(s => (s.ParticipantId, s.ItemId, s.Revision))));
        Assert.Empty(Durability.Duplicates(stored.Select(s => s.Key)));
        // Nothing appears that was not sent: every row was acknowledged, or was in flight when the server died.
        var sent = acked.Select(a => a.Key).Concat(inFlight.Select(f => f.Key)).ToHashSet();
        Assert.All(stored, s => Assert.Contains(s.Key!, sent));
        // Revisions of each participant's answer to each item run 1, 2, 3… without a gap.
        foreach (var g in stored.GroupBy(s => (s.ParticipantId, s.ItemId)))
            Assert.Equal(Enumerable.Range(1, g.Count()), g.Select(s => s.Revision).Order());

        // The requests that got no answer are retried as they were sent (same body, same key):
        // stored already → 200 with that answer; else 201.
        var committedUnacknowledged = inFlight.Count(f => stored.Any(s => s.Key == f.Key));
        foreach (var f in inFlight)
        {
            using var client = Api.Client(server.Address, f.Token);
            using var response = await client.PostAsJsonAsync($"/api/v1/rounds/{f.RoundId}/answers",
                new { itemId = f.ItemId, value = f.Value, rationale = f.Rationale, idempotencyKey = f.Key }, Api.Web);
            var earlier = stored.SingleOrDefault(s => s.Key == f.Key);
            var body = await Api.Expect(response, earlier is null ? HttpStatusCode.Created : HttpStatusCode.OK);
            if (earlier is not null) Assert.Equal(earlier.Id, body.GetProperty("id").GetInt64());
        }
        var after = Stored.Answers(server.DatabasePath, study.RoundId);
        Assert.All(inFlight, f => Assert.Single(after, s => s.Key == f.Key));
        Assert.Equal(stored.Count + inFlight.Count - committedUnacknowledged, after.Count);
        Assert.Equal("ok", Stored.IntegrityCheck(server.DatabasePath));

        output.WriteLine($"Kill mid-stream: {acked.Count} answers acknowledged (201) before SIGKILL, {lost.Count} lost; " +
                         $"{inFlight.Count} in flight ({committedUnacknowledged} had been committed, their retries returned the stored answer; " +
                         $"{inFlight.Count - committedUnacknowledged} were not, their retries stored them once); duplicates 0; {clock.Elapsed.TotalSeconds:0.0} s.");
    }

    [Fact]
    public async Task A_kill_during_or_just_after_closing_a_round_leaves_it_open_without_snapshots_or_closed_with_all_of_them()
    {
        var clock = Stopwatch.StartNew();
        var (server, token) = (installation.Server, installation.FacilitatorToken);
        var outcomes = new List<string>();
        // Kill just after the close was acknowledged (which also measures how long a close takes under load),
        // then while a close is under way: at half and at nine tenths of that time after sending it.
        var closeTook = TimeSpan.Zero;
        foreach (var (label, fraction, afterAcknowledged) in new[] { ("just after the close", 0.0, true), ("during the close", 0.5, false), ("during the close", 0.9, false) })
        {
            var killDelayMs = (int)(closeTook.TotalMilliseconds * fraction);
            var study = await Api.StudyAsync(server.Address, token, participants: 12);
            var load = new AnswerLoad(server.Address, study, clients: 6);
            using var stop = new CancellationTokenSource();
            var running = load.RunAsync(stop.Token);
            await WaitUntil(() => load.Acked.Count >= 60, TimeSpan.FromSeconds(30), server);

            using var facilitator = Api.Client(server.Address, token); // the port changes with every start
            var sent = Stopwatch.StartNew();
            var close = facilitator.PostAsync($"/api/v1/rounds/{study.RoundId}/close", null);
            var closeAcknowledged = false;
            if (afterAcknowledged)
            {
                Assert.Equal(HttpStatusCode.OK, (await close).StatusCode);
                closeTook = sent.Elapsed;
                closeAcknowledged = true;
                await WaitUntil(() => load.RefusedClosed > 0, TimeSpan.FromSeconds(10), server); // answers keep coming, and are refused
            }
            else if (killDelayMs > 0) await Task.Delay(killDelayMs);
            server.Kill();
            try { closeAcknowledged |= (await close).StatusCode == HttpStatusCode.OK; } catch (HttpRequestException) { } catch (TaskCanceledException) { }
            stop.Cancel();
            await running;
            await server.StartAsync();

            var state = Stored.Scalar<string>(server.DatabasePath, "SELECT state FROM rounds WHERE id = $r", ("$r", study.RoundId));
            var snapshots = Stored.Snapshots(server.DatabasePath, study.RoundId);
            var stored = Stored.Answers(server.DatabasePath, study.RoundId);
            var byId = stored.ToDictionary(s => s.Id);
            Assert.Empty(Durability.Lost(load.Acked, a => byId.TryGetValue(a.Id, out var s) && s.Revision == a.Revision && s.Value == a.Value));
            Assert.Empty(Durability.Duplicates(stored.Select(s => (s.ParticipantId, s.ItemId, s.Revision))));
            if (closeAcknowledged) Assert.Equal("closed", state);
            if (state == "open")
            {
                Assert.Empty(snapshots);
                Assert.Null(Stored.Scalar<string?>(server.DatabasePath, "SELECT closed_at FROM rounds WHERE id = $r", ("$r", study.RoundId)));
            }
            else
            {
                Assert.Equal("closed", state);
                Assert.Equal(study.ItemIds.Order(), snapshots.Select(s => s.ItemId).Order());
                // Each snapshot counts exactly the answers stored: none came in after the close.
                foreach (var (itemId, json) in snapshots)
                    Assert.Equal(stored.Where(s => s.ItemId == itemId).Select(s => s.ParticipantId).Distinct().Count(),
                        JsonDocument.Parse(json).RootElement.GetProperty("n").GetInt32());
                Assert.Equal(0L, Stored.Scalar<long>(server.DatabasePath,
                    "SELECT COUNT(*) FROM answers WHERE round_id = $r AND created_at > (SELECT closed_at FROM rounds WHERE id = $r)", ("$r", study.RoundId)));
            }
            var when = afterAcknowledged ? $"acknowledged after {closeTook.TotalMilliseconds:0} ms" : $"killed {killDelayMs} ms after sending it";
            outcomes.Add($"{label} ({when}): {state}, {snapshots.Count} snapshots, {load.Acked.Count} answers acknowledged, 0 lost");
        }
        Assert.Equal("ok", Stored.IntegrityCheck(server.DatabasePath));
        output.WriteLine("Kill around a round's close: " + string.Join("; ", outcomes) + $"; {clock.Elapsed.TotalSeconds:0.0} s.");
    }

    internal static async Task WaitUntil(Func<bool> condition, TimeSpan patience, ServerProcess server)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > patience) throw new TimeoutException($"waited {patience.TotalSeconds} s in vain; server log:\n{server.Log}");
            await Task.Delay(5);
        }
    }
}
