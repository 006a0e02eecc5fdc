using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace DelphiRounds.CrashTests;

/// <summary>
/// The endorsement ledger under SIGKILL: signatories sign the frozen vision through their signing pages while
/// the server is killed; after the restart every signature that was acknowledged (303 to the receipt) is in
/// the ledger, once, the ledger still verifies with <c>delphi verify</c>, and signing again with a link whose
/// answer never came either signs once or is refused as already used — never a second entry.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed partial class LedgerCrashTests(Installation installation, ITestOutputHelper output)
{
    private const int Signatories = 24;
    private const int Signers = 4;

    [Fact]
    public async Task Every_signature_acknowledged_before_a_SIGKILL_is_in_the_ledger_once_and_the_ledger_still_verifies()
    {
        var clock = Stopwatch.StartNew();
        var (server, token) = (installation.Server, installation.FacilitatorToken);
        var (studyId, links) = await FrozenStudyAsync(server.Address, token);
        var setUp = clock.Elapsed;

        var acked = new ConcurrentQueue<Link>();
        var inFlight = new ConcurrentQueue<Link>();
        var unexpected = new ConcurrentQueue<string>();
        var queue = new ConcurrentQueue<Link>(links);
        var address = server.Address;
        var signing = Task.WhenAll(Enumerable.Range(0, Signers).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var link))
            {
                using var browser = Browser(address);
                HttpResponseMessage posted;
                try
                {
                    var page = await browser.GetStringAsync($"/sign/{link.Token}");
                    posted = await browser.PostAsync($"/sign/{link.Token}", new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["Confirm"] = "true", ["Mandate"] = "Statutair directeur", ["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value,
                    }));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    inFlight.Enqueue(link); // sent (or about to be) when the server died: it may or may not have signed
                    return;
                }
                using (posted)
                {
                    if (posted.StatusCode == HttpStatusCode.SeeOther) acked.Enqueue(link);
                    else unexpected.Enqueue($"{link.Reference}: {(int)posted.StatusCode}");
                }
            }
        })));

        await CrashSafetyTests.WaitUntil(() => acked.Count >= Signatories / 3, TimeSpan.FromSeconds(40), server);
        server.Kill();
        await signing;
        Assert.Empty(unexpected);
        var killed = clock.Elapsed;
        await server.StartAsync();
        var restarted = clock.Elapsed;

        // Every acknowledged signature is in the ledger, once; nothing is there that was not sent.
        var ledgerPath = Path.Combine(server.Folder, $"ledger-{studyId}-after-kill.json");
        var (ledger, verdictAfterKill) = await LedgerWithVerdictAsync(server.Address, studyId, ledgerPath);
        var endorsements = Endorsements(ledger);
        var lost = Durability.Lost(acked, a => endorsements.Contains(a.Reference));
        Assert.True(lost.Count == 0, $"{lost.Count} of {acked.Count} acknowledged signatures are missing from the ledger: {string.Join(", ", lost.Take(5))}");
        Assert.Empty(Durability.Duplicates(endorsements));
        var sent = acked.Concat(inFlight).Select(l => l.Reference).ToHashSet();
        Assert.All(endorsements, r => Assert.Contains(r, sent));
        var verified = await server.CliAsync("verify", ledgerPath);
        Assert.StartsWith($"ledger verifies: {endorsements.Count} entries", verified.Trim());
        Assert.StartsWith($"ledger verifies: {endorsements.Count} entries", verdictAfterKill);
        foreach (var link in acked)
        {
            using var client = new HttpClient { BaseAddress = server.Address };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/sign/{link.Token}/receipt.json")).StatusCode);
        }

        // Links whose answer never came: signing again signs once (it had not signed) or is refused as used (it had).
        var committedUnacknowledged = inFlight.Count(l => endorsements.Contains(l.Reference));
        foreach (var link in inFlight)
        {
            using var browser = Browser(server.Address);
            var page = await browser.GetAsync($"/sign/{link.Token}");
            var signedBefore = endorsements.Contains(link.Reference);
            if (signedBefore)
            {
                Assert.Equal(HttpStatusCode.Redirect, page.StatusCode); // straight to the receipt
                continue;
            }
            var html = await page.Content.ReadAsStringAsync();
            var posted = await browser.PostAsync($"/sign/{link.Token}", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Confirm"] = "true", ["Mandate"] = "Statutair directeur", ["__RequestVerificationToken"] = AntiforgeryField().Match(html).Groups[1].Value,
            }));
            Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        }
        // The rest sign after the restart; the chain goes on from where the kill left it.
        foreach (var link in queue)
        {
            using var browser = Browser(server.Address);
            var html = await browser.GetStringAsync($"/sign/{link.Token}");
            var posted = await browser.PostAsync($"/sign/{link.Token}", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Confirm"] = "true", ["Mandate"] = "Statutair directeur", ["__RequestVerificationToken"] = AntiforgeryField().Match(html).Groups[1].Value,
            }));
            Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        }
        var finalPath = Path.Combine(server.Folder, $"ledger-{studyId}-final.json");
        var (finalLedger, verdict) = await LedgerWithVerdictAsync(server.Address, studyId, finalPath);
        var final = Endorsements(finalLedger);
        Assert.Equal(links.Select(l => l.Reference).Order(), final.Order());
        Assert.StartsWith($"ledger verifies: {Signatories} entries", verdict); // LedgerVerifier, in the server (delphi verify ran above)
        Assert.Equal("ok", Stored.IntegrityCheck(server.DatabasePath));

        output.WriteLine($"Kill while signing: {acked.Count} signatures acknowledged (303) before SIGKILL, {lost.Count} lost; " +
                         $"{inFlight.Count} in flight ({committedUnacknowledged} had been committed, their links now open the receipt; " +
                         $"{inFlight.Count - committedUnacknowledged} were not, signing again stored them once); duplicates 0; " +
                         $"the ledger verifies after the restart (delphi verify) and with all {Signatories} (LedgerVerifier); " +
                         $"{clock.Elapsed.TotalSeconds:0.0} s (set-up {setUp.TotalSeconds:0.0}, signing until the kill {(killed - setUp).TotalSeconds:0.0}, restart {(restarted - killed).TotalSeconds:0.0}).");
    }

    private sealed record Link(string Reference, string Token)
    {
        public override string ToString() => Reference;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>A signatory's browser: cookies (the anti-forgery one), no redirects followed.</summary>
    private static HttpClient Browser(Uri address) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>A study with round 1 answered and closed, its vision frozen, and <see cref="Signatories"/> signatories invited.</summary>
    private static async Task<(long StudyId, IReadOnlyList<Link> Links)> FrozenStudyAsync(Uri address, string token)
    {
        var study = await Api.StudyAsync(address, token, participants: 4);
        foreach (var (_, participant) in study.Participants)
        {
            using var p = Api.Client(address, participant);
            await Api.Expect(await p.PostAsJsonAsync($"/api/v1/rounds/{study.RoundId}/answers", new { itemId = study.ItemIds[0], value = 5 }, Api.Web), HttpStatusCode.Created);
        }
        using var f = Api.Client(address, token);
        await Api.Expect(await f.PostAsync($"/api/v1/rounds/{study.RoundId}/close", null), HttpStatusCode.OK);
        await Api.Expect(await f.PostAsJsonAsync($"/api/v1/studies/{study.StudyId}/vision/drafts", new
        {
            title = "Visie", statements = new object[] { new { text = "Samen van het gas af.", itemIds = new[] { study.ItemIds[0] } } },
        }, Api.Web), HttpStatusCode.Created);
        await Api.Expect(await f.PostAsync($"/api/v1/studies/{study.StudyId}/vision/freeze", null), HttpStatusCode.Created);
        var links = new List<Link>();
        for (var i = 0; i < Signatories; i++)
        {
            var created = await Api.Expect(await f.PostAsJsonAsync($"/api/v1/studies/{study.StudyId}/signatories",
                new { name = $"Ondertekenaar {i}", organisation = $"Organisatie {i}", role = "Directeur", email = $"s{i}@example.org" }, Api.Web), HttpStatusCode.Created);
            links.Add(new Link(created.GetProperty("reference").GetString()!, created.GetProperty("token").GetString()!));
        }
        return (study.StudyId, links);
    }

    /// <summary>The public ledger, also written to <paramref name="path"/> for <c>delphi verify</c>.</summary>
    /// <summary>The public ledger and the server's own verdict on it (<c>X-Ledger-Verification</c>, from <c>LedgerVerifier</c>).</summary>
    private static async Task<(JsonElement Ledger, string Verdict)> LedgerWithVerdictAsync(Uri address, long studyId, string path)
    {
        using var client = new HttpClient { BaseAddress = address };
        using var response = await client.GetAsync($"/api/v1/studies/{studyId}/ledger");
        var text = await Api.Expect(response, HttpStatusCode.OK);
        await File.WriteAllTextAsync(path, text.GetRawText());
        return (text, string.Join("", response.Headers.GetValues("X-Ledger-Verification")));
    }

    /// <summary>The signatory references of the ledger's endorsement entries, in ledger order.</summary>
    private static List<string> Endorsements(JsonElement ledger) =>
        ledger.GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "endorsement")
            .Select(e => e.GetProperty("signatory").GetString()!).ToList();
}
