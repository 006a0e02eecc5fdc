using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 18 items 5 and 7: an organisation's open objection blocks the freeze unless the facilitator overrides it with
/// a written reason (which the hashed document, and so the ledger, carries; <c>delphi verify</c> accepts the ledger);
/// a statement resting on an item without consensus moves to the open questions chapter with the poles per item, unless
/// it is kept with a reason; the report's panel section lists organisations per group when the study makes them public,
/// and counts only when not, with response per organisation per round and the unit of voice. Runs on SQLite and, with
/// DELPHI_TEST_POSTGRES, on PostgreSQL.
/// </summary>
public sealed class ReviewPerOrganisationTests(DelphiApp app) : IClassFixture<DelphiApp>, IDisposable
{
    private const string OverrideReason = "Het bezwaar van de netbeheerder is besproken; de partijen gaan verder en komen er in 2027 op terug.";
    private const string KeepReason = "Deze uitspraak zegt zelf dat de partijen het over de prijs nog niet eens zijn.";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "review-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private long Count(string sql) => DatabaseDump.Count(app.DatabasePath, sql);

    private static string[] ErrorKeys(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();

    private static string Error(JsonElement problem, string field) => problem.GetProperty("errors").GetProperty(field)[0].GetString()!;

    private static Task<HttpResponseMessage> FreezeAsync(Scenario s, object? body) =>
        body is null ? s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null)
                     : s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", body);

    private static Task<Dictionary<string, long>> OrganisationsAsync(Scenario s, params (string Name, string Group, int[] Members)[] organisations) =>
        ReviewScenario.OrganisationsAsync(s, organisations);

    private static Task<Scenario> SplitAsync(DelphiApp app) => ReviewScenario.SplitAsync(app);

    private static Task<JsonElement> DraftAsync(Scenario s) => ReviewScenario.DraftAsync(s);

    private static Task ObjectAsync(DelphiApp app, Scenario s, JsonElement draft) => ReviewScenario.ObjectAsync(app, s, draft);

    [Fact]
    public async Task An_organisations_objection_blocks_the_freeze_until_overridden_with_a_reason_that_the_hashed_document_and_the_verified_ledger_carry()
    {
        var s = await SplitAsync(app);
        await OrganisationsAsync(s, ("Netbeheerder Stad", "grid-operators", [0, 1]), ("Woonstichting", "housing", [0]));
        var draft = await DraftAsync(s);
        await ObjectAsync(app, s, draft);

        // What the freeze must decide about, before freezing: the objecting organisation (not the resident without one).
        var vision = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/vision"), HttpStatusCode.OK);
        var objecting = Assert.Single(vision.GetProperty("freezeCheck").GetProperty("objectingOrganisations").EnumerateArray());
        Assert.Equal("Netbeheerder Stad", objecting.GetProperty("name").GetString());
        Assert.Equal([1], objecting.GetProperty("statements").EnumerateArray().Select(n => n.GetInt32()));

        // Blocked: 409 naming the organisation; too short a reason: 400 on the field. Nothing frozen either time.
        var blocked = await Scenario.Expect(await FreezeAsync(s, null), HttpStatusCode.Conflict);
        Assert.Equal(["overrideReason"], ErrorKeys(blocked));
        Assert.Contains("Netbeheerder Stad (statement 1)", Error(blocked, "overrideReason"));
        var tooShort = await Scenario.Expect(await FreezeAsync(s, new { overrideReason = "Toch door." }), HttpStatusCode.BadRequest);
        Assert.Equal(["overrideReason"], ErrorKeys(tooShort));
        Assert.Equal(0, Count($"SELECT COUNT(*) FROM vision_documents WHERE study_id = {s.StudyId}"));

        // Overridden with a reason: frozen, and the reason is in the response and in the hashed document.
        var frozen = await Scenario.Expect(await FreezeAsync(s, new { overrideReason = OverrideReason }), HttpStatusCode.Created);
        var recorded = frozen.GetProperty("objectionOverride");
        Assert.Equal(OverrideReason, recorded.GetProperty("reason").GetString());
        Assert.Equal(1, recorded.GetProperty("organisations").GetInt32());
        Assert.Equal(0, recorded.GetProperty("names").GetArrayLength()); // the organisations are not public in this study
        var sha = frozen.GetProperty("sha256").GetString()!;
        var documentResponse = await app.Client().GetAsync($"/api/v1/studies/{s.StudyId}/vision/document");
        var canonical = await documentResponse.Content.ReadAsStringAsync();
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var document = JsonNode.Parse(canonical)!;
        Assert.Equal(OverrideReason, document["freezeDecisions"]!["objectionOverride"]!["reason"]!.GetValue<string>());
        Assert.Equal([1], document["freezeDecisions"]!["objectionOverride"]!["statements"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.DoesNotContain("Netbeheerder Stad", canonical);

        // The ledger carries that document: one organisation signs, and delphi verify accepts the ledger as a process.
        var link = await VisionScenario.RegisterAsync(s, "Woonstichting (ondertekening)", "Wil Woon", "wil.woon@example.org");
        await AgendaScenario.SignAsync(app, link);
        var ledger = JsonNode.Parse((await VisionScenario.LedgerAsync(app, s.StudyId)).GetRawText())!.AsObject();
        Assert.Contains(OverrideReason, ledger["document"]!["canonical"]!.GetValue<string>());
        Assert.Equal(sha, ledger["entries"]![0]!["documentHash"]!.GetValue<string>());
        Assert.True(LedgerVerifier.Verify(ledger).Verifies, LedgerVerifier.Verify(ledger).Message);
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "ledger.json");
        await File.WriteAllTextAsync(file, ledger.ToJsonString());
        var cli = await EndorsementCliProcessTests.RunAsync(file);
        Assert.True(cli.Code == 0, cli.Out + cli.Err);
        Assert.StartsWith("ledger verifies: 1 entries", cli.Out.Trim());

        // The hash covers the override: another reason in the ledger's document no longer verifies.
        var tampered = JsonNode.Parse(ledger.ToJsonString())!.AsObject();
        tampered["document"]!["canonical"] = ledger["document"]!["canonical"]!.GetValue<string>().Replace("besproken", "genegeerd");
        var broken = LedgerVerifier.Verify(tampered);
        Assert.False(broken.Verifies);
        Assert.Equal("document: the SHA-256 of the canonical text does not match sha256", broken.Message);
    }

    [Fact]
    public async Task A_statement_on_an_item_without_consensus_moves_to_the_open_questions_with_its_poles_unless_kept_with_a_reason()
    {
        var s = await SplitAsync(app);
        // Public organisations: an override would name them (none is needed here: nobody objects).
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/organisations-public", new { organisationsPublic = true }, Json.Web), HttpStatusCode.OK);
        await DraftAsync(s);
        var vision = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/vision"), HttpStatusCode.OK);
        var unsettled = vision.GetProperty("freezeCheck").GetProperty("withoutConsensus").EnumerateArray().ToList();
        Assert.Equal([2, 3], unsettled.Select(u => u.GetProperty("statement").GetInt32()));
        Assert.Equal([s.FivePointItem], unsettled[1].GetProperty("itemIds").EnumerateArray().Select(i => i.GetInt64()));

        // Bad decisions are refused with the field named, and nothing is frozen.
        var notNeeded = await Scenario.Expect(await FreezeAsync(s, new { keep = new[] { new { statement = 1, reason = KeepReason } } }), HttpStatusCode.BadRequest);
        Assert.Equal(["keep[1]"], ErrorKeys(notNeeded));
        var shortReason = await Scenario.Expect(await FreezeAsync(s, new { keep = new[] { new { statement = 3, reason = "Blijft." } } }), HttpStatusCode.BadRequest);
        Assert.Equal(["keep[3]"], ErrorKeys(shortReason));
        var twice = await Scenario.Expect(await FreezeAsync(s, new { keep = new[] { new { statement = 3, reason = KeepReason }, new { statement = 3, reason = KeepReason } } }), HttpStatusCode.BadRequest);
        Assert.Equal(["keep[1].statement"], ErrorKeys(twice));
        Assert.Equal(0, Count($"SELECT COUNT(*) FROM vision_documents WHERE study_id = {s.StudyId}"));

        // Statement 3 is kept with its reason; statement 2 moves to the open questions.
        var frozen = await Scenario.Expect(await FreezeAsync(s, new { keep = new[] { new { statement = 3, reason = KeepReason } } }), HttpStatusCode.Created);
        Assert.Equal([2], frozen.GetProperty("openQuestions").EnumerateArray().Select(n => n.GetInt32()));
        Assert.Equal([3], frozen.GetProperty("kept").EnumerateArray().Select(n => n.GetInt32()));
        Assert.Equal(JsonValueKind.Null, frozen.GetProperty("objectionOverride").ValueKind);

        var document = JsonNode.Parse(await (await app.Client().GetAsync($"/api/v1/studies/{s.StudyId}/vision/document")).Content.ReadAsStringAsync())!;
        Assert.Equal([1, 3], document["vision"]!["statements"]!.AsArray().Select(n => n!["number"]!.GetValue<int>()));
        var open = Assert.Single(document["vision"]!["openQuestions"]!.AsArray())!;
        Assert.Equal(2, open["number"]!.GetValue<int>());
        var poles = Assert.Single(open["poles"]!.AsArray())!;
        Assert.Equal(s.FivePointItem, poles["itemId"]!.GetValue<long>());
        Assert.Equal(["grid-operators"], poles["for"]!.AsArray().Select(g => g!["slug"]!.GetValue<string>()));
        Assert.Equal(["housing", "residents"], poles["against"]!.AsArray().Select(g => g!["slug"]!.GetValue<string>()).Order());
        var kept = Assert.Single(document["freezeDecisions"]!["kept"]!.AsArray())!;
        Assert.Equal((3, KeepReason), (kept["statement"]!.GetValue<int>(), kept["reason"]!.GetValue<string>()));

        // The pages show the chapter and the decision, in Dutch and in English; the public verification page too.
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}/vision");
        Assert.Contains("data-open-questions=\"2\"", page);
        Assert.Contains("<h2 class=\"utrecht-heading-2\" id=\"open-questions\">Open vragen</h2>", page);
        Assert.Matches("data-pole=\"against\">Tegen: [^<]*Bewoners", page);
        Assert.Contains($"data-kept-statement=\"3\">Uitspraak 3 bleef in de visie, al is er bij een stelling geen consensus. Reden: {KeepReason}", page);
        var english = await browser.GetStringAsync($"/language/en?returnUrl=%2Ff%2Fstudies%2F{s.StudyId}%2Fvision");
        Assert.Contains(">Open questions</h2>", english);
        Assert.Contains("data-pole=\"for\">For: Grid operators", english);
        var verify = await app.Client().GetStringAsync($"/verify/{s.StudyId}");
        Assert.Contains("data-open-questions=\"2\"", verify);
    }

    [Fact]
    public async Task The_organisations_public_setting_is_the_facilitators_before_and_after_round_one_and_refuses_a_missing_value()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3, open: false);
        var url = $"/api/v1/studies/{s.StudyId}/organisations-public";
        var study = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}"), HttpStatusCode.OK);
        Assert.False(study.GetProperty("organisationsPublic").GetBoolean());
        var missing = await Scenario.Expect(await s.Facilitator.PutAsJsonAsync(url, new { }, Json.Web), HttpStatusCode.BadRequest);
        Assert.Equal(["OrganisationsPublic"], ErrorKeys(missing).Select(k => char.ToUpperInvariant(k[0]) + k[1..]).ToArray());
        Assert.True((await Scenario.Expect(await s.Facilitator.PutAsJsonAsync(url, new { organisationsPublic = true }, Json.Web), HttpStatusCode.OK)).GetProperty("organisationsPublic").GetBoolean());
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        Assert.False((await Scenario.Expect(await s.Facilitator.PutAsJsonAsync(url, new { organisationsPublic = false }, Json.Web), HttpStatusCode.OK)).GetProperty("organisationsPublic").GetBoolean());
        Assert.Equal(0, Count($"SELECT organisations_public FROM studies WHERE id = {s.StudyId}"));
        // Someone else's study: 404, nothing changed.
        var other = await Scenario.CreateAsync(app, perGroup: 3, open: false);
        await Scenario.Expect(await other.Facilitator.PutAsJsonAsync(url, new { organisationsPublic = true }, Json.Web), HttpStatusCode.NotFound);
        Assert.Equal(0, Count($"SELECT organisations_public FROM studies WHERE id = {s.StudyId}"));
    }

    [Fact]
    public async Task The_reports_panel_section_names_organisations_per_group_only_when_public_and_counts_who_answered_per_organisation_per_round()
    {
        var s = await SplitAsync(app);
        await OrganisationsAsync(s, ("Netbeheerder Stad", "grid-operators", [0, 1]), ("Netbeheerder Regio", "grid-operators", [2]), ("Woonstichting", "housing", [0]));
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);

        // Not public: counts per group only; no organisation's name anywhere in the report.
        var report = await browser.GetStringAsync($"/f/studies/{s.StudyId}/report");
        Assert.Contains("data-unit-of-voice=\"person\">Wie telt: één stem per persoon.", report);
        Assert.Contains("data-organisations=\"counts\"", report);
        Assert.Matches("data-group=\"grid-operators\" data-organisation-count=\"2\"", report);
        Assert.Matches("data-group=\"housing\" data-organisation-count=\"1\"", report);
        Assert.DoesNotContain("Netbeheerder Stad", report);
        Assert.DoesNotContain("Woonstichting", report);
        Assert.Contains("data-organisation-response=\"counts\"", report);
        // Every grid operator answered round 1: 2 of 2 organisations.
        Assert.Matches("<tr class=\"utrecht-table__row\" data-group=\"grid-operators\">\\s*<th[^>]*>Netbeheerders</th>\\s*<td class=\"utrecht-table__cell\" data-round=\"1\" data-answered=\"2\" data-invited=\"2\">2 van 2</td>", report);

        // Public: names per group, and per organisation how many of its people answered (never what).
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/organisations-public", new { organisationsPublic = true }, Json.Web), HttpStatusCode.OK);
        report = await browser.GetStringAsync($"/f/studies/{s.StudyId}/report");
        Assert.Contains("data-organisations=\"public\"", report);
        Assert.Matches("data-organisation-names>Netbeheerder Regio, Netbeheerder Stad</td>", report);
        Assert.Contains("data-organisation-response=\"per-organisation\"", report);
        Assert.Matches("data-organisation=\"Netbeheerder Stad\">[\\s\\S]*?data-round=\"1\" data-answered=\"2\" data-invited=\"2\">2 van 2</td>", report);
        Assert.Matches("data-organisation=\"Woonstichting\">[\\s\\S]*?data-round=\"1\" data-answered=\"1\" data-invited=\"1\">1 van 1</td>", report);

        var english = await browser.GetStringAsync($"/language/en?returnUrl=%2Ff%2Fstudies%2F{s.StudyId}%2Freport");
        Assert.Contains("Unit of voice: one voice per person.", english);
        Assert.Contains("People who answered, per organisation per round", english);
    }
}
