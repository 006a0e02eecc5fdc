using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Issue 21 in a real browser: the facilitator's agenda page (targets, an indicator, a CSV upload with a bad line that
/// stores nothing, then a good one, a commitment link), the organisation's commitment link, and the public agenda and
/// verification pages in Dutch and English — each checked with axe.
/// </summary>
public sealed class AgendaBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private string Url(string path) => new Uri(app.Address, path).ToString();

    private static Task NoAxeViolationsAsync(IPage page) => Axe.AssertNoViolationsAsync(page);

    private Task<(IBrowserContext Context, string Token)> FacilitatorAsync() => browser.SignedInAsync(app);

    private static FilePayload Csv(string text) => new() { Name = "metingen.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(text) };

    [Fact]
    public async Task The_facilitator_adds_an_indicator_uploads_values_a_bad_line_stores_nothing_and_an_organisation_commits_shown_in_both_languages()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2, facilitatorToken: token);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{a.StudyId}/agenda"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Agenda na ondertekening");
        await Assertions.Expect(page.Locator("[data-target-statement=\"2\"] [data-median]")).ToHaveTextAsync("45");
        await NoAxeViolationsAsync(page);

        // An indicator on statement 2.
        await page.GetByLabel("Uitspraak").FillAsync("2");
        await page.GetByLabel("Naam").FillAsync("Woningen op het warmtenet");
        await page.GetByLabel("Eenheid").FillAsync("%");
        await page.Locator("#field-indicatorsource").FillAsync("CBS StatLine");
        await page.GetByLabel("hoger").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Indicator toevoegen" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("De indicator is toegevoegd.");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Woningen op het warmtenet" })).ToBeVisibleAsync();
        var entriesBefore = DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {a.StudyId}");

        // A CSV with a bad value on line 3: nothing stored, the line named next to the field.
        await page.Locator("#field-csv").SetInputFilesAsync(Csv("indicator,date,value,source\nWoningen op het warmtenet,2027-12-31,22,CBS\nWoningen op het warmtenet,2028-12-31,veel,CBS\n"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Waarden uploaden als CSV" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-upload-errors]")).ToContainTextAsync("line 3: value:");
        await Assertions.Expect(page.Locator("#field-csv")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("[data-measurements]")).ToHaveCountAsync(0);
        Assert.Equal(entriesBefore, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {a.StudyId}"));
        await NoAxeViolationsAsync(page);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("agenda-csv-error-nl.png"), FullPage = true });

        // The corrected file: both values stored, each a ledger entry.
        await page.Locator("#field-csv").SetInputFilesAsync(Csv("indicator,date,value,source\nWoningen op het warmtenet,2027-12-31,22,CBS\nWoningen op het warmtenet,2028-12-31,30,CBS\n"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Waarden uploaden als CSV" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("2 waarden zijn opgeslagen");
        await Assertions.Expect(page.Locator("[data-measurement]")).ToHaveCountAsync(2);
        Assert.Equal(entriesBefore + 2, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {a.StudyId}"));

        // A commitment link for the first organisation.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Link voor een toezegging maken: {a.Signatories[0].Organisation}" }).ClickAsync();
        var link = await page.Locator("#new-link").InputValueAsync();
        Assert.Contains("/commit/dlc_", link);
        await NoAxeViolationsAsync(page);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("agenda-facilitator-nl.png"), FullPage = true });

        // The organisation opens its link and commits.
        await using var organisation = await browser.NewPersonAsync();
        await Axe.AddToAsync(organisation);
        var commit = await organisation.NewPageAsync();
        await commit.GotoAsync(link);
        await Assertions.Expect(commit.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Toezegging vastleggen");
        await NoAxeViolationsAsync(commit);
        await commit.GetByLabel("Wat uw organisatie toezegt").FillAsync("Wij sluiten 2.000 woningen aan op het warmtenet.");
        await commit.GetByLabel("2. In 2030 zit bijna de helft van de woningen op een warmtenet.").CheckAsync();
        await commit.GetByLabel("Klaar op").FillAsync("2028-12-31");
        await commit.GetByLabel("Verantwoordelijke functie").FillAsync("Projectleider warmte");
        await commit.GetByRole(AriaRole.Button, new() { Name = "Toezegging vastleggen" }).ClickAsync();
        await Assertions.Expect(commit.Locator("[data-commitment-recorded]")).ToHaveAttributeAsync("data-commitment-recorded", (entriesBefore + 3).ToString());
        await NoAxeViolationsAsync(commit);

        // The facilitator marks it done and registers an experiment with what it taught, on the agenda page.
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        await page.GotoAsync(Url($"/f/studies/{a.StudyId}/agenda"));
        await page.Locator("#field-donedate").FillAsync(today);
        await page.Locator("#field-donenote").FillAsync("Alle 2.000 woningen zijn aangesloten.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Toezegging op klaar zetten" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("De toezegging staat op klaar.");
        await Assertions.Expect(page.Locator("[data-commitment][data-status=done]")).ToHaveCountAsync(1);
        Assert.Equal(entriesBefore + 4, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {a.StudyId}"));
        await page.Locator("#field-experimentorganisation").FillAsync(a.Signatories[1].Organisation);
        await page.Locator("#field-experimenttitle").FillAsync("Wijknet op lage temperatuur");
        await page.Locator("#field-experimenttried").FillAsync("Een wijknet op 40 °C met een warmtepomp per blok.");
        await page.Locator("#field-experimentstatements").FillAsync("2");
        await page.Locator("#field-experimentstarted").FillAsync("2026-03-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Experiment toevoegen" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Het experiment is toegevoegd.");
        await page.Locator("#field-notedate").FillAsync("2026-06-01");
        await page.Locator("#field-notetext").FillAsync("Bewoners willen eerst zien dat het werkt.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Opschrijven wat een experiment leerde" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-notes]")).ToContainTextAsync("Bewoners willen eerst zien dat het werkt.");
        await NoAxeViolationsAsync(page);

        // The public pages, in Dutch and in English.
        foreach (var (locale, title, commitments) in new[] { ("nl-NL", "Agenda: Gezamenlijke warmtevisie (agenda)", "Toezeggingen"), ("en-GB", "Agenda: Gezamenlijke warmtevisie (agenda)", "Commitments") })
        {
            await using var reader = await browser.NewPersonAsync(locale);
            await Axe.AddToAsync(reader);
            var pub = await reader.NewPageAsync();
            await pub.GotoAsync(Url($"/agenda/{a.StudyId}"));
            await Assertions.Expect(pub.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(title);
            await Assertions.Expect(pub.GetByRole(AriaRole.Heading, new() { Level = 2, Name = commitments })).ToBeVisibleAsync();
            await Assertions.Expect(pub.Locator("[data-measurement]")).ToHaveCountAsync(2);
            await Assertions.Expect(pub.Locator("[data-commitment]")).ToContainTextAsync("Wij sluiten 2.000 woningen aan op het warmtenet.");
            await Assertions.Expect(pub.Locator("[data-target]")).ToContainTextAsync("45");
            await Assertions.Expect(pub.Locator("[data-commitment][data-status=done]")).ToContainTextAsync("Alle 2.000 woningen zijn aangesloten.");
            await Assertions.Expect(pub.Locator("[data-experiment]")).ToContainTextAsync("Wijknet op lage temperatuur");
            await Assertions.Expect(pub.Locator("[data-calendar]")).ToHaveAttributeAsync("href", $"/agenda/{a.StudyId}/due-dates.ics");
            await NoAxeViolationsAsync(pub);
            await pub.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath($"agenda-public-{locale}.png"), FullPage = true });

            await pub.GotoAsync(Url($"/verify/{a.StudyId}"));
            await Assertions.Expect(pub.Locator("[data-verifies]")).ToHaveAttributeAsync("data-verifies", "true");
            await Assertions.Expect(pub.Locator("[data-commitment-entry]")).ToContainTextAsync("Wij sluiten 2.000 woningen aan op het warmtenet.");
            await Assertions.Expect(pub.Locator("[data-measurement-count]")).ToHaveAttributeAsync("data-measurement-count", "2");
            // The visitor's browser checks the whole ledger too, the agenda's progress entry included, and agrees.
            await Assertions.Expect(pub.Locator("[data-browser-check]").First).ToHaveAttributeAsync("data-browser-verifies", "true",
                new() { Timeout = 30_000 });
            await NoAxeViolationsAsync(pub);
        }
    }
}
