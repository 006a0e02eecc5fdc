using System.Net;
using System.Net.Http.Headers;
using DelphiRounds.Testing;
using Xunit.Abstractions;

namespace DelphiRounds.Tests.Trust;

/// <summary>
/// Replayed and misused signing links: a spent link posted again, a replaced or erased one, a link of another
/// study, a signing link where another credential belongs and the other way round — each refused, and the
/// database exactly as it was. Opening a link (GET, HEAD, with any query) never signs.
/// </summary>
public sealed class SigningLinkTests(DelphiApp app, ITestOutputHelper output) : IClassFixture<DelphiApp>
{
    private static FormUrlEncodedContent Confirmed(string antiforgery) => new(new Dictionary<string, string>
    {
        ["Confirm"] = "true", ["Mandate"] = "Statutair directeur", ["__RequestVerificationToken"] = antiforgery,
    });

    [Fact]
    public async Task A_spent_link_posted_again_signs_nothing_more_and_changes_nothing()
    {
        var cast = await TrustCast.CreateAsync(app);
        var endorsed = await cast.EndorsedAsync(cast.A);
        using var watch = new DatabaseWatch(app.DatabasePath);
        var link = endorsed.InvitedLink;

        // The signatory's own browser: open, confirm, reach the receipt.
        var browser = cast.Client();
        var page = await browser.GetStringAsync($"/sign/{link}");
        var token = TrustCast.Antiforgery(page)!;
        using (var signed = await browser.PostAsync($"/sign/{link}", Confirmed(token)))
        {
            Assert.Equal(HttpStatusCode.SeeOther, signed.StatusCode);
            Assert.Equal($"/sign/{link}/receipt", signed.Headers.Location!.OriginalString);
        }
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/sign/{link}/receipt")).StatusCode);
        var entries = LedgerRows(endorsed.StudyId);
        Assert.Equal(3, entries); // the signatory of the world, its commitment on the agenda, and this one

        // The very same form again (a double click, a reload, a replay by someone who saw the request), and from another browser.
        var after = watch.Look();
        var refused = 0;
        foreach (var attempt in new Func<Task<HttpResponseMessage>>[]
                 {
                     () => browser.PostAsync($"/sign/{link}", Confirmed(token)),
                     async () =>
                     {
                         var other = cast.Client();
                         var otherPage = await other.GetAsync($"/sign/{link}");
                         Assert.Equal(HttpStatusCode.Redirect, otherPage.StatusCode); // a spent link shows the receipt
                         var login = await other.GetStringAsync("/login");
                         return await other.PostAsync($"/sign/{link}", Confirmed(TrustCast.Antiforgery(login)!));
                     },
                 })
        {
            using var response = await attempt();
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains($"/sign/{link}/receipt", await response.Content.ReadAsStringAsync());
            Assert.Null(watch.Changed(after));
            refused++;
        }
        Assert.Equal(entries, LedgerRows(endorsed.StudyId));
        Assert.Equal(1L, DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(*) FROM ledger_entries WHERE signatory_id = {endorsed.InvitedSignatoryId} AND kind = 'endorsement'"));
        output.WriteLine($"A spent link posted again: {refused} replays refused with 409, the ledger unchanged.");
    }

    [Fact]
    public async Task Opening_a_link_never_signs_whatever_the_method_or_query()
    {
        var cast = await TrustCast.CreateAsync(app);
        var endorsed = await cast.EndorsedAsync(cast.A);
        using var watch = new DatabaseWatch(app.DatabasePath);
        var before = watch.Look();
        var link = endorsed.InvitedLink;
        var browser = cast.Client();
        foreach (var url in new[]
                 {
                     $"/sign/{link}", $"/sign/{link}?Confirm=true", $"/sign/{link}?handler=Sign&Confirm=true", $"/sign/{link}?handler=&Confirm=on",
                     $"/sign/{link}/receipt", $"/sign/{link}/receipt?handler=Withdraw&ConfirmWithdraw=true", $"/sign/{link}/receipt.json",
                 })
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                using var response = await browser.SendAsync(new HttpRequestMessage(method, url));
                Assert.True((int)response.StatusCode < 500, $"{method} {url}: {(int)response.StatusCode}");
                Assert.True(watch.Changed(before) is null, $"{method} {url} changed the database: {watch.Changed(before)}");
            }
        }
        // A mail scanner that follows the link and the links on its page (the receipt, the verification page).
        var page = await browser.GetStringAsync($"/sign/{link}");
        Assert.Contains("name=\"Confirm\"", page);
        Assert.Null(watch.Changed(before));
        Assert.Equal("", DatabaseDump.Text(app.DatabasePath, $"SELECT spent_at FROM signatories WHERE id = {endorsed.InvitedSignatoryId}"));
        // The link still signs, once, with the form.
        await cast.SignAsync(link, browser);
        Assert.NotEqual("", DatabaseDump.Text(app.DatabasePath, $"SELECT spent_at FROM signatories WHERE id = {endorsed.InvitedSignatoryId}"));
    }

    [Fact]
    public async Task Replaced_erased_foreign_and_wrong_kind_links_are_refused_and_change_nothing()
    {
        var cast = await TrustCast.CreateAsync(app);
        var world = await cast.NewWorldAsync();
        var (a, b) = (world.A.Endorsed!, world.B.Endorsed!);
        // A signatory of A whose data were erased before signing.
        string erasedLink;
        using (var api = cast.Api(cast.A))
        {
            var erased = await VisionRegisterAsync(api, a.StudyId, "Gewist Bedrijf");
            await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{a.StudyId}/signatories/{erased.Id}/erase", null), HttpStatusCode.OK);
            erasedLink = erased.Token;
        }
        using var watch = new DatabaseWatch(app.DatabasePath);
        var ledgerA = LedgerDump(a.StudyId);
        var anonymous = cast.Client();
        var antiforgery = TrustCast.Antiforgery(await anonymous.GetStringAsync("/login"))!;
        var failures = new List<string>();
        var tried = 0;

        async Task Refused(string what, Func<Task<HttpResponseMessage>> send, params HttpStatusCode[] statuses)
        {
            tried++;
            var before = watch.Look();
            using var response = await send();
            if (!statuses.Contains(response.StatusCode)) failures.Add($"{what}: {(int)response.StatusCode}, expected {string.Join("/", statuses.Select(s => (int)s))}");
            if (watch.Changed(before) is { } change) failures.Add($"{what}: the database changed: {change}");
        }

        // Links that no longer sign, or never did: posting the signing form, withdrawing, the receipt.
        foreach (var (label, link) in new[]
                 {
                     ("a replaced link", a.ReplacedLink), ("an erased signatory's link", erasedLink),
                     ("a link never issued", Kernel.Secrets.NewToken(Endorsement.EndorsementStore.TokenPrefix)),
                     ("a participant's invitation token", world.A.Participants[0].Token), ("a facilitator's API token", cast.A.Token),
                     ("a link with one character changed", a.SigningLink[..^1] + (a.SigningLink[^1] == 'A' ? 'B' : 'A')),
                     ("SQL in the link", "dls_' OR '1'='1"),
                 })
        {
            await Refused($"sign with {label}", () => anonymous.PostAsync($"/sign/{Uri.EscapeDataString(link)}", Confirmed(antiforgery)), HttpStatusCode.NotFound);
            await Refused($"withdraw with {label}", () => anonymous.PostAsync($"/sign/{Uri.EscapeDataString(link)}/receipt?handler=Withdraw",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["ConfirmWithdraw"] = "true", ["__RequestVerificationToken"] = antiforgery })), HttpStatusCode.NotFound);
            await Refused($"receipt of {label}", () => anonymous.GetAsync($"/sign/{Uri.EscapeDataString(link)}/receipt"), HttpStatusCode.NotFound);
            await Refused($"receipt.json of {label}", () => anonymous.GetAsync($"/sign/{Uri.EscapeDataString(link)}/receipt.json"), HttpStatusCode.NotFound);
        }
        // The signatory's spent link of study A, withdrawn twice: the second is refused.
        var signatory = world.Clients[Role.Signatory];
        var withdrawForm = new Dictionary<string, string> { ["ConfirmWithdraw"] = "true", ["__RequestVerificationToken"] = (await signatory.AntiforgeryAsync())! };
        using (var first = await signatory.Http.PostAsync($"/sign/{a.SigningLink}/receipt?handler=Withdraw", new FormUrlEncodedContent(withdrawForm)))
            Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        ledgerA = LedgerDump(a.StudyId);
        await Refused("withdraw a second time", () => signatory.Http.PostAsync($"/sign/{a.SigningLink}/receipt?handler=Withdraw", new FormUrlEncodedContent(withdrawForm)), HttpStatusCode.Conflict);

        // A link of another study: no credential anywhere in study A, and signing with it touches only its own study.
        foreach (var (label, url, method) in new[]
                 {
                     ("B's link as the bearer of A's signatories", $"/api/v1/studies/{a.StudyId}/signatories", HttpMethod.Get),
                     ("B's link as the bearer of A's erasure", $"/api/v1/studies/{a.StudyId}/signatories/{a.InvitedSignatoryId}/erase", HttpMethod.Post),
                     ("B's link as the bearer of an answer in A", $"/api/v1/rounds/{world.A.RoundId}/answers", HttpMethod.Post),
                     ("B's link as the bearer of A's vision review", "/api/v1/vision/review", HttpMethod.Get),
                 })
        {
            await Refused(label, () =>
            {
                var request = new HttpRequestMessage(method, url);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", b.InvitedLink);
                if (method == HttpMethod.Post) request.Content = JsonContent(new { itemId = world.A.ItemIds[0], value = 3 });
                return anonymous.SendAsync(request);
            }, HttpStatusCode.Unauthorized);
        }
        await Refused("B's link as a participant's invitation link", async () =>
        {
            var browser = cast.Client();
            var response = await browser.GetAsync($"/p/{b.InvitedLink}");
            var home = await browser.GetAsync("/p");
            Assert.Equal(HttpStatusCode.Redirect, home.StatusCode); // no participant session came of it
            Assert.Contains("/p/welcome-back", home.Headers.Location!.OriginalString);
            return response;
        }, HttpStatusCode.NotFound, HttpStatusCode.Redirect, HttpStatusCode.BadRequest);
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Signing with B's link appends to B's ledger only, against B's document; A's ledger is as it was.
        await cast.SignAsync(b.InvitedLink);
        Assert.Equal(ledgerA, LedgerDump(a.StudyId));
        var documentB = DatabaseDump.Text(app.DatabasePath, $"SELECT document_hash FROM vision_documents WHERE study_id = {b.StudyId}");
        Assert.Equal(documentB, DatabaseDump.Text(app.DatabasePath,
            $"SELECT document_hash FROM ledger_entries WHERE signatory_id = {b.InvitedSignatoryId} AND kind = 'endorsement'"));
        output.WriteLine($"Misused signing links: {tried} requests refused, the database unchanged by each.");
    }

    [Fact]
    public async Task A_receipt_opened_with_an_unknown_link_is_not_found_and_one_not_yet_used_leads_to_signing()
    {
        var cast = await TrustCast.CreateAsync(app);
        var endorsed = await cast.EndorsedAsync(cast.A);
        var browser = cast.Client();
        using var unknown = await browser.GetAsync($"/sign/{endorsed.ReplacedLink}/receipt");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var unsigned = await browser.GetAsync($"/sign/{endorsed.InvitedLink}/receipt");
        Assert.Equal(HttpStatusCode.Redirect, unsigned.StatusCode);
        Assert.Equal($"/sign/{endorsed.InvitedLink}", unsigned.Headers.Location!.OriginalString);
        using var signed = await browser.GetAsync($"/sign/{endorsed.SigningLink}/receipt");
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
    }

    private static async Task<(long Id, string Token)> VisionRegisterAsync(HttpClient api, long studyId, string organisation)
    {
        var created = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/signatories",
            new { name = "Iemand", organisation, role = "Directeur", email = "iemand@example.org" }), HttpStatusCode.Created);
        return (created.GetProperty("id").GetInt64(), created.GetProperty("token").GetString()!);
    }

    private static HttpContent JsonContent(object body) => System.Net.Http.Json.JsonContent.Create(body, options: Json.Web);

    private long LedgerRows(long studyId) => DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {studyId}");

    /// <summary>A study's ledger rows and signed heads, as text.</summary>
    private string LedgerDump(long studyId)
    {
        var join = DatabaseDump.IsPostgres(app.DatabasePath) ? "string_agg" : "GROUP_CONCAT";
        return DatabaseDump.Text(app.DatabasePath, $"SELECT {join}(entry_hash, ',') FROM (SELECT entry_hash FROM ledger_entries WHERE study_id = {studyId} ORDER BY sequence) AS e") + "|" +
            DatabaseDump.Text(app.DatabasePath, $"SELECT {join}(signature, ',') FROM (SELECT signature FROM ledger_heads WHERE study_id = {studyId} ORDER BY sequence) AS h");
    }
}
