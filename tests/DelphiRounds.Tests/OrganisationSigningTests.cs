using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Signing per organisation (issue 18, item 6): signatories of the panel's organisations or outside parties, the mandate they
/// state, co-signing, four eyes, withdrawal, the verification page per organisation, bad input and erasure. Runs on SQLite
/// and, with DELPHI_TEST_POSTGRES, on PostgreSQL.
/// </summary>
public sealed partial class OrganisationSigningTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static string Antiforgery(string html) => AntiforgeryField().Match(html).Groups[1].Value;

    private long Count(string sql) => DatabaseDump.Count(app.DatabasePath, sql);

    private static string[] ErrorKeys(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();

    private static async Task<long> OrganisationAsync(Scenario s, string name, string group) =>
        (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/organisations", new { name, group }), HttpStatusCode.Created))
        .GetProperty("id").GetInt64();

    private static Task<HttpResponseMessage> RegisterAsync(Scenario s, object body) =>
        s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/signatories", body);

    private static async Task<JsonElement> RegisteredAsync(Scenario s, object body) => await Scenario.Expect(await RegisterAsync(s, body), HttpStatusCode.Created);

    /// <summary>Opens a link and posts its form as a browser without script would (Dutch unless <paramref name="english"/>).</summary>
    /// <remarks>A link whose page shows no form (nothing to confirm yet, or confirmed) takes its anti-forgery token from the login page.</remarks>
    private async Task<HttpResponseMessage> PostLinkAsync(string token, string? mandate, bool confirm = true, bool english = false, bool formless = false)
    {
        var browser = app.Client(followRedirects: false);
        if (english) browser.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));
        var page = await browser.GetStringAsync(formless ? "/login" : $"/sign/{token}");
        var form = new Dictionary<string, string> { ["__RequestVerificationToken"] = Antiforgery(page) };
        if (confirm) form["Confirm"] = "true";
        if (mandate is not null) form["Mandate"] = mandate;
        return await browser.PostAsync($"/sign/{token}", new FormUrlEncodedContent(form));
    }

    private async Task WithdrawAsync(string token, string reason)
    {
        var browser = app.Client(followRedirects: false);
        var receipt = await browser.GetStringAsync($"/sign/{token}/receipt");
        var withdrawn = await browser.PostAsync($"/sign/{token}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ConfirmWithdraw"] = "true", ["Reason"] = reason, ["__RequestVerificationToken"] = Antiforgery(receipt),
        }));
        Assert.True(withdrawn.StatusCode is HttpStatusCode.SeeOther or HttpStatusCode.Redirect, $"withdrawal: {withdrawn.StatusCode}");
    }

    /// <summary>The verification page's rows per organisation: name → (state, on panel).</summary>
    private async Task<(Dictionary<string, (string State, string OnPanel)> Rows, string Html)> OrganisationRowsAsync(long studyId, bool english = false)
    {
        var client = app.Client();
        if (english) client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));
        var html = await client.GetStringAsync($"/verify/{studyId}");
        var rows = Regex.Matches(html, "data-organisation-state=\"([^\"]+)\" data-organisation-name=\"([^\"]+)\" data-on-panel=\"([^\"]*)\"")
            .ToDictionary(m => WebUtility.HtmlDecode(m.Groups[2].Value), m => (m.Groups[1].Value, m.Groups[3].Value));
        return (rows, html);
    }

    [Fact]
    public async Task Fifteen_organisations_sign_co_signers_and_an_outside_party_one_withdraws_and_delphi_verify_accepts_the_ledger()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 0);
        var s = v.Study;
        var ids = new List<long>();
        for (var i = 1; i <= 16; i++) ids.Add(await OrganisationAsync(s, $"Partij {i:00} (test)", i % 2 == 0 ? "housing" : "grid-operators"));
        var tokens = new List<string>();
        for (var i = 0; i < 15; i++)
        {
            var created = await RegisteredAsync(s, new { name = $"Ondertekenaar {i + 1}", organisationId = ids[i], role = "Directeur", email = $"teken{i + 1}@example.org",
                mandate = "Statutair directeur" });
            Assert.True(created.GetProperty("onPanel").GetBoolean());
            Assert.Equal(ids[i], created.GetProperty("organisationId").GetInt64());
            Assert.Equal($"Partij {i + 1:00} (test)", created.GetProperty("organisation").GetString());
            tokens.Add(created.GetProperty("token").GetString()!);
        }
        // Two co-signers of Partij 01 and one of Partij 02, and an outside party that is not on the panel.
        var coSigners = new List<string>();
        foreach (var (organisationId, n) in new[] { (ids[0], 1), (ids[0], 2), (ids[1], 3) })
            coSigners.Add((await RegisteredAsync(s, new { name = $"Medeondertekenaar {n}", organisationId, role = "Wethouder", email = $"mede{n}@example.org" }))
                .GetProperty("token").GetString()!);
        var outside = await RegisteredAsync(s, new { name = "Buiten Staander", organisation = "Adviesbureau Buiten (test)", role = "Partner", email = "buiten@example.org" });
        Assert.False(outside.GetProperty("onPanel").GetBoolean());
        Assert.Equal(JsonValueKind.Null, outside.GetProperty("organisationId").ValueKind);

        foreach (var token in tokens.Concat(coSigners).Append(outside.GetProperty("token").GetString()!))
            Assert.Equal(HttpStatusCode.SeeOther, (await PostLinkAsync(token, "Statutair directeur volgens de statuten")).StatusCode);
        await WithdrawAsync(tokens[14], "Het bestuur trekt de steun in.");

        var (rows, html) = await OrganisationRowsAsync(v.StudyId);
        Assert.Equal("co-signed", rows["Partij 01 (test)"].State);
        Assert.Equal("co-signed", rows["Partij 02 (test)"].State);
        Assert.Equal("signed", rows["Partij 03 (test)"].State);
        Assert.Equal("withdrawn", rows["Partij 15 (test)"].State);
        Assert.Equal(("signed", "false"), rows["Adviesbureau Buiten (test)"]);
        Assert.Equal("true", rows["Partij 03 (test)"].OnPanel);
        Assert.False(rows.ContainsKey("Partij 16 (test)")); // the panel's organisations are not public: who did not sign is not shown
        Assert.Contains("data-organisation-count=\"15\"", html); // 14 of the panel and the outside party; co-signatures count once
        Assert.Contains("15 organisaties onderschrijven deze visie.", html);
        Assert.Contains("1 trok de onderschrijving later in.", html);
        Assert.Contains("Bevoegdheid: Statutair directeur volgens de statuten", html);

        // When the study makes its organisations public, the page says who took part but did not sign.
        DatabaseDump.Execute(app.DatabasePath, $"UPDATE studies SET organisations_public = 1 WHERE id = {v.StudyId}");
        var (publicRows, publicHtml) = await OrganisationRowsAsync(v.StudyId);
        Assert.Equal("not-signed", publicRows["Partij 16 (test)"].State);
        Assert.Contains("1 organisatie uit het panel deed mee maar tekende niet.", publicHtml);
        var (englishRows, englishHtml) = await OrganisationRowsAsync(v.StudyId, english: true);
        Assert.Equal(publicRows, englishRows);
        Assert.Contains("15 organisations endorse this vision.", englishHtml);
        Assert.Contains("1 withdrew its endorsement later.", englishHtml);
        Assert.Contains("Took part, did not sign", englishHtml);
        Assert.Contains("not on the panel", englishHtml);

        // The ledger: every endorsement states its mandate and whether its organisation is on the panel; it verifies, in
        // the server and as `delphi verify` from outside, and a changed mandate breaks it.
        var ledger = JsonNode.Parse((await VisionScenario.LedgerAsync(app, v.StudyId)).GetRawText())!;
        var endorsements = ledger["entries"]!.AsArray().Where(e => e!["kind"]!.GetValue<string>() == "endorsement").ToList();
        Assert.Equal(19, endorsements.Count);
        Assert.All(endorsements, e => Assert.Equal("Statutair directeur volgens de statuten", e!["mandate"]!.GetValue<string>()));
        Assert.Equal(18, endorsements.Count(e => e!["onPanel"]!.GetValue<bool>()));
        Assert.True(LedgerVerifier.Verify(ledger).Verifies);
        var folder = Path.Combine(Path.GetTempPath(), "orgsign-ledger-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var file = Path.Combine(folder, "ledger.json");
            await File.WriteAllTextAsync(file, ledger.ToJsonString());
            var ok = await EndorsementCliProcessTests.RunAsync(file);
            Assert.True(ok.Code == 0, ok.Out + ok.Err);
            Assert.StartsWith("ledger verifies: 20 entries", ok.Out.Trim());

            var tampered = ledger.DeepClone();
            tampered["entries"]![2]!["mandate"] = "Niemand";
            await File.WriteAllTextAsync(file, tampered.ToJsonString());
            var bad = await EndorsementCliProcessTests.RunAsync(file);
            Assert.Equal(1, bad.Code);
            Assert.Equal("entry 3 (sequence 3): hash does not match the entry's contents", bad.Out.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_four_eyes_signature_counts_only_once_the_second_person_confirms_with_their_own_link()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 0);
        var s = v.Study;
        var organisationId = await OrganisationAsync(s, "Woonstichting Vier Ogen (test)", "housing");
        var created = await RegisteredAsync(s, new
        {
            name = "Anna Eerste", organisationId, role = "Bestuurder", email = "anna@vierogen.example.org", mandate = "Bestuurder volgens de statuten",
            confirmer = new { name = "Bert Tweede", email = "bert@vierogen.example.org", role = "Voorzitter raad van commissarissen" },
        });
        var signToken = created.GetProperty("token").GetString()!;
        var confirmer = created.GetProperty("confirmer");
        var confirmToken = confirmer.GetProperty("token").GetString()!;
        Assert.EndsWith($"/sign/{confirmToken}", confirmer.GetProperty("confirmationUrl").GetString());
        long Entries() => Count($"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {v.StudyId}");

        // Before the signatory signed, the second person's link shows that there is nothing to confirm, and confirms nothing.
        var early = await app.Client().GetStringAsync($"/sign/{confirmToken}");
        Assert.Contains("data-awaiting-signature", early);
        Assert.Equal(HttpStatusCode.Conflict, (await PostLinkAsync(confirmToken, "Voorzitter RvC", formless: true)).StatusCode);
        Assert.Equal(0, Entries());
        // The second person's link cannot sign, and the signatory's own link is pre-filled with the registered mandate.
        var signPage = await app.Client().GetStringAsync($"/sign/{signToken}");
        Assert.Contains("value=\"Bestuurder volgens de statuten\"", signPage);
        Assert.Contains("data-four-eyes", signPage);

        Assert.Equal(HttpStatusCode.SeeOther, (await PostLinkAsync(signToken, "Bestuurder volgens de statuten")).StatusCode);
        var (rows, html) = await OrganisationRowsAsync(v.StudyId);
        Assert.Equal("awaiting-confirmation", rows["Woonstichting Vier Ogen (test)"].State);
        Assert.Contains("data-organisation-count=\"0\"", html);
        Assert.Contains("Nog geen organisatie onderschrijft deze visie.", html);
        var list = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/signatories"), HttpStatusCode.OK);
        Assert.Equal("awaiting-confirmation", list.EnumerateArray().Single(x => x.GetProperty("id").GetInt64() == created.GetProperty("id").GetInt64()).GetProperty("state").GetString());

        // The second person states their mandate too: without it nothing is stored, and the link stays unspent.
        var noMandate = await PostLinkAsync(confirmToken, "  ");
        Assert.Equal(HttpStatusCode.BadRequest, noMandate.StatusCode);
        Assert.Contains("Vul uw bevoegdheid in", await noMandate.Content.ReadAsStringAsync());
        Assert.Equal(1, Entries());
        var confirmed = await PostLinkAsync(confirmToken, "Voorzitter raad van commissarissen", english: true);
        Assert.Equal(HttpStatusCode.SeeOther, confirmed.StatusCode);
        var done = app.Client();
        done.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));
        Assert.Contains("It now counts.", await done.GetStringAsync($"/sign/{confirmToken}"));
        Assert.Equal(HttpStatusCode.Conflict, (await PostLinkAsync(confirmToken, "Nog eens", formless: true)).StatusCode);
        Assert.Equal(2, Entries());

        (rows, html) = await OrganisationRowsAsync(v.StudyId);
        Assert.Equal("signed", rows["Woonstichting Vier Ogen (test)"].State);
        Assert.Contains("1 organisatie onderschrijft deze visie.", html);
        Assert.Contains("data-confirmed", html);

        var ledger = JsonNode.Parse((await VisionScenario.LedgerAsync(app, v.StudyId)).GetRawText())!;
        var entries = ledger["entries"]!.AsArray();
        Assert.True(entries[0]!["fourEyes"]!.GetValue<bool>());
        Assert.Equal("confirmation", entries[1]!["kind"]!.GetValue<string>());
        Assert.Equal(1, entries[1]!["confirms"]!.GetValue<long>());
        Assert.Equal("Voorzitter raad van commissarissen", entries[1]!["mandate"]!.GetValue<string>());
        Assert.True(LedgerVerifier.Verify(ledger).Verifies, LedgerVerifier.Verify(ledger).Message);
        var unconfirmed = ledger.DeepClone();
        unconfirmed["entries"]![0]!.AsObject().Remove("fourEyes");
        Assert.Equal("entry 1 (sequence 1): hash does not match the entry's contents", LedgerVerifier.Verify(unconfirmed).Message);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_the_field_named_and_nothing_stored()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 0);
        var s = v.Study;
        var stad = await OrganisationAsync(s, "Netbeheerder Stad (test)", "grid-operators");
        var woon = await OrganisationAsync(s, "Woonstichting (test)", "housing");
        var elsewhere = await Scenario.CreateAsync(app, perGroup: 1, open: false, facilitatorToken: s.FacilitatorToken);
        var foreign = await OrganisationAsync(elsewhere, "Netbeheerder Elders (test)", "grid-operators");
        // grid-operators 0 of the panel belongs to Netbeheerder Stad.
        var member = s.Participants.First(p => p.Group == "grid-operators").Id;
        Assert.Equal(HttpStatusCode.NoContent, (await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/organisations/members/{member}",
            new { organisationId = stad }, Json.Web)).StatusCode);
        await RegisteredAsync(s, new { name = "Eerste", organisationId = stad, role = "Directeur", email = "eerste@example.org" });
        string Signatories() => DatabaseDump.Text(app.DatabasePath,
            $"SELECT COUNT(*) || '/' || COALESCE(MAX(id), 0) FROM signatories WHERE study_id = {s.StudyId}");
        var before = Signatories();

        async Task Refused(object body, HttpStatusCode status, string field)
        {
            var problem = await Scenario.Expect(await RegisterAsync(s, body), status);
            Assert.Contains(field, ErrorKeys(problem));
            Assert.Equal(before, Signatories());
        }
        await Refused(new { name = "Vreemd", organisationId = foreign, role = "Directeur", email = "vreemd@example.org" }, HttpStatusCode.BadRequest, "organisationId");
        await Refused(new { name = "Eerste", organisationId = woon, role = "Directeur", email = " EERSTE@example.org" }, HttpStatusCode.Conflict, "email");
        await Refused(new { name = "Lid", organisationId = woon, role = "Directeur", email = "grid-operators.0@example.org" }, HttpStatusCode.Conflict, "email");
        await Refused(new { name = "Lid", organisation = "Buitenstaander (test)", role = "Directeur", email = "grid-operators.0@example.org" }, HttpStatusCode.Conflict, "email");
        await Refused(new { name = "Zelf", organisationId = woon, role = "Directeur", email = "zelf@example.org",
            confirmer = new { name = "Zelf", email = "zelf@example.org", role = "Directeur" } }, HttpStatusCode.BadRequest, "confirmer.email");
        await Refused(new { name = "Zonder", role = "Directeur", email = "zonder@example.org" }, HttpStatusCode.BadRequest, "organisation");
        await Refused(new { name = "Half", organisationId = woon, role = "Directeur", email = "half@example.org", confirmer = new { name = "Tweede" } },
            HttpStatusCode.BadRequest, "confirmer.email");
        // The panel member may sign for their own organisation.
        var own = await RegisteredAsync(s, new { name = "Lid", organisationId = stad, role = "Netbeheerder", email = "grid-operators.0@example.org" });

        // Signing without a mandate: refused with the field named, the link stays unspent and the ledger empty.
        var link = own.GetProperty("token").GetString()!;
        var noMandate = await PostLinkAsync(link, "");
        Assert.Equal(HttpStatusCode.BadRequest, noMandate.StatusCode);
        var page = await noMandate.Content.ReadAsStringAsync();
        Assert.Contains("id=\"field-mandate-error\"", page);
        Assert.Contains("Vul uw bevoegdheid in: waarom mag u namens Netbeheerder Stad (test) tekenen?", page);
        var missing = await PostLinkAsync(link, null, english: true);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("State your mandate: what authorises you to sign for Netbeheerder Stad (test).", await missing.Content.ReadAsStringAsync());
        Assert.Equal(0, Count($"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {v.StudyId}"));
        Assert.Equal(0, Count($"SELECT COUNT(*) FROM signatories WHERE study_id = {v.StudyId} AND spent_at IS NOT NULL"));
        // A second signature by the same person: the spent link signs nothing more.
        Assert.Equal(HttpStatusCode.SeeOther, (await PostLinkAsync(link, "Directeur netbeheer")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PostLinkAsync(link, "Directeur netbeheer", formless: true)).StatusCode);
        Assert.Equal(1, Count($"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {v.StudyId}"));
    }

    [Fact]
    public async Task Erasing_a_signatory_or_a_panel_member_keeps_the_organisations_figures_and_the_ledger_valid()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 0);
        var s = v.Study;
        var stad = await OrganisationAsync(s, "Netbeheerder Stad (test)", "grid-operators");
        var member = s.Participants.First(p => p.Group == "grid-operators").Id;
        Assert.Equal(HttpStatusCode.NoContent, (await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/organisations/members/{member}",
            new { organisationId = stad }, Json.Web)).StatusCode);
        var first = await RegisteredAsync(s, new { name = "Clara Eerst", organisationId = stad, role = "Directeur", email = "grid-operators.0@example.org" });
        var second = await RegisteredAsync(s, new { name = "Daan Mede", organisationId = stad, role = "Wethouder", email = "daan@example.org" });
        Assert.Equal(HttpStatusCode.SeeOther, (await PostLinkAsync(first.GetProperty("token").GetString()!, "Directeur")).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await PostLinkAsync(second.GetProperty("token").GetString()!, "Wethouder met volmacht")).StatusCode);
        var (before, _) = await OrganisationRowsAsync(v.StudyId);
        Assert.Equal("co-signed", before["Netbeheerder Stad (test)"].State);

        Assert.Equal(HttpStatusCode.OK, (await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/signatories/{first.GetProperty("id").GetInt64()}/erase", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{member}/erase", null)).StatusCode);

        var (after, html) = await OrganisationRowsAsync(v.StudyId);
        Assert.Equal(before, after);
        Assert.DoesNotContain("Clara Eerst", html);
        Assert.Contains("Daan Mede", html);
        Assert.Contains("data-verifies=\"true\"", html);
        var ledger = JsonNode.Parse((await VisionScenario.LedgerAsync(app, v.StudyId)).GetRawText())!;
        Assert.True(LedgerVerifier.Verify(ledger).Verifies);
        Assert.DoesNotContain("Clara Eerst", ledger.ToJsonString());
    }

    [Fact]
    public void The_tally_counts_one_signature_per_organisation_and_a_four_eyes_one_only_when_confirmed()
    {
        LedgerEntry E(long sequence, string kind, string organisation, long? withdraws = null, long? confirms = null, bool fourEyes = false) => new()
        {
            Sequence = sequence, Kind = kind, Organisation = organisation, Withdraws = withdraws, Confirms = confirms, FourEyes = fourEyes ? 1 : null, OnPanel = 1,
        };
        var entries = new[]
        {
            E(1, LedgerFormat.Endorsement, "Stad"),
            E(2, LedgerFormat.Endorsement, " stad "),
            E(3, LedgerFormat.Endorsement, "Haven", fourEyes: true),
            E(4, LedgerFormat.Endorsement, "Woon", fourEyes: true),
            E(5, LedgerFormat.ConfirmationKind, "Woon", confirms: 4),
            E(6, LedgerFormat.Endorsement, "Weg"),
            E(7, LedgerFormat.Withdrawal, "Weg", withdraws: 6),
            E(8, LedgerFormat.Withdrawal, "Stad", withdraws: 1),
        };
        var tally = OrganisationSignatures.Tally(entries, ["Stad", "Haven", "Niet getekend"]).ToDictionary(t => t.Organisation, t => t.State);
        Assert.Equal(OrganisationSigningState.Signed, tally["Stad"]); // one of two withdrew: the other still signs for it
        Assert.Equal(OrganisationSigningState.AwaitingConfirmation, tally["Haven"]);
        Assert.Equal(OrganisationSigningState.Signed, tally["Woon"]);
        Assert.Equal(OrganisationSigningState.Withdrawn, tally["Weg"]);
        Assert.Equal(OrganisationSigningState.NotSigned, tally["Niet getekend"]);
        Assert.Equal(5, tally.Count);
    }
}
