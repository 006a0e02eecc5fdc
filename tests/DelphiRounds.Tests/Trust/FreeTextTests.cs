using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Testing;
using Xunit.Abstractions;

namespace DelphiRounds.Tests.Trust;

/// <summary>
/// Free text of the later features — item kinds (units, ranking options, open answers), rewording reasons,
/// moderation reasons, the vision's Markdown, review objections, signatories and withdrawals — is stored as
/// written, given back exactly by the API, and shown encoded on every page (Markdown without raw HTML or
/// script links).
/// </summary>
public sealed partial class FreeTextTests(DelphiApp app, ITestOutputHelper output) : IClassFixture<DelphiApp>
{
    // Direction overrides and zero-width characters are refused in names and removed from free text: DisplaySpoofingTests.
    private const string Hostile = "<script>alert('x')</script> '; DROP TABLE answers; -- \"quoted\" & <b>bold</b> evil 🥶";
    private const string Unit = "<b>bold</b>";

    /// <summary>Markdown that tries raw HTML, a script link, a link to another site that looks local, and a tracking image.</summary>
    private const string Markdown = Hostile + "\n\n[klik](javascript:alert('x')) [elders](/\\evil.example/) ![beeld](https://tracker.example/p.png) <img src=x onerror=alert('x')>";

    /// <summary>Markup that would act: an image (from elsewhere), a script, a script link, a link to another site that looks local, an event handler.</summary>
    [GeneratedRegex(@"<img\b|<script\b[^>]*>alert|href=""\s*javascript:|href=""/\\|<[a-z][^>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex Dangerous();

    [Fact]
    public async Task Texts_of_items_arguments_vision_review_and_endorsement_are_stored_as_written_and_shown_encoded()
    {
        var cast = await TrustCast.CreateAsync(app);
        using var api = cast.Api(cast.A);
        var study = await Scenario.Expect(await api.PostJsonAsync("/api/v1/studies", new
        {
            title = "Vrije tekst", groups = new[] { new { name = "Netbeheerders", slug = "grid" }, new { name = "Bewoners", slug = "residents" } },
        }), HttpStatusCode.Created);
        var studyId = study.GetProperty("id").GetInt64();
        var participants = new List<string>();
        foreach (var group in new[] { "grid", "residents" })
            for (var i = 0; i < 2; i++)
                participants.Add((await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/participants", new { group }), HttpStatusCode.Created))
                    .GetProperty("token").GetString()!);
        async Task<long> ItemAsync(object body) =>
            (await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/items", body), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var rating = await ItemAsync(new { kind = "rating", text = new { nl = Hostile }, scale = new { min = 1, max = 5 } });
        var numeric = await ItemAsync(new { kind = "numeric", text = new { nl = Hostile }, unit = Unit, rangeMin = 0, rangeMax = 100 });
        var ranking = await ItemAsync(new { kind = "ranking", text = new { nl = Hostile }, options = new[] { new { key = "a", nl = Hostile, en = Hostile }, new { key = "b", nl = "Tweede", en = "Second" } } });
        var open = await ItemAsync(new { kind = "text", text = new { nl = Hostile, en = Hostile } });

        // Round 1: answers of every kind, with rationales; one argument hidden with a reason.
        var round1 = await OpenRoundAsync(api, studyId);
        var p0 = participants[0];
        await Answer(p0, round1, new { itemId = rating, value = 4, rationale = Hostile });
        await Answer(p0, round1, new { itemId = numeric, value = 40, rationale = Hostile });
        await Answer(p0, round1, new { itemId = ranking, ranks = new Dictionary<string, double> { ["a"] = 1, ["b"] = 2 } });
        await Answer(p0, round1, new { itemId = open, text = Hostile });
        var hidden = await Answer(participants[1], round1, new { itemId = rating, value = 2, rationale = Hostile + " (verborgen)" });
        await Scenario.Expect(await api.PostJsonAsync($"/api/v1/arguments/{hidden}/hide", new { reason = Hostile }), HttpStatusCode.NoContent);
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{round1}/close", null), HttpStatusCode.OK);

        // Between the rounds: a rewording with its reason (the changelog participants see), then round 2.
        await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/items/{rating}/reword",
            new { text = new { nl = Hostile + " (2)" }, reason = new { nl = Hostile, en = Hostile } }), HttpStatusCode.OK);
        var round2 = await OpenRoundAsync(api, studyId);
        await Answer(p0, round2, new { itemId = rating, value = 5, rationale = Hostile });

        // The vision in Markdown, under review; an objection with its reason.
        var draft = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/vision/drafts", new
        {
            title = Hostile, preamble = Markdown, statements = new[] { new { text = Markdown, itemIds = new[] { rating } } },
        }), HttpStatusCode.Created);
        var statementId = draft.GetProperty("statements")[0].GetProperty("id").GetInt64();
        await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{studyId}/vision/review/open", null), HttpStatusCode.OK);
        await Scenario.Expect(await app.Client(p0).PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId, position = "object", reason = Hostile }), HttpStatusCode.Created);

        var facilitator = cast.Client((TrustCast.CookieName, cast.A.Cookie));
        var participant = cast.Client(("delphi.participant", await cast.ParticipantCookieAsync(p0)));
        var shown = new List<string>();
        var checkedPages = 0;
        async Task CheckPagesAsync(string? link)
        {
            foreach (var route in TrustRoutes.All(app.Services).Where(r => r.IsPage && r.Method == "GET"))
            {
                var url = TrustRoutes.Url(route.Route, n => n switch
                {
                    "studyId" => studyId.ToString(),
                    "token" => link ?? "dls_" + new string('Z', 43),
                    "participantId" => "1",
                    _ => TrustWorld.RouteValue(n, new StudyData(studyId, round2, [rating], [], [], [])),
                });
                foreach (var (who, client) in new[] { ("facilitator", facilitator), ("participant", participant), ("anyone", cast.Client()) })
                {
                    using var response = await client.GetAsync(url);
                    if (response.Content.Headers.ContentType?.MediaType != "text/html") continue;
                    var html = await response.Content.ReadAsStringAsync();
                    checkedPages++;
                    Assert.DoesNotContain("<b>bold</b>", html);
                    var danger = Dangerous().Match(html);
                    Assert.False(danger.Success, $"{url} as {who}: {danger.Value} in {html[Math.Max(0, danger.Index - 200)..Math.Min(html.Length, danger.Index + 200)]}");
                    if (html.Contains("&lt;script&gt;alert(", StringComparison.Ordinal)) shown.Add($"{route.Route} ({who})");
                }
            }
        }
        await CheckPagesAsync(null);

        // The end: rounds closed, the vision frozen, a signatory signs and withdraws with a reason.
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{round2}/close", null), HttpStatusCode.OK);
        await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{studyId}/vision/freeze", null), HttpStatusCode.Created);
        var signatory = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/signatories",
            new { name = Hostile, organisation = Hostile, role = Hostile, email = "signer@example.org" }), HttpStatusCode.Created);
        var link = signatory.GetProperty("token").GetString()!;
        var browser = cast.Client();
        await cast.SignAsync(link, browser);
        var receipt = await browser.GetStringAsync($"/sign/{link}/receipt");
        using (var withdrawn = await browser.PostAsync($"/sign/{link}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["ConfirmWithdraw"] = "true", ["Reason"] = Hostile, ["__RequestVerificationToken"] = TrustCast.Antiforgery(receipt)!,
               })))
            Assert.Equal(HttpStatusCode.SeeOther, withdrawn.StatusCode);
        await CheckPagesAsync(link);
        output.WriteLine($"{checkedPages} pages checked; the hostile text was shown encoded on: {string.Join(", ", shown.Distinct())}");
        foreach (var expected in new[]
                 {
                     "/p (participant)", "/p/vision (participant)", "/f/studies/{studyId}/vision (facilitator)", "/f/studies/{studyId}/items (facilitator)",
                     "/f/studies/{studyId}/vision/signatories (facilitator)", "/sign/{token}/receipt (anyone)", "/verify/{studyId} (anyone)",
                 })
            Assert.Contains(expected, shown);

        // Stored exactly as written.
        foreach (var (sql, value) in new (string, string)[]
                 {
                     ($"SELECT text_nl FROM items WHERE id = {ranking}", Hostile),
                     ($"SELECT unit FROM items WHERE id = {numeric}", Unit),
                     ($"SELECT rationale FROM answers WHERE item_id = {numeric}", Hostile),
                     ($"SELECT reason FROM argument_moderation WHERE answer_id = {hidden}", Hostile),
                     ($"SELECT reason_nl FROM item_changes WHERE item_id = {rating}", Hostile),
                     ($"SELECT title FROM vision_drafts WHERE study_id = {studyId}", Hostile),
                     ($"SELECT preamble FROM vision_drafts WHERE study_id = {studyId}", Markdown),
                     ($"SELECT text FROM vision_statements WHERE id = {statementId}", Markdown),
                     ($"SELECT reason FROM vision_review_answers WHERE statement_id = {statementId}", Hostile),
                     ($"SELECT i.name FROM signatory_identities i JOIN signatories s ON s.id = i.signatory_id WHERE s.study_id = {studyId}", Hostile),
                     ($"SELECT organisation || role FROM signatories WHERE study_id = {studyId}", Hostile + Hostile),
                     ($"SELECT reason FROM ledger_entries WHERE study_id = {studyId} AND kind = 'withdrawal'", Hostile),
                 })
            Assert.True(DatabaseDump.Text(app.DatabasePath, sql) == value, $"not stored as written: {sql}");
        var detail = JsonDocument.Parse(DatabaseDump.Text(app.DatabasePath, $"SELECT detail_json FROM answers WHERE item_id = {open}")).RootElement;
        Assert.Equal(Hostile, detail.GetProperty("text").GetString());
        var options = JsonDocument.Parse(DatabaseDump.Text(app.DatabasePath, $"SELECT options_json FROM items WHERE id = {ranking}")).RootElement;
        Assert.Equal(Hostile, options[0].GetProperty("nl").GetString());

        // Given back exactly by the API (JSON-escaped), the public ledger and document included.
        var vision = await Scenario.Expect(await api.GetAsync($"/api/v1/studies/{studyId}/vision"), HttpStatusCode.OK);
        Assert.Equal(Hostile, vision.GetProperty("latest").GetProperty("title").GetString());
        Assert.Equal(Markdown, vision.GetProperty("latest").GetProperty("preamble").GetString());
        var ledger = await Scenario.Expect(await app.Client().GetAsync($"/api/v1/studies/{studyId}/ledger"), HttpStatusCode.OK);
        Assert.All(ledger.GetProperty("entries").EnumerateArray(), e => Assert.Equal(Hostile, e.GetProperty("organisation").GetString()));
        var document = JsonDocument.Parse(ledger.GetProperty("document").GetProperty("canonical").GetString()!).RootElement;
        Assert.Equal(Hostile, document.GetProperty("vision").GetProperty("title").GetString());
        Assert.Equal(Markdown, document.GetProperty("vision").GetProperty("preamble").GetString());
        var arguments = await Scenario.Expect(await app.Client(p0).GetAsync($"/api/v1/rounds/{round2}/arguments"), HttpStatusCode.OK);
        Assert.Contains(arguments.EnumerateArray(), a => a.GetProperty("rationale").GetString() == Hostile);
    }

    private static async Task<long> OpenRoundAsync(HttpClient api, long studyId)
    {
        var round = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { mode = "live" }), HttpStatusCode.Created);
        var id = round.GetProperty("id").GetInt64();
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{id}/open", null), HttpStatusCode.OK);
        return id;
    }

    private async Task<long> Answer(string token, long roundId, object body) =>
        (await Scenario.Expect(await Scenario.AnswerAsync(app, token, roundId, body), HttpStatusCode.Created)).GetProperty("id").GetInt64();
}
