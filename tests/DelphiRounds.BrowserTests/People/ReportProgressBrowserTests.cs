using DelphiRounds.Exports;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// Issue 9 (progress), in the browser: while a study report is built the facilitator sees the step, the
/// bar and the percentage move on their own (js/report-progress.js), with 0 axe violations, and the report
/// opens by itself when it is ready; without script the refresh link gets there. The builds are held at
/// each step (<see cref="ReportGate"/>), as a large study's are slow.
/// </summary>
public sealed class ReportProgressBrowserTests(ReportProgressApp app, Browser browser) : IClassFixture<ReportProgressApp>, IClassFixture<Browser>, IDisposable
{
    private async Task<IPage> FacilitatorAsync(IBrowserContext context)
    {
        await app.ReadyAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(app.Address, "/login").ToString());
        await page.Locator("#email").FillAsync(app.Email);
        await page.Locator("#password").FillAsync(app.Password);
        await page.Locator("form.stack button[type=submit]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(app.Address, "/f").ToString());
        return page;
    }

    [Theory]
    [InlineData("nl-NL", "De cijfers van ronde 2 van 3 worden berekend.", "klaar", "Het rapport wordt gemaakt")]
    [InlineData("en-GB", "Working out the figures of round 2 of 3.", "done", "Building the report")]
    public async Task The_progress_moves_by_itself_and_the_report_opens_when_ready(string locale, string roundTwo, string done, string title)
    {
        await using var context = await browser.NewPersonAsync(locale);
        var page = await FacilitatorAsync(context);
        app.Gate.Hold();
        await page.GotoAsync(new Uri(app.Address, $"/f/studies/{app.StudyId}/report").ToString());
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/f/studies/{app.StudyId}/report\\?build=[0-9a-f]{{24}}$"));
        var buildUrl = page.Url;
        await Assertions.Expect(page.Locator("#report-progress-title")).ToHaveTextAsync(title);
        Assert.Equal(ReportStages.Waiting, (await app.Gate.ReachedAsync()).Stage);

        // Let the build run to round 2 and stop there: the page follows without being touched.
        app.Gate.Proceed();
        ReportStep step;
        while ((step = await app.Gate.ReachedAsync()).Stage != ReportStages.Analysing || step.Round != 2 || step.Item != 2) app.Gate.Proceed();
        var stage = page.Locator("[data-report=stage]");
        await Assertions.Expect(stage).ToHaveTextAsync(roundTwo);
        await Assertions.Expect(stage).ToHaveAttributeAsync("role", "status");
        await Assertions.Expect(stage).ToHaveAttributeAsync("aria-live", "polite");
        var bar = page.Locator("progress[data-report=bar]");
        await Assertions.Expect(bar).ToHaveAttributeAsync("value", step.Done.ToString());
        await Assertions.Expect(bar).ToHaveAttributeAsync("max", step.Total.ToString());
        await Assertions.Expect(page.Locator("[data-report=detail]")).ToContainTextAsync($"{step.Percent}% {done}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath($"report-progress-{locale[..2]}.png") });

        var violations = await Axe.RunAsync(page);
        Assert.True(violations.Length == 0, string.Join("\n", violations.Select(v => v.ToString())));

        // Ready: the report replaces the progress at the build's address, without a click.
        app.Gate.Open();
        await Assertions.Expect(page.Locator("#purpose")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.Equal(buildUrl, page.Url);
        await Assertions.Expect(page.Locator("[data-report-progress]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Without_script_the_progress_shows_a_refresh_link_that_leads_to_the_report()
    {
        await app.ReadyAsync();
        await using var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { Locale = "nl-NL", JavaScriptEnabled = false });
        var page = await FacilitatorAsync(context);
        app.Gate.Hold();
        await page.GotoAsync(new Uri(app.Address, $"/f/studies/{app.StudyId}/report").ToString());
        Assert.Equal(ReportStages.Waiting, (await app.Gate.ReachedAsync()).Stage);
        await Assertions.Expect(page.Locator("[data-report=stage]")).ToHaveTextAsync("Even wachten: eerst worden andere rapporten gemaakt.");

        app.Gate.Open();
        // Nothing moves without script: the page still shows the step it was loaded with …
        await page.WaitForTimeoutAsync(1500);
        await Assertions.Expect(page.Locator("[data-report=stage]")).ToHaveTextAsync("Even wachten: eerst worden andere rapporten gemaakt.");
        // … and the refresh link (reached by keyboard) opens the finished report.
        var refresh = page.GetByRole(AriaRole.Link, new() { Name = "ververs deze pagina" });
        await refresh.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#purpose")).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }

    public void Dispose() => app.Gate.Open();
}
