using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// After signing (issue 21), continued: a commitment marked done (a ledger entry of kind progress that the chain and
/// <c>scripts/delphi verify</c> check), the status of each commitment (open, done, late, withdrawn), the experiments
/// register with dated notes, and the iCalendar feed of due dates — bad input named by field, nothing stored.
/// </summary>
public sealed class AgendaProgressTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private long Entries(long studyId) => DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {studyId}");

    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd");

    private static void AssertFields(JsonElement problem, int status, params string[] fields)
    {
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors");
        foreach (var field in fields) Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {problem}");
    }

    /// <summary>The organisation of signatory <paramref name="index"/> commits through its link's form; returns the commitment's id.</summary>
    private async Task<long> CommitAsync(AgendaScenario a, int index, string text, string due)
    {
        var token = await a.CommitmentLinkAsync(a.Signatories[index].Id);
        var browser = app.Client(followRedirects: false);
        var page = await browser.GetStringAsync($"/commit/{token}");
        var made = await browser.PostAsync($"/commit/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(page), ["Text"] = text, ["Statements"] = "2", ["Due"] = due,
            ["OwnerRole"] = "Projectleider",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, made.StatusCode);
        var commitments = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments"), HttpStatusCode.OK);
        return commitments.EnumerateArray().Single(c => c.GetProperty("text").GetString() == text).GetProperty("id").GetInt64();
    }

    private async Task<JsonElement> CommitmentAsync(AgendaScenario a, long id) =>
        (await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments"), HttpStatusCode.OK))
        .EnumerateArray().Single(c => c.GetProperty("id").GetInt64() == id);

    [Fact]
    public async Task A_commitment_marked_done_is_a_progress_entry_in_the_ledger_and_its_status_shows_everywhere()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2);
        var late = await CommitAsync(a, 0, "Wij sluiten 2.000 woningen aan.", "2020-01-31");
        var open = await CommitAsync(a, 1, "Wij bouwen een tweede warmtebron.", "2099-12-31");
        Assert.Equal("late", (await CommitmentAsync(a, late)).GetProperty("status").GetString());
        Assert.Equal("open", (await CommitmentAsync(a, open)).GetProperty("status").GetString());
        Assert.Equal(4, Entries(a.StudyId));

        // Bad input: each field named, nothing stored.
        var before = DatabaseDump.Take(app.DatabasePath);
        var url = $"/api/v1/studies/{a.StudyId}/agenda/commitments/{late}/done";
        AssertFields(await (await a.Study.Facilitator.PostJsonAsync(url, new { date = "2999-01-01", note = "" })).ReadAsync(), 400, "date", "note");
        AssertFields(await (await a.Study.Facilitator.PostJsonAsync(url, new { date = "2020-01-01", note = "Klaar" })).ReadAsync(), 400, "date");
        AssertFields(await (await a.Study.Facilitator.PostJsonAsync(url, new { date = "31-12-2027", note = "Klaar" })).ReadAsync(), 400, "date");
        var unknown = await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments/999999/done", new { date = Today, note = "Klaar" });
        AssertFields(await unknown.ReadAsync(), 404, "commitmentId");
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var done = await Scenario.Expect(await a.Study.Facilitator.PostJsonAsync(url, new { date = Today, note = "Alle 2.000 woningen zijn aangesloten." }),
            HttpStatusCode.Created);
        Assert.Equal(5, done.GetProperty("ledgerSequence").GetInt64());
        Assert.Equal("done", done.GetProperty("status").GetString());
        var shown = await CommitmentAsync(a, late);
        Assert.Equal("done", shown.GetProperty("status").GetString());
        Assert.Equal(Today, shown.GetProperty("done").GetProperty("date").GetString());
        Assert.Equal("open", (await CommitmentAsync(a, open)).GetProperty("status").GetString());

        // Once done, not again: 409, nothing appended.
        var again = await a.Study.Facilitator.PostJsonAsync(url, new { date = Today, note = "Nog eens" });
        AssertFields(await again.ReadAsync(), 409, "commitmentId");
        Assert.Equal(5, Entries(a.StudyId));

        // The ledger: a progress entry by the facilitator naming the commitment's entry; it verifies, and a record that
        // names something else breaks it at that entry.
        var ledger = JsonNode.Parse((await AgendaScenario.LedgerAsync(app, a.StudyId)).GetRawText())!;
        var entry = ledger["entries"]![4]!;
        Assert.Equal("progress", entry["kind"]!.GetValue<string>());
        Assert.Equal("", entry["signatory"]!.GetValue<string>());
        var record = JsonNode.Parse(entry["record"]!.GetValue<string>())!;
        Assert.Equal((await CommitmentAsync(a, late)).GetProperty("ledgerSequence").GetInt64(), record["commitment"]!.GetValue<long>());
        Assert.Equal("done", record["status"]!.GetValue<string>());
        var verified = LedgerVerifier.Verify(ledger);
        Assert.True(verified.Verifies, verified.Message);
        var changed = ledger.DeepClone();
        var other = JsonNode.Parse(entry["record"]!.GetValue<string>())!;
        other["commitment"] = 1;
        changed["entries"]![4]!["record"] = other.ToJsonString();
        var broken = LedgerVerifier.Verify(changed);
        Assert.False(broken.Verifies);
        Assert.Equal(5, broken.BrokenEntry);

        // The public agenda and verification pages show it.
        var agenda = await app.Client().GetStringAsync($"/agenda/{a.StudyId}");
        Assert.Contains("data-status=\"done\"", agenda);
        Assert.Contains("data-status=\"open\"", agenda);
        Assert.Contains("Alle 2.000 woningen zijn aangesloten.", agenda);
        Assert.Contains("data-verifies=\"true\"", await app.Client().GetStringAsync($"/verify/{a.StudyId}"));
    }

    [Fact]
    public async Task A_commitment_of_an_organisation_that_withdrew_shows_withdrawn_and_cannot_be_marked_done()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 1, signed: 1);
        var id = await CommitAsync(a, 0, "Wij isoleren 500 woningen.", "2099-06-30");
        var browser = app.Client(followRedirects: false);
        var receipt = await browser.GetStringAsync($"/sign/{a.Signatories[0].Token}/receipt");
        await browser.PostAsync($"/sign/{a.Signatories[0].Token}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(receipt), ["ConfirmWithdraw"] = "true", ["Reason"] = "test",
        }));
        Assert.Equal("withdrawn", (await CommitmentAsync(a, id)).GetProperty("status").GetString());
        var entries = Entries(a.StudyId);
        var refused = await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments/{id}/done", new { date = Today, note = "Klaar" });
        AssertFields(await refused.ReadAsync(), 409, "commitmentId");
        Assert.Equal(entries, Entries(a.StudyId));
    }

    [Fact]
    public async Task Experiments_are_registered_on_statements_with_dated_notes_and_bad_input_names_the_field()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 1, signed: 1);
        var url = $"/api/v1/studies/{a.StudyId}/agenda/experiments";
        var before = DatabaseDump.Take(app.DatabasePath);
        var bad = await a.Study.Facilitator.PostJsonAsync(url, new { organisation = "", title = "", tried = "Iets", statements = new[] { 9 }, started = "morgen" });
        AssertFields(await bad.ReadAsync(), 400, "organisation", "title", "statements", "started");
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var created = await Scenario.Expect(await a.Study.Facilitator.PostJsonAsync(url, new
        {
            organisation = "Woonstad (agenda)", title = "Lage-temperatuurnet Bospolder", tried = "Een wijknet op 40 °C met warmtepompen per blok.",
            statements = new[] { 2, 1, 2 }, started = "2026-03-01",
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal([1, 2], created.GetProperty("statements").EnumerateArray().Select(s => s.GetInt32()));
        var duplicate = await a.Study.Facilitator.PostJsonAsync(url, new
        {
            organisation = "X", title = "Lage-temperatuurnet Bospolder", tried = "Y", statements = new[] { 1 }, started = "2026-03-01",
        });
        AssertFields(await duplicate.ReadAsync(), 400, "title");

        var notes = $"{url}/{id}/notes";
        AssertFields(await (await a.Study.Facilitator.PostJsonAsync(notes, new { date = "2026-01-01", text = "Te vroeg" })).ReadAsync(), 400, "date");
        AssertFields(await (await a.Study.Facilitator.PostJsonAsync(notes, new { date = "2026-06-01", text = "" })).ReadAsync(), 400, "text");
        AssertFields(await (await a.Study.Facilitator.PostJsonAsync($"{url}/999999/notes", new { date = "2026-06-01", text = "X" })).ReadAsync(), 404, "experimentId");
        await Scenario.Expect(await a.Study.Facilitator.PostJsonAsync(notes, new { date = "2026-06-01", text = "Bewoners willen eerst zien dat het werkt." }),
            HttpStatusCode.Created);

        var list = await Scenario.Expect(await a.Study.Facilitator.GetAsync(url), HttpStatusCode.OK);
        var experiment = Assert.Single(list.EnumerateArray());
        var note = Assert.Single(experiment.GetProperty("notes").EnumerateArray());
        Assert.Equal("2026-06-01", note.GetProperty("date").GetString());
        var agenda = await app.Client().GetStringAsync($"/agenda/{a.StudyId}");
        Assert.Contains($"data-experiment=\"{id}\"", agenda);
        Assert.Contains("Bewoners willen eerst zien dat het werkt.", agenda);

        // Before the freeze there is no register.
        var draft = await Scenario.CreateAsync(app, open: false);
        var early = await draft.Facilitator.PostJsonAsync($"/api/v1/studies/{draft.StudyId}/agenda/experiments", new
        {
            organisation = "X", title = "Y", tried = "Z", statements = new[] { 1 }, started = "2026-03-01",
        });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
    }

    [Fact]
    public async Task The_due_dates_feed_is_icalendar_with_one_all_day_event_per_commitment()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2);
        await CommitAsync(a, 0, "Wij sluiten 2.000 woningen aan.", "2028-12-31");
        await CommitAsync(a, 1, "Wij bouwen een tweede warmtebron.", "2029-06-30");
        var response = await app.Client().GetAsync($"/agenda/{a.StudyId}/due-dates.ics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType!.MediaType);
        var calendar = Ical.Net.Calendar.Load(await response.Content.ReadAsStringAsync())!;
        var events = calendar.Events.OrderBy(e => e.Start!.Value).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(new DateOnly(2028, 12, 31), DateOnly.FromDateTime(events[0].Start!.Value));
        Assert.False(events[0].Start!.HasTime);
        Assert.StartsWith("Organisatie 1 (agenda):", events[0].Summary);
        Assert.Equal(new DateOnly(2029, 6, 30), DateOnly.FromDateTime(events[1].Start!.Value));
        Assert.Equal(2, events.Select(e => e.Uid).Distinct().Count());
        // The agenda page links to it; a study without a signed vision has none.
        Assert.Contains($"href=\"/agenda/{a.StudyId}/due-dates.ics\"", await app.Client().GetStringAsync($"/agenda/{a.StudyId}"));
        var draft = await Scenario.CreateAsync(app, open: false);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client().GetAsync($"/agenda/{draft.StudyId}/due-dates.ics")).StatusCode);
    }

    [Fact]
    public async Task The_facilitator_marks_done_and_adds_an_experiment_on_the_agenda_page_with_errors_next_to_the_field()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 1, signed: 1);
        var id = await CommitAsync(a, 0, "Wij isoleren 500 woningen.", "2099-06-30");
        var browser = await PanelAttritionTests.LoggedInAsync(app, a.Study.FacilitatorToken);
        var page = await browser.GetStringAsync($"/f/studies/{a.StudyId}/agenda");
        Assert.Contains("id=\"field-donecommitment\"", page);
        var before = Entries(a.StudyId);
        var bad = await browser.PostAsync($"/f/studies/{a.StudyId}/agenda?handler=Done", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(page), ["DoneCommitment"] = id.ToString(), ["DoneDate"] = "gisteren", ["DoneNote"] = "",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var html = await bad.Content.ReadAsStringAsync();
        Assert.Contains("id=\"field-donedate-error\"", html);
        Assert.Contains("id=\"field-donenote-error\"", html);
        Assert.Equal(before, Entries(a.StudyId));
        var good = await browser.PostAsync($"/f/studies/{a.StudyId}/agenda?handler=Done", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(page), ["DoneCommitment"] = id.ToString(), ["DoneDate"] = Today,
            ["DoneNote"] = "De woningen zijn geïsoleerd.",
        }));
        Assert.True(good.IsSuccessStatusCode, good.StatusCode.ToString());
        Assert.Equal(before + 1, Entries(a.StudyId));
        Assert.Equal("done", (await CommitmentAsync(a, id)).GetProperty("status").GetString());

        var experiment = await browser.PostAsync($"/f/studies/{a.StudyId}/agenda?handler=Experiment", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(page), ["ExperimentOrganisation"] = "Eneco (agenda)",
            ["ExperimentTitle"] = "Warmte uit de haven", ["ExperimentTried"] = "Restwarmte van één fabriek naar 300 woningen.",
            ["ExperimentStatements"] = "een", ["ExperimentStarted"] = "2027-01-15",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, experiment.StatusCode);
        Assert.Contains("id=\"field-experimentstatements-error\"", await experiment.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Export_json_carries_the_agenda_as_the_api_gives_it_and_the_report_has_a_chapter_after_signing()
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2);
        var indicator = await a.IndicatorAsync();
        await Scenario.Expect(await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/measurements",
            new { indicator, date = Today, value = 31.5, source = "CBS" }), HttpStatusCode.Created);
        var done = await CommitAsync(a, 0, "Wij sluiten 2.000 woningen aan.", "2028-12-31");
        await CommitAsync(a, 1, "Wij bouwen een tweede warmtebron.", "2020-06-30");
        await Scenario.Expect(await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments/{done}/done",
            new { date = Today, note = "Aangesloten." }), HttpStatusCode.Created);
        await Scenario.Expect(await a.Study.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/experiments", new
        {
            organisation = "Woonstad (agenda)", title = "Wijknet Bospolder", tried = "Een wijknet op 40 °C.", statements = new[] { 2 }, started = "2026-03-01",
        }), HttpStatusCode.Created);

        var api = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda"), HttpStatusCode.OK);
        var export = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/export.json"), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(api.GetRawText()), JsonNode.Parse(export.GetProperty("agenda").GetRawText())),
            $"export.json's agenda differs from the API's:\n{export.GetProperty("agenda")}\n{api}");
        Assert.Equal(["done", "late"], export.GetProperty("agenda").GetProperty("commitments").EnumerateArray()
            .Select(c => c.GetProperty("status").GetString()!).Order());
        // Before the freeze export.json has no agenda.
        var draft = await Scenario.CreateAsync(app, open: false);
        var early = await Scenario.Expect(await draft.Facilitator.GetAsync($"/api/v1/studies/{draft.StudyId}/export.json"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, early.TryGetProperty("agenda", out var none) ? none.ValueKind : JsonValueKind.Null);

        var browser = await PanelAttritionTests.LoggedInAsync(app, a.Study.FacilitatorToken);
        var report = await browser.GetStringAsync($"/f/studies/{a.StudyId}/report");
        Assert.Contains("id=\"after-signing\"", report);
        Assert.Contains("href=\"#after-signing\"", report);
        Assert.Contains($"data-report-indicator=\"{indicator}\"", report);
        Assert.Contains("data-status=\"done\"", report);
        Assert.Contains("data-status=\"late\"", report);
        Assert.Contains("Wijknet Bospolder", report);
    }
}
