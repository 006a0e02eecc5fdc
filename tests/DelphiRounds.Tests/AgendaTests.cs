using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// After signing (issue 21): targets from the frozen vision, indicators, measurements (one by one and as CSV, all or
/// nothing) and commitments through one-time links — every measurement and commitment an entry in the same hash chain
/// as the signatures, which still verifies (server, <c>scripts/delphi verify</c>) and breaks when any entry is changed.
/// </summary>
public sealed class AgendaTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private long Entries(long studyId) => DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {studyId}");

    private static void AssertFields(JsonElement problem, params string[] fields)
    {
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors");
        foreach (var field in fields) Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {problem}");
    }

    private static JsonNode LedgerNode(JsonElement ledger) => JsonNode.Parse(ledger.GetRawText())!;

    [Fact]
    public async Task Targets_carry_the_panels_final_median_and_middle_half_with_the_unit_and_only_for_numeric_or_year_items()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 1, signed: 0);
        var stats = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/rounds/{a.Study.RoundId}/stats"), HttpStatusCode.OK);
        var numeric = Scenario.ItemStats(stats, a.NumericItem).GetProperty("overall");
        var targets = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/targets"), HttpStatusCode.OK);
        var target = Assert.Single(targets.EnumerateArray());
        Assert.Equal(2, target.GetProperty("statement").GetInt32());
        Assert.Equal(a.NumericItem, target.GetProperty("itemId").GetInt64());
        Assert.Equal("%", target.GetProperty("unit").GetString());
        Assert.Equal(numeric.GetProperty("median").GetDouble(), target.GetProperty("median").GetDouble());
        Assert.Equal(numeric.GetProperty("q1").GetDouble(), target.GetProperty("q1").GetDouble());
        Assert.Equal(numeric.GetProperty("q3").GetDouble(), target.GetProperty("q3").GetDouble());
        Assert.Equal(45, target.GetProperty("median").GetDouble());

        // Before the freeze there is no agenda; another facilitator's study is not found.
        var draft = await Scenario.CreateAsync(app, open: false);
        Assert.Equal(HttpStatusCode.Conflict, (await draft.Facilitator.GetAsync($"/api/v1/studies/{draft.StudyId}/agenda/targets")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await draft.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/targets")).StatusCode);
    }

    [Fact]
    public async Task An_indicator_is_added_to_a_statement_and_bad_input_names_the_field_and_changes_nothing()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 1, signed: 0);
        var before = DatabaseDump.Take(app.DatabasePath);
        var bad = await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/indicators",
            new { statement = 9, name = "", unit = "%", source = "CBS", direction = "up" });
        AssertFields(await bad.ReadAsync(), "statement", "name", "direction");
        var wrongItem = await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/indicators",
            new { statement = 1, itemId = a.NumericItem, name = "X", unit = "%", source = "CBS", direction = "higher" });
        AssertFields(await wrongItem.ReadAsync(), "itemId");
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var id = await a.IndicatorAsync();
        var duplicate = await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/indicators",
            new { statement = 2, name = "Woningen op het warmtenet", unit = "%", source = "CBS", direction = "higher" });
        AssertFields(await duplicate.ReadAsync(), "name");
        var list = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/indicators"), HttpStatusCode.OK);
        var indicator = Assert.Single(list.EnumerateArray());
        Assert.Equal(id, indicator.GetProperty("id").GetInt64());
        Assert.Equal("higher", indicator.GetProperty("direction").GetString());
        Assert.Equal(2, indicator.GetProperty("statement").GetInt32());
    }

    [Fact]
    public async Task A_measurement_is_a_ledger_entry_after_the_signatures_and_the_ledger_still_verifies()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2);
        var indicator = await a.IndicatorAsync();
        Assert.Equal(2, Entries(a.StudyId));
        var created = await Scenario.Expect(await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/measurements",
            new { indicator, date = "2027-12-31", value = 31.5, source = "CBS StatLine 2027" }), HttpStatusCode.Created);
        Assert.Equal(3, created.GetProperty("ledgerSequence").GetInt64());
        Assert.Equal(31.5, created.GetProperty("value").GetDouble());

        var response = await app.Client().GetAsync($"/api/v1/studies/{a.StudyId}/ledger");
        Assert.StartsWith("ledger verifies: 3 entries", response.Headers.GetValues("X-Ledger-Verification").Single());
        var ledger = await response.ReadAsync();
        var entries = ledger.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["endorsement", "endorsement", "measurement"], entries.Select(e => e.GetProperty("kind").GetString()!));
        var entry = entries[2];
        Assert.Equal(entries[1].GetProperty("hash").GetString(), entry.GetProperty("previousHash").GetString());
        Assert.Equal("", entry.GetProperty("signatory").GetString());
        Assert.Equal("Testgemeente", entry.GetProperty("organisation").GetString());
        var record = JsonNode.Parse(entry.GetProperty("record").GetString()!)!;
        Assert.Equal(31.5, record["value"]!.GetValue<double>());
        Assert.Equal("2027-12-31", record["date"]!.GetValue<string>());
        Assert.Equal(indicator, record["indicator"]!["id"]!.GetValue<long>());
        Assert.False(entry.TryGetProperty("disclosure", out _));
        Assert.True(LedgerVerifier.Verify(LedgerNode(ledger)).Verifies);
    }

    [Fact]
    public async Task A_bad_measurement_names_the_field_and_stores_nothing()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 1, signed: 1);
        var indicator = await a.IndicatorAsync();
        var before = DatabaseDump.Take(app.DatabasePath);
        async Task Refused(object body, string field)
        {
            var response = await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/measurements", body);
            AssertFields(await response.ReadAsync(), field);
        }
        await Refused(new { indicator = 999_999, date = "2027-12-31", value = 3, source = "CBS" }, "indicator");
        await Refused(new { indicator = "Geen indicator", date = "2027-12-31", value = 3, source = "CBS" }, "indicator");
        await Refused(new { indicator, date = "2001-01-01", value = 3, source = "CBS" }, "date");
        await Refused(new { indicator, date = "31-12-2027", value = 3, source = "CBS" }, "date");
        await Refused(new { indicator, date = "2027-12-31", value = "veel", source = "CBS" }, "value");
        await Refused(new { indicator, date = "2027-12-31", value = 3, source = "" }, "source");
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        // By its exact name works too.
        await Scenario.Expect(await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/measurements",
            new { indicator = "Woningen op het warmtenet", date = "2027-12-31", value = "12", source = "CBS" }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_csv_upload_stores_every_line_as_a_ledger_entry_or_with_one_bad_line_nothing_and_names_the_lines()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 1, signed: 1);
        var indicator = await a.IndicatorAsync();
        var lower = await a.IndicatorAsync("Gasverbruik woningen", "lower");
        var before = DatabaseDump.Take(app.DatabasePath);
        async Task<JsonElement> UploadAsync(string csv, HttpStatusCode expected) =>
            await Scenario.Expect(await a.Study.Facilitator.PostAsync($"/api/v1/studies/{a.StudyId}/agenda/measurements/csv",
                new StringContent(csv, Encoding.UTF8, "text/csv")), expected);

        var bad = await UploadAsync(
            $"indicator,date,value,source\n{indicator},2027-06-30,20,CBS\n{indicator},2027-12-31,veel,CBS\n424242,2027-12-31,3,CBS\n{lower},1999-01-01,7,CBS\n{lower},2027-12-31,7,CBS\n",
            HttpStatusCode.BadRequest);
        var errors = bad.GetProperty("errors");
        Assert.Equal(["line 3", "line 4", "line 5"], errors.EnumerateObject().Select(e => e.Name).Order());
        Assert.StartsWith("value:", errors.GetProperty("line 3")[0].GetString());
        Assert.StartsWith("indicator:", errors.GetProperty("line 4")[0].GetString());
        Assert.StartsWith("date:", errors.GetProperty("line 5")[0].GetString());
        var header = await UploadAsync("wat,wanneer\n1,2\n", HttpStatusCode.BadRequest);
        Assert.True(header.GetProperty("errors").TryGetProperty("line 1", out _));
        var fields = await UploadAsync($"indicator,date,value,source\n{indicator},2027-06-30,20\n", HttpStatusCode.BadRequest);
        Assert.True(fields.GetProperty("errors").TryGetProperty("line 2", out _));
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var stored = await UploadAsync(
            $"indicator,date,value,source\n{indicator},2027-06-30,20,CBS\n{indicator},2027-12-31,24.5,CBS\n\"Gasverbruik woningen\",2027-12-31,980,\"Netbeheerder, jaarcijfers\"\n",
            HttpStatusCode.Created);
        Assert.Equal([2L, 3L, 4L], stored.EnumerateArray().Select(m => m.GetProperty("ledgerSequence").GetInt64()));
        Assert.Equal("Netbeheerder, jaarcijfers", stored[2].GetProperty("source").GetString());
        Assert.Equal(lower, stored[2].GetProperty("indicatorId").GetInt64());
        Assert.Equal(4, Entries(a.StudyId));
        var ledger = await AgendaScenario.LedgerAsync(app, a.StudyId);
        Assert.True(LedgerVerifier.Verify(LedgerNode(ledger)).Verifies);
    }

    [Fact]
    public async Task A_signing_organisation_commits_through_its_one_time_link_which_appends_to_the_ledger_and_the_public_page()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 3, signed: 2);
        // Not signed: no link.
        var unsigned = await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/commitment-links", new { signatoryId = a.Signatories[2].Id });
        Assert.Equal(HttpStatusCode.Conflict, unsigned.StatusCode);
        Assert.True((await unsigned.ReadAsync()).GetProperty("errors").TryGetProperty("signatoryId", out _));

        var token = await a.CommitmentLinkAsync(a.Signatories[0].Id);
        Assert.StartsWith("dlc_", token);
        var browser = app.Client(followRedirects: false);
        var before = DatabaseDump.Take(app.DatabasePath);
        var page = await browser.GetStringAsync($"/commit/{token}");
        Assert.Contains("Organisatie 1 (agenda)", page);
        Assert.Contains("name=\"Statements\"", page);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var missing = await browser.PostAsync($"/commit/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(page), ["Text"] = "", ["Due"] = "eind 2028", ["OwnerRole"] = "Projectleider",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var missingHtml = await missing.Content.ReadAsStringAsync();
        Assert.Contains("id=\"field-text-error\"", missingHtml);
        Assert.Contains("id=\"field-due-error\"", missingHtml);
        Assert.Contains("id=\"statements-error\"", missingHtml);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(page), ["Text"] = "Wij sluiten 2.000 woningen aan op het warmtenet.",
            ["Statements"] = "2", ["Due"] = "2028-12-31", ["OwnerRole"] = "Projectleider warmte",
        };
        var made = await browser.PostAsync($"/commit/{token}", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.SeeOther, made.StatusCode);
        Assert.Equal(3, Entries(a.StudyId));
        // The link is spent: a second post records nothing.
        var again = await browser.PostAsync($"/commit/{token}", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(3, Entries(a.StudyId));
        Assert.Contains("data-commitment-recorded=\"3\"", await browser.GetStringAsync($"/commit/{token}"));

        var ledger = await AgendaScenario.LedgerAsync(app, a.StudyId);
        var entry = ledger.GetProperty("entries")[2];
        Assert.Equal("commitment", entry.GetProperty("kind").GetString());
        Assert.Equal(ledger.GetProperty("entries")[0].GetProperty("signatory").GetString(), entry.GetProperty("signatory").GetString());
        var record = JsonNode.Parse(entry.GetProperty("record").GetString()!)!;
        Assert.Equal("2028-12-31", record["due"]!.GetValue<string>());
        Assert.Equal([2], record["statements"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.True(LedgerVerifier.Verify(LedgerNode(ledger)).Verifies);

        var commitments = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments"), HttpStatusCode.OK);
        var c = Assert.Single(commitments.EnumerateArray());
        Assert.Equal("Organisatie 1 (agenda)", c.GetProperty("organisation").GetString());
        Assert.Equal("Projectleider warmte", c.GetProperty("ownerRole").GetString());

        var verify = await app.Client().GetStringAsync($"/verify/{a.StudyId}");
        Assert.Contains("data-verifies=\"true\"", verify);
        Assert.Contains("data-commitment-entry=\"3\"", verify);
        Assert.Contains("Wij sluiten 2.000 woningen aan op het warmtenet.", verify);
        Assert.Contains($"href=\"/agenda/{a.StudyId}\"", verify);
        var agenda = await app.Client().GetStringAsync($"/agenda/{a.StudyId}");
        Assert.Contains("data-commitment=\"3\"", agenda);
    }

    [Fact]
    public async Task An_organisation_that_withdrew_cannot_commit_even_with_a_link_made_before()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 1, signed: 1);
        var token = await a.CommitmentLinkAsync(a.Signatories[0].Id);
        var browser = app.Client(followRedirects: false);
        var commitPage = await browser.GetStringAsync($"/commit/{token}");
        // Withdraw through the receipt page's form.
        var receipt = await browser.GetStringAsync($"/sign/{a.Signatories[0].Token}/receipt");
        var withdrawn = await browser.PostAsync($"/sign/{a.Signatories[0].Token}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(receipt), ["ConfirmWithdraw"] = "true", ["Reason"] = "test",
        }));
        Assert.True(withdrawn.StatusCode is HttpStatusCode.SeeOther or HttpStatusCode.Redirect or HttpStatusCode.OK, withdrawn.StatusCode.ToString());
        Assert.Equal(2, Entries(a.StudyId));

        var refused = await browser.PostAsync($"/commit/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(commitPage), ["Text"] = "Iets", ["Statements"] = "1", ["Due"] = "2028-12-31", ["OwnerRole"] = "Directeur",
        }));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal(2, Entries(a.StudyId));
        var link = await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/commitment-links", new { signatoryId = a.Signatories[0].Id });
        Assert.Equal(HttpStatusCode.Conflict, link.StatusCode);
    }

    [Fact]
    public async Task The_whole_ledger_verifies_with_scripts_delphi_verify_and_breaks_when_any_agenda_entry_is_changed()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2);
        var indicator = await a.IndicatorAsync();
        var token = await a.CommitmentLinkAsync(a.Signatories[1].Id);
        var browser = app.Client(followRedirects: false);
        var page = await browser.GetStringAsync($"/commit/{token}");
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.PostAsync($"/commit/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(page), ["Text"] = "Wij isoleren 500 woningen.", ["Statements"] = "1",
            ["Due"] = "2029-06-30", ["OwnerRole"] = "Directeur vastgoed",
        }))).StatusCode);
        await Scenario.Expect(await a.Study.Facilitator.PostAsync($"/api/v1/studies/{a.StudyId}/agenda/measurements/csv",
            new StringContent($"indicator,date,value,source\n{indicator},2027-12-31,22,CBS\n{indicator},2028-12-31,30,CBS\n", Encoding.UTF8, "text/csv")), HttpStatusCode.Created);

        var ledger = LedgerNode(await AgendaScenario.LedgerAsync(app, a.StudyId));
        Assert.Equal(5, ledger["entries"]!.AsArray().Count);
        var verified = LedgerVerifier.Verify(ledger);
        Assert.True(verified.Verifies, verified.Message);

        var folder = Path.Combine(Path.GetTempPath(), "delphi-agenda-verify", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var sound = Path.Combine(folder, "ledger.json");
            File.WriteAllText(sound, ledger.ToJsonString());
            var ok = await EndorsementCliProcessTests.RunAsync(sound);
            Assert.True(ok.Code == 0, ok.Out + ok.Err);
            Assert.StartsWith("ledger verifies: 5 entries, head signed by ", ok.Out.Trim());

            // A measured value changed in its record.
            var value = JsonNode.Parse(ledger["entries"]![4]!["record"]!.GetValue<string>())!;
            value["value"] = 31;
            var tampered = ledger.DeepClone();
            tampered["entries"]![4]!["record"] = value.ToJsonString();
            var broken = Path.Combine(folder, "value.json");
            File.WriteAllText(broken, tampered.ToJsonString());
            var bad = await EndorsementCliProcessTests.RunAsync(broken);
            Assert.Equal(1, bad.Code);
            Assert.Equal("entry 5 (sequence 5): hash does not match the entry's contents", bad.Out.Trim());
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }

        // Any other change to an agenda entry breaks the chain at that entry too.
        foreach (var (position, field, replacement) in new (int, string, JsonNode?)[]
                 {
                     (3, "statement", "Wij isoleren 5000 woningen."), (3, "record", "{}"), (4, "kind", "endorsement"),
                     (4, "organisation", "Iemand"), (4, "record", null),
                 })
        {
            var changed = ledger.DeepClone();
            if (replacement is null) changed["entries"]![position - 1]!.AsObject().Remove(field);
            else changed["entries"]![position - 1]![field] = replacement.DeepClone();
            var result = LedgerVerifier.Verify(changed);
            Assert.False(result.Verifies, $"{field} of entry {position}");
            Assert.Equal(position, result.BrokenEntry);
        }
        // A commitment cannot be moved to a signatory whose endorsement is not in force.
        var moved = ledger.DeepClone();
        moved["entries"]![2]!["signatory"] = "sg-nobody";
        Assert.False(LedgerVerifier.Verify(moved).Verifies);
    }
}
