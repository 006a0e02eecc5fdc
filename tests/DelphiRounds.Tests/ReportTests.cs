using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Issue 5, the printable report: it covers the CREDES reporting items with the study's real figures, and works without script.</summary>
[Collection(FinishedStudyCollection.Name)]
public sealed class ReportTests(FinishedStudyApp app)
{
    private async Task<string> ReportAsync(string? language = null)
    {
        var browser = await PanelAttritionTests.LoggedInAsync(app, app.Token);
        return await browser.GetStringAsync($"/f/studies/{app.StudyId}/report" + (language is null ? "" : "?culture=" + language));
    }

    private static string Section(string html, string id) =>
        Regex.Match(html, $"<section class=\"report-section\" id=\"{id}\".*?(?=<section class=\"report-section\"|</article>)", RegexOptions.Singleline).Value;

    [Fact]
    public async Task The_report_covers_the_CREDES_reporting_items()
    {
        var html = await ReportAsync();
        foreach (var id in new[] { "purpose", "panel", "method", "response", "criteria", "changes", "results", "verdicts", "limitations", "conclusions", "dissent", "data", "credes" })
            Assert.False(Section(html, id).Length == 0, $"section {id} is missing");

        // Purpose: the study's question.
        Assert.Contains("Hoe kan een gezamenlijke warmte- en koudevoorziening voor Rotterdam", Section(html, "purpose"));
        // Panel and groups: every group with its size.
        var panel = Section(html, "panel");
        foreach (var (slug, size) in new[] { ("grid-operators", 6), ("energy-producers", 7), ("housing-corporations", 7), ("residents", 7) })
            Assert.Matches($"data-group=\"{slug}\">.*?<td class=\"utrecht-table__cell utrecht-table__cell--numeric\">{size}</td>", Regex.Replace(panel, @"\s+", " "));
        // Method: round 0 and three rounds with their feedback mode.
        Assert.Equal(4, Regex.Matches(Section(html, "method"), "<tr class=\"utrecht-table__row\" data-round=").Count);
        // Response per round: per group and round, as the API counts it.
        var response = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/response");
        var responseHtml = Regex.Replace(Section(html, "response"), @"\s+", " ");
        foreach (var round in response.EnumerateArray())
            foreach (var g in round.GetProperty("groups").EnumerateArray())
                Assert.Matches($"data-group=\"{g.GetProperty("slug").GetString()}\">.*?data-round=\"{round.GetProperty("number").GetInt32()}\" data-answered=\"{g.GetProperty("answered").GetInt32()}\" data-invited=\"{g.GetProperty("invited").GetInt32()}\"", responseHtml);
        // Consensus criteria, locked with their hash when round 1 opened.
        var criteria = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/criteria");
        Assert.Contains($"data-criteria-hash>{criteria.GetProperty("hash").GetString()}<", Section(html, "criteria"));
        Assert.Contains("data-criteria-locked=\"", Section(html, "criteria"));
        // Changes: the rewording with its reason, the retirement.
        Assert.Contains("ziekenhuizen, verpleeghuizen", Section(html, "changes"));
        Assert.Contains($"data-retired=\"{app.Demo.Items[8]}\"", Section(html, "changes"));
        // Statistics per item per round: 11 items in rounds 1 and 2, 10 in round 3 — which was blind, so also its 10 items' first answers.
        var results = Section(html, "results");
        Assert.Equal(11 + 11 + 10, Regex.Matches(results, "data-basis=\"current\"").Count);
        Assert.Equal(10, Regex.Matches(results, "data-basis=\"first\"").Count);
        // Verdicts: the final verdict per item.
        var verdicts = Section(html, "verdicts");
        // Items carry their own number (their place in the questionnaire, round 0's open questions counted), the
        // same as on every other page: the 1st, 4th, … item with figures is numbered by its position.
        string Number(int n) => DatabaseDump.Text(app.DatabasePath,
            $"SELECT position FROM items WHERE study_id = {app.StudyId} AND kind <> 'text' ORDER BY position LIMIT 1 OFFSET {n - 1}");
        foreach (var n in new[] { 1, 4, 6, 8 }) Assert.Matches($"data-item-number=\"{Number(n)}\">.*?data-final=\"consensus-for\"", Regex.Replace(verdicts, @"\s+", " "));
        foreach (var n in new[] { 5, 7 }) Assert.Matches($"data-item-number=\"{Number(n)}\">.*?data-final=\"stable-dissent\"", Regex.Replace(verdicts, @"\s+", " "));
        Assert.Contains("Het maximale aantal rondes (3) is bereikt.", verdicts);
        // CREDES checklist: the sixteen reporting items, each pointing into the report.
        Assert.Equal(16, Regex.Matches(Section(html, "credes"), "data-credes=\"").Count);
    }

    [Fact]
    public async Task The_CREDES_checklist_links_all_16_items_to_their_sections_with_the_notes_and_the_flow_of_rounds()
    {
        // What the data cannot tell, written by the facilitator; too long is refused with the field named, nothing changed.
        var before = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/report-notes");
        var tooLong = await app.Facilitator.PutAsJsonAsync($"/api/v1/studies/{app.StudyId}/report-notes", new { dissemination = new string('x', 4001) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True((await tooLong.ReadAsync()).GetProperty("errors").TryGetProperty("dissemination", out _));
        Assert.Equal(before.ToString(), (await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/report-notes")).ToString());
        var notes = new Dictionary<string, string>
        {
            ["delphiRationale"] = "Geen partij mag het gesprek beheersen.",
            ["panelSelection"] = "Elke partij met een aansluiting of een leiding in de stad.",
            ["convenorInterest"] = "De gemeente is aandeelhouder van het warmtebedrijf.",
            ["externalValidation"] = "De gemeenteraad besprak de uitkomsten.",
            ["dissemination"] = "Het rapport staat op de website van de gemeente.",
        };
        await Scenario.Expect(await app.Facilitator.PutAsJsonAsync($"/api/v1/studies/{app.StudyId}/report-notes", notes), HttpStatusCode.OK);

        var html = await ReportAsync();
        var credes = Section(html, "credes");
        var rows = Regex.Matches(credes, "data-credes=\"([a-z]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["rationale", "planning", "definition", "input", "bias", "processing", "validation", "purpose", "panel", "methods", "flow",
            "consensus", "results", "limitations", "conclusions", "dissemination"], rows);
        // Each of the sixteen rows points somewhere: at least one link in its row.
        foreach (var row in rows)
            Assert.Matches("data-credes-link=\"", Regex.Match(credes, $"data-credes=\"{row}\".*?</tr>", RegexOptions.Singleline).Value);
        foreach (var link in Regex.Matches(credes, "data-credes-link=\"([a-z]+)\"").Select(m => m.Groups[1].Value).Distinct())
            Assert.True(Regex.IsMatch(html, $"<[a-z0-9]+ [^>]*id=\"{link}\""), $"the checklist links to #{link}, which the report does not have");
        foreach (var (field, text) in notes)
            Assert.Matches($"data-note=\"{field}\">[^<]*{Regex.Escape(text)}", html);
        // The consensus definition with its fingerprint and lock time, as the criteria endpoint has them.
        var criteria = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/criteria");
        Assert.Contains($"data-criteria-hash>{criteria.GetProperty("hash").GetString()}<", Section(html, "criteria"));

        // The flow chart: per numbered round the people invited and answering (as the response endpoint counts them) and
        // the statements asked, added, kept and retired (item 8 retired after round 2, so round 3 asks 10 of round 2's 11).
        var response = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/response");
        var flow = Regex.Replace(Section(html, "response"), @"\s+", " ");
        foreach (var round in response.EnumerateArray().Where(x => x.GetProperty("number").GetInt32() > 0))
            Assert.Contains($"data-flow-round=\"{round.GetProperty("number").GetInt32()}\" data-invited=\"{round.GetProperty("invited").GetInt32()}\" data-answered=\"{round.GetProperty("answered").GetInt32()}\"", flow);
        Assert.Matches("data-flow-round=\"1\" [^>]*data-asked=\"11\" data-added=\"11\" data-kept=\"11\" data-retired=\"0\"", flow);
        Assert.Matches("data-flow-round=\"2\" [^>]*data-asked=\"11\" data-added=\"0\" data-kept=\"10\" data-retired=\"1\"", flow);
        Assert.Contains("<svg", flow);
        // Planning and deviations: three of at most three rounds, the rewording (editorial), the retirement.
        Assert.Contains("data-planned-rounds=\"3\" data-held-rounds=\"3\"", html);
        Assert.Contains("Stellingen anders geformuleerd: 1, waarvan 0 inhoudelijk", html);
        // Conclusions: the outcomes counted as the convergence page gives them.
        var convergence = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/convergence");
        foreach (var outcome in convergence.GetProperty("items").EnumerateArray().GroupBy(i => i.GetProperty("outcome").GetString()))
            Assert.Matches($"data-outcome-count=\"{outcome.Key}\">[^<]*: {outcome.Count()}<", Section(html, "conclusions"));
    }

    [Fact]
    public async Task The_dissent_annex_gives_both_sides_of_a_stable_dissent_and_the_minority_of_a_consensus()
    {
        var html = await ReportAsync();
        var annex = Section(html, "dissent");
        var item5 = Regex.Match(annex, $"<section class=\"report-item\" id=\"dissent-{app.Demo.Items[5]}\".*?</section>", RegexOptions.Singleline).Value;
        Assert.Contains("Alleen met een open net kunnen huurders kiezen", item5);        // housing corporations: for
        Assert.Contains("een open net schrikt investeerders af", item5);                 // energy producers: against
        Assert.Contains("Woningcorporaties", item5);                                     // groups of 3 or more are named
        // The consensus items record the minority that stayed outside the agreement band, with their arguments.
        var item1 = Regex.Match(annex, $"<section class=\"report-item\" id=\"dissent-{app.Demo.Items[1]}\".*?</section>", RegexOptions.Singleline).Value;
        Assert.Contains("(minderheid)", item1);
        Assert.Contains("Antwoord ", item1);
        // Fewer than 3 of that minority share their exact answer: their arguments are quoted without it (issue 15, item 5).
        Assert.Contains("Antwoord niet genoemd", item1);
    }

    [Fact]
    public async Task The_report_works_without_script_uses_no_inline_styles_and_is_complete_in_English()
    {
        var html = await ReportAsync();
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain(" style=", html);
        Assert.Contains("<svg class=\"chart chart--location\"", html);
        var english = await ReportAsync("en");
        Assert.Contains("Purpose and rationale", english);
        Assert.Contains("Dissent and the minority", english);
        Assert.DoesNotContain("report.", Regex.Replace(english, "<[^>]+>", " ").Replace("report.css", ""));
    }

    [Fact]
    public async Task The_exports_page_links_the_report_and_every_data_file()
    {
        var browser = await PanelAttritionTests.LoggedInAsync(app, app.Token);
        var page = await browser.GetStringAsync($"/f/studies/{app.StudyId}/exports");
        Assert.Contains($"href=\"/f/studies/{app.StudyId}/report\"", page);
        foreach (var file in new[] { "answers.csv", "answers.json", "aggregates.csv", "aggregates.json", "arguments.csv", "arguments.json", "changelog.csv", "changelog.json", "export.json" })
        {
            Assert.Contains($"href=\"/f/studies/{app.StudyId}/export/{file}\"", page);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/f/studies/{app.StudyId}/export/{file}")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/f/studies/{app.StudyId}/report")).StatusCode);
    }
}
