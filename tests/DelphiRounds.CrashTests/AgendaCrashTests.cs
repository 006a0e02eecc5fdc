using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace DelphiRounds.CrashTests;

/// <summary>
/// The ledger after signing under SIGKILL (issue 21): measurements are appended one by one and as CSV uploads of
/// several lines while the server is killed. After the restart every acknowledged measurement (201) is in the ledger
/// once, every CSV upload is there whole or not at all (never half), nothing is there that was not sent, and the
/// ledger verifies with <c>delphi verify</c> and the server's own check — a failure mid-append leaves no half entry.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class AgendaCrashTests(Installation installation, ITestOutputHelper output)
{
    private const int Writers = 4;
    private const int LinesPerUpload = 5;

    [Fact]
    public async Task Every_measurement_acknowledged_before_a_SIGKILL_is_in_the_ledger_once_and_no_upload_is_there_in_part()
    {
        var clock = Stopwatch.StartNew();
        var server = installation.Server;
        var (studyId, indicator) = await FrozenStudyWithIndicatorAsync(server.Address, installation.FacilitatorToken);
        var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        // Each write carries values no other write has: a single measurement value v, or an upload of v, v+1, … v+4.
        var acked = new ConcurrentQueue<(int First, int Lines)>();
        var inFlight = new ConcurrentQueue<(int First, int Lines)>();
        var unexpected = new ConcurrentQueue<string>();
        var next = 0;
        var stop = false;
        var address = server.Address;
        var writing = Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            using var client = Api.Client(address, installation.FacilitatorToken, TimeSpan.FromSeconds(20));
            while (!Volatile.Read(ref stop))
            {
                var upload = w % 2 == 1;
                var lines = upload ? LinesPerUpload : 1;
                var first = Interlocked.Add(ref next, lines) - lines + 1;
                HttpResponseMessage posted;
                try
                {
                    posted = upload
                        ? await client.PostAsync($"/api/v1/studies/{studyId}/agenda/measurements/csv", new StringContent(
                            "indicator,date,value,source\n" + string.Concat(Enumerable.Range(first, lines).Select(v => $"{indicator},{date},{v},crash test\n")),
                            Encoding.UTF8, "text/csv"))
                        : await client.PostAsJsonAsync($"/api/v1/studies/{studyId}/agenda/measurements",
                            new { indicator, date, value = first, source = "crash test" }, Api.Web);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    inFlight.Enqueue((first, lines)); // sent (or about to be) when the server died: stored whole or not at all
                    return;
                }
                using (posted)
                {
                    if (posted.StatusCode == HttpStatusCode.Created) acked.Enqueue((first, lines));
                    else unexpected.Enqueue($"{first}: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
                }
            }
        })));

        await CrashSafetyTests.WaitUntil(() => acked.Sum(a => a.Lines) >= 60, TimeSpan.FromSeconds(60), server);
        server.Kill();
        Volatile.Write(ref stop, true);
        await writing;
        Assert.Empty(unexpected);
        await server.StartAsync();

        var path = Path.Combine(server.Folder, $"ledger-{studyId}-agenda-after-kill.json");
        using var publicClient = new HttpClient { BaseAddress = server.Address };
        using var response = await publicClient.GetAsync($"/api/v1/studies/{studyId}/ledger");
        var ledger = await Api.Expect(response, HttpStatusCode.OK);
        await File.WriteAllTextAsync(path, ledger.GetRawText());
        var measured = ledger.GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "measurement")
            .Select(e => JsonDocument.Parse(e.GetProperty("record").GetString()!).RootElement.GetProperty("value").GetDouble())
            .Select(v => (int)v).ToList();

        // Acknowledged: all there, once. In flight: whole or absent. Nothing that was not sent.
        var values = measured.ToHashSet();
        Assert.Equal(measured.Count, values.Count);
        var lost = acked.SelectMany(a => Enumerable.Range(a.First, a.Lines)).Where(v => !values.Contains(v)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged measurements are missing from the ledger: {string.Join(", ", lost.Take(5))}");
        var partial = inFlight.Where(f => Enumerable.Range(f.First, f.Lines).Count(values.Contains) is var n && n > 0 && n < f.Lines).ToList();
        Assert.True(partial.Count == 0, $"uploads stored in part: {string.Join(", ", partial)}");
        var sent = acked.Concat(inFlight).SelectMany(a => Enumerable.Range(a.First, a.Lines)).ToHashSet();
        Assert.All(values, v => Assert.Contains(v, sent));

        // The chain verifies (server and delphi verify), and the agenda's rows equal the ledger's entries.
        var entries = ledger.GetProperty("entries").GetArrayLength();
        Assert.StartsWith($"ledger verifies: {entries} entries", string.Join("", response.Headers.GetValues("X-Ledger-Verification")));
        Assert.StartsWith($"ledger verifies: {entries} entries", (await server.CliAsync("verify", path)).Trim());
        using var f = Api.Client(server.Address, installation.FacilitatorToken);
        var rows = await Api.Expect(await f.GetAsync($"/api/v1/studies/{studyId}/agenda/measurements"), HttpStatusCode.OK);
        Assert.Equal(measured.Order(), rows.EnumerateArray().Select(r => (int)r.GetProperty("value").GetDouble()).Order());
        // And it goes on after the restart.
        await Api.Expect(await f.PostAsJsonAsync($"/api/v1/studies/{studyId}/agenda/measurements",
            new { indicator, date, value = 1_000_000, source = "after the restart" }, Api.Web), HttpStatusCode.Created);
        using var after = await publicClient.GetAsync($"/api/v1/studies/{studyId}/ledger");
        Assert.StartsWith($"ledger verifies: {entries + 1} entries", string.Join("", after.Headers.GetValues("X-Ledger-Verification")));
        Assert.Equal("ok", Stored.IntegrityCheck(server.DatabasePath));

        var inFlightStored = inFlight.Count(i => values.Contains(i.First));
        output.WriteLine($"Kill while appending measurements: {acked.Sum(a => a.Lines)} measurements acknowledged (201) in {acked.Count} writes before SIGKILL, " +
                         $"{lost.Count} lost; {inFlight.Count} writes in flight ({inFlightStored} stored whole, {inFlight.Count - inFlightStored} not at all, 0 in part); " +
                         $"duplicates 0; the ledger of {entries} entries verifies (delphi verify and the server); {clock.Elapsed.TotalSeconds:0.0} s.");
    }

    /// <summary>A study with round 1 answered and closed, its vision frozen, and an indicator on its one statement.</summary>
    private static async Task<(long StudyId, long Indicator)> FrozenStudyWithIndicatorAsync(Uri address, string token)
    {
        var study = await Api.StudyAsync(address, token, participants: 4);
        using var f = Api.Client(address, token);
        foreach (var (_, participant) in study.Participants)
        {
            using var p = Api.Client(address, participant);
            await Api.Expect(await p.PostAsJsonAsync($"/api/v1/rounds/{study.RoundId}/answers", new { itemId = study.ItemIds[0], value = 5 }, Api.Web), HttpStatusCode.Created);
        }
        await Api.Expect(await f.PostAsync($"/api/v1/rounds/{study.RoundId}/close", null), HttpStatusCode.OK);
        await Api.Expect(await f.PostAsJsonAsync($"/api/v1/studies/{study.StudyId}/vision/drafts", new
        {
            title = "Visie", statements = new object[] { new { text = "Samen van het gas af.", itemIds = new[] { study.ItemIds[0] } } },
        }, Api.Web), HttpStatusCode.Created);
        // The statement stays in the vision as written, although its item has no consensus (else it moves to the open questions).
        var vision = await Api.Expect(await f.GetAsync($"/api/v1/studies/{study.StudyId}/vision"), HttpStatusCode.OK);
        var keep = vision.GetProperty("freezeCheck").GetProperty("withoutConsensus").EnumerateArray()
            .Select(u => new { statement = u.GetProperty("statement").GetInt32(), reason = "De uitspraak blijft in de visie zoals hij geschreven is." }).ToArray();
        await Api.Expect(await f.PostAsJsonAsync($"/api/v1/studies/{study.StudyId}/vision/freeze", new { keep }, Api.Web), HttpStatusCode.Created);
        var indicator = await Api.Expect(await f.PostAsJsonAsync($"/api/v1/studies/{study.StudyId}/agenda/indicators",
            new { statement = 1, name = "Woningen van het gas af", unit = "woningen", source = "gemeente", direction = "higher" }, Api.Web), HttpStatusCode.Created);
        return (study.StudyId, indicator.GetProperty("id").GetInt64());
    }
}
