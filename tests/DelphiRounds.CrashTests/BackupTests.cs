using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace DelphiRounds.CrashTests;

/// <summary><c>delphi backup</c> on a live server: a consistent copy that holds every answer acknowledged before it started.</summary>
[Collection(ServerProcesses.Name)]
public sealed class BackupTests(Installation installation, ITestOutputHelper output)
{
    [Fact]
    public async Task An_online_backup_taken_while_answers_keep_coming_holds_every_answer_acknowledged_before_it_started()
    {
        var clock = Stopwatch.StartNew();
        var (server, token) = (installation.Server, installation.FacilitatorToken);
        var study = await Api.StudyAsync(server.Address, token, participants: 16);
        var load = new AnswerLoad(server.Address, study, clients: 4);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(stop.Token);
        await CrashSafetyTests.WaitUntil(() => load.Acked.Count >= 100, TimeSpan.FromSeconds(30), server);

        var before = load.Acked.ToList(); // acknowledged before the backup started
        var backup = Path.Combine(server.Folder, "backups", "copy.db");
        var printed = await server.CliAsync("backup", "--out", backup);
        var whileBackingUp = load.Acked.Count - before.Count;
        await CrashSafetyTests.WaitUntil(() => load.Acked.Count > before.Count + whileBackingUp + 20, TimeSpan.FromSeconds(30), server);
        stop.Cancel();
        await running;
        load.AssertNoneUnexpected(server);

        Assert.Contains("Backing up " + server.DatabasePath, printed);
        Assert.Contains("Integrity check: ok", printed);
        Assert.Contains("Backup written: " + backup, printed);
        Assert.True(whileBackingUp > 0, "no answer was acknowledged while the backup ran; the test shows nothing about an online backup");
        Assert.False(File.Exists(backup + "-wal"), "the backup is one file");
        Assert.Equal("ok", Stored.IntegrityCheck(backup));

        // Restore: a new installation on the copy.
        var restored = Path.Combine(server.Folder, "restored");
        Directory.CreateDirectory(restored);
        File.Copy(backup, Path.Combine(restored, "delphi.db"));
        var inCopy = Stored.Answers(Path.Combine(restored, "delphi.db"), study.RoundId).ToDictionary(s => s.Id);
        var lost = Durability.Lost(before, a => inCopy.TryGetValue(a.Id, out var s) && s.Revision == a.Revision && s.Value == a.Value && s.Key == a.Key);
        Assert.True(lost.Count == 0, $"{lost.Count} of {before.Count} answers acknowledged before the backup are missing from it");
        Assert.Empty(Durability.Duplicates(inCopy.Values.Select(s => (s.ParticipantId, s.ItemId, s.Revision))));
        // The copy is a consistent snapshot: the answers in it are exactly a prefix of the stored history.
        var live = Stored.Answers(server.DatabasePath, study.RoundId);
        Assert.Equal(live.Take(inCopy.Count).Select(s => s.Id), inCopy.Keys.Order());

        // And a server runs on it, restored the way the README says: stop, copy over the database, start.
        server.Kill();
        File.Copy(Path.Combine(restored, "delphi.db"), server.DatabasePath, overwrite: true);
        File.Delete(server.DatabasePath + "-wal");
        File.Delete(server.DatabasePath + "-shm");
        await server.StartAsync();
        using var f = Api.Client(server.Address, token);
        var export = await Api.Expect(await f.GetAsync($"/api/v1/studies/{study.StudyId}/export.json"), HttpStatusCode.OK);
        var answered = export.GetProperty("rounds")[0].GetProperty("items").EnumerateArray().Sum(i => i.GetProperty("answers").GetProperty("responses").GetArrayLength());
        Assert.Equal(inCopy.Values.Select(s => (s.ParticipantId, s.ItemId)).Distinct().Count(), answered);

        output.WriteLine($"Online backup: {before.Count} answers acknowledged before it started, all {before.Count - lost.Count} in the copy; " +
                         $"{whileBackingUp} more acknowledged while it ran; copy has {inCopy.Count} answers, integrity ok; restored server serves it; {clock.Elapsed.TotalSeconds:0.0} s.\n{printed}");
    }

    [Fact]
    public async Task Answers_acknowledged_after_a_backup_on_a_server_that_reported_ready_survive_a_SIGKILL()
    {
        // The server's readiness check once read the database file's header with a plain file handle; closing it
        // dropped the server's SQLite locks on the file, so the backup's SQLite took itself for the last user,
        // checkpointed and deleted the write-ahead log under the running server: what was acknowledged after the
        // backup went into the deleted log and was gone after a SIGKILL (or failed with "disk I/O error").
        var (server, token) = (installation.Server, installation.FacilitatorToken);
        await server.RestartAsync(); // a fresh process: its first readiness check runs the file check
        var study = await Api.StudyAsync(server.Address, token, participants: 4, groups: 1);
        using (var probe = new HttpClient { BaseAddress = server.Address })
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/ready")).StatusCode);
        var acked = new List<long>();
        async Task AnswerAsync(int count, string tag)
        {
            for (var n = 0; n < count; n++)
            {
                var (_, participantToken) = study.Participants[n % study.Participants.Count];
                using var http = Api.Client(server.Address, participantToken);
                var answer = await Api.Expect(await http.PostAsJsonAsync($"/api/v1/rounds/{study.RoundId}/answers",
                    new { itemId = study.ItemIds[n % 2], value = 1 + n % 5, rationale = $"{tag} {n}", idempotencyKey = $"{tag}-{n}" }, Api.Web), HttpStatusCode.Created);
                acked.Add(answer.GetProperty("id").GetInt64());
            }
        }
        await AnswerAsync(8, "before");
        await server.CliAsync("backup", "--out", Path.Combine(server.Folder, "backups", "idle.db"));
        Assert.True(File.Exists(server.DatabasePath + "-wal"), "the backup deleted the running server's write-ahead log");
        await AnswerAsync(8, "after");
        server.Kill();
        await server.StartAsync();

        var stored = Stored.Answers(server.DatabasePath, study.RoundId).Select(a => a.Id).ToHashSet();
        var lost = acked.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acked.Count} acknowledged answers are gone after the SIGKILL: {string.Join(", ", lost)}\n{server.LogTail()}");
        output.WriteLine($"Backup on an idle, ready server: the write-ahead log stayed; all {acked.Count} acknowledged answers (8 before, 8 after the backup) are there after a SIGKILL.");
    }
}
