using System.Diagnostics;
using System.Net;
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
        Assert.Empty(load.Unexpected);

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
}
