using System.Net;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Demo;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Issue 21 in a real browser, on the demo: its agenda page two years after the signature (three charts on track, behind
/// and ahead; commitments open, late and done; two experiments with what they taught) in Dutch and English, on a phone
/// and a desktop, without anything wider than the screen; the commitment link and the CSV upload with a bad line in
/// English (AgendaBrowserTests walks them in Dutch). Each page checked with axe.
/// </summary>
public sealed class AgendaDemoBrowserTests(DemoClockApp app, Browser browser) : IClassFixture<DemoClockApp>, IClassFixture<Browser>
{
    private static readonly SemaphoreSlim Seeding = new(1, 1);
    private static DemoAccess? _access;

    private string Url(string path) => new Uri(app.Address, path).ToString();

    /// <summary>The demo, seeded once for the class.</summary>
    private async Task<DemoAccess> DemoAsync()
    {
        await Seeding.WaitAsync();
        try
        {
            return _access ??= await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        }
        finally
        {
            Seeding.Release();
        }
    }

    private static async Task<IPage> PageAsync(IBrowserContext context, int width)
    {
        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(width, 900);
        return page;
    }

    /// <summary>Nothing on the page is wider than the window (no sideways scrolling on a phone).</summary>
    private static async Task AssertNoSidewaysScrollAsync(IPage page, int width) =>
        Assert.True(await page.EvaluateAsync<bool>($"() => document.documentElement.scrollWidth <= {width}"),
            $"the page is wider than {width} px: {await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")}");

    [Theory]
    [InlineData("nl-NL", "Toezeggingen", "Op koers", "Achter", "Voor", "te laat", "klaar")]
    [InlineData("en-GB", "Commitments", "On track", "Behind", "Ahead", "late", "done")]
    public async Task The_demo_agenda_shows_three_charts_on_track_behind_and_ahead_commitments_late_and_done_and_two_experiments(
        string locale, string commitments, string onTrack, string behind, string ahead, string late, string done)
    {
        var demo = await DemoAsync();
        var agenda = demo.Agenda!;
        await using var reader = await browser.NewPersonAsync(locale);
        await Axe.AddToAsync(reader);
        foreach (var width in new[] { 1280, 390 })
        {
            var page = await PageAsync(reader, width);
            await page.GotoAsync(Url($"/agenda/{agenda.StudyId}"));
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Gezamenlijke warmte- en koudevisie Rotterdam 2030");
            // Three charts, each an image with its text, and the same numbers in a table (nine quarters).
            await Assertions.Expect(page.GetByRole(AriaRole.Img)).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("[data-measurements]")).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("[data-measurement]")).ToHaveCountAsync(27);
            var progress = page.Locator("[data-progress-text]");
            await Assertions.Expect(progress.Nth(0)).ToContainTextAsync(onTrack);
            await Assertions.Expect(progress.Nth(1)).ToContainTextAsync(behind);
            await Assertions.Expect(progress.Nth(2)).ToContainTextAsync(ahead);
            await Assertions.Expect(page.Locator("[data-indicator]").Nth(1)).ToContainTextAsync(AgendaDemo.IndicatorNames[1]);
            // Six commitments: one late, one done with what was delivered, the others open.
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2, Name = commitments })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-commitment]")).ToHaveCountAsync(6);
            await Assertions.Expect(page.Locator("[data-commitment][data-status=late]")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-commitment][data-status=late]")).ToContainTextAsync(late);
            await Assertions.Expect(page.Locator("[data-commitment][data-status=done]")).ToContainTextAsync(done);
            await Assertions.Expect(page.Locator("[data-commitment][data-status=done]")).ToContainTextAsync("De warmteplannen voor de eerste tien wijken");
            await Assertions.Expect(page.Locator("[data-commitment][data-status=open]")).ToHaveCountAsync(4);
            // Two experiments with their dated notes.
            await Assertions.Expect(page.Locator("[data-experiment]")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("[data-experiment-note]")).ToHaveCountAsync(5);
            await Assertions.Expect(page.Locator("[data-experiment]").First).ToContainTextAsync("Proefwijk Bloemhof");
            // No stray template text on the page.
            Assert.DoesNotMatch(@"(^|\n)\s*else\s*(\n|$)", await page.Locator("main").InnerTextAsync());
            await AssertNoSidewaysScrollAsync(page, width);
            await Axe.AssertNoViolationsAsync(page);
            var name = width < 500 ? $"agenda-phone-{locale[..2]}.png" : $"agenda-{locale[..2]}.png";
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath(name), FullPage = true });
            await page.CloseAsync();
        }
    }

    private string AgendaEndpointsUrl(string token) => DelphiRounds.Agenda.AgendaEndpoints.CommitmentUrl(app.Address.ToString().TrimEnd('/'), token);

    /// <summary>
    /// The report's chapter "After signing" on the demo: the indicators, the reflection round with its drift per item, and
    /// vision 1 and 2 with what changed, read by the demo's facilitator on a desktop and on a phone, in Dutch and English.
    /// </summary>
    [Theory]
    [InlineData("nl-NL", "Na de ondertekening", "Reflectierondes", "Versies van de visie")]
    [InlineData("en-GB", "After signing", "Reflection rounds", "Versions of the vision")]
    public async Task The_reports_after_signing_chapter_reads_on_a_phone_and_a_desktop(string locale, string chapter, string reflection, string versions)
    {
        var demo = await DemoAsync();
        Assert.NotNull(demo.FacilitatorPassword);
        await using var context = await browser.SignedInAsync(app, demo.FacilitatorEmail, demo.FacilitatorPassword!, locale);
        foreach (var width in new[] { 1280, 390 })
        {
            var page = await PageAsync(context, width);
            await page.GotoAsync(Url($"/f/studies/{demo.Agenda!.StudyId}/report"));
            var section = page.Locator("#after-signing");
            await Assertions.Expect(section.Locator("#after-signing-title")).ToHaveTextAsync($"11. {chapter}");
            await Assertions.Expect(section.Locator("[data-report-indicator]")).ToHaveCountAsync(3);
            await Assertions.Expect(section.Locator("#after-signing-reflection")).ToHaveTextAsync(reflection);
            await Assertions.Expect(section.Locator("[data-report-reflection]")).ToHaveCountAsync(1);
            Assert.True(await section.Locator("[data-report-drift] [data-drift-item]").CountAsync() > 0, "no drift per item in the report");
            await Assertions.Expect(section.Locator("#after-signing-versions")).ToHaveTextAsync(versions);
            await Assertions.Expect(section.Locator("[data-report-vision]")).ToHaveCountAsync(2);
            await Assertions.Expect(section.Locator("[data-vision-changes] [data-change=added]")).ToHaveCountAsync(1);
            // The reworded point is Markdown; quoted in the list it reads as text ("rond 2030", not "**rond 2030**").
            await Assertions.Expect(section.Locator("[data-vision-changes] [data-change=changed]")).ToContainTextAsync("rond 2030");
            Assert.DoesNotContain("**", await section.Locator("[data-vision-changes]").InnerTextAsync());
            // One answer is one answer: the dissent annex counts a side of one in the singular.
            var whole = await page.Locator("main").InnerTextAsync();
            Assert.DoesNotMatch(@"\b1 (answers|antwoorden)\b", whole);
            Assert.Null(await ReflowTests.TooWideAsync(page));
            Assert.Empty(await ReflowTests.BrokenWordsAsync(page));
            await Axe.AssertNoViolationsAsync(page);
            if (width == 390) await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath($"report-after-signing-phone-{locale[..2]}.png"), FullPage = true });
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task An_organisation_commits_in_English_through_its_one_time_link_and_a_second_use_records_nothing()
    {
        // A study of its own, so the demo's agenda keeps its six commitments.
        var (context, token) = await browser.SignedInAsync(app);
        await context.DisposeAsync();
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2, facilitatorToken: token);
        var facilitator = a.Study.Facilitator;
        var studyId = a.StudyId;
        var url = AgendaEndpointsUrl(await a.CommitmentLinkAsync(a.Signatories[1].Id));

        await using var organisation = await browser.NewPersonAsync("en-GB");
        await Axe.AddToAsync(organisation);
        var page = await PageAsync(organisation, 390);
        await page.GotoAsync(url);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Record a commitment");
        await Axe.AssertNoViolationsAsync(page);
        // Without a due date: refused, the field named, nothing recorded.
        await page.GetByLabel("What your organisation commits to").FillAsync("We check every new heat connection within four weeks.");
        await page.Locator("input[name=Statements]").First.CheckAsync();
        await page.GetByLabel("Responsible role").FillAsync("Head of permits");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record the commitment" }).ClickAsync();
        await Assertions.Expect(page.Locator("#field-due-error")).ToBeVisibleAsync();
        await Axe.AssertNoViolationsAsync(page);
        await page.GetByLabel("Due date").FillAsync("2029-06-30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record the commitment" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-commitment-recorded]")).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page, 390);
        await Axe.AssertNoViolationsAsync(page);
        var commitments = await Scenario.Expect(await facilitator.GetAsync($"/api/v1/studies/{studyId}/agenda/commitments"), HttpStatusCode.OK);
        Assert.Single(commitments.EnumerateArray(), c => c.GetProperty("text").GetString() == "We check every new heat connection within four weeks.");
        // The link is spent: opening it again shows what was recorded, with no form to record another.
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator("[data-commitment-recorded]")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Record the commitment" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_facilitator_uploads_a_CSV_with_a_bad_line_in_English_and_nothing_is_stored()
    {
        var (context, token) = await browser.SignedInAsync(app, "en-GB");
        await using var _ = context;
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2, facilitatorToken: token);
        var indicator = await a.IndicatorAsync("Homes on the heat network");
        var page = await PageAsync(context, 390);
        await page.GotoAsync(Url($"/f/studies/{a.StudyId}/agenda"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Agenda after signing");
        var entries = DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {a.StudyId}");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        await page.Locator("#field-csv").SetInputFilesAsync(new FilePayload
        {
            Name = "values.csv", MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes($"indicator,date,value,source\n{indicator},{today},22,CBS\nNo such indicator,{today},30,CBS\n"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload values as CSV" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-upload-errors]")).ToContainTextAsync("line 3: indicator:");
        await Assertions.Expect(page.Locator("#field-csv")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("[data-measurement]")).ToHaveCountAsync(0);
        Assert.Equal(entries, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {a.StudyId}"));
        await AssertNoSidewaysScrollAsync(page, 390);
        await Axe.AssertNoViolationsAsync(page);
    }
}
