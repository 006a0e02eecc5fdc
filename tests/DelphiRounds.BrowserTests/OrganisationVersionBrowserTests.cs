using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Signing per organisation across versions of the vision (issues 18 and 21) on /verify/{studyId}, on a 390 px phone in Dutch and
/// English, axe clean: an organisation whose one person signed vision 1 and whose other person signed vision 2 shows as signed on
/// each (not co-signed); one that signed only vision 1 shows as not signing vision 2; the counts at the top, and the visitor's
/// browser check, count vision 2.
/// </summary>
public sealed class OrganisationVersionBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private string Url(string path) => new Uri(app.Address, path).ToString();

    [Fact]
    public async Task On_a_phone_the_verification_page_shows_each_organisations_standing_on_vision_2_and_on_vision_1_in_both_languages()
    {
        var r = await ReflectionScenario.SignedVision2Async(app);
        var first = r.Agenda.Signatories[0].Organisation;
        var second = r.Agenda.Signatories[1].Organisation;
        await AgendaScenario.SignAsync(app, await VisionScenario.RegisterAsync(r.Agenda.Study, first, "Tweede Persoon", "tweede.persoon@example.org"));

        foreach (var (locale, counts, signed, notSigned, browserSummary) in new[]
                 {
                     ("nl-NL", "2 organisaties onderschrijven deze visie.", "Getekend", "Niet getekend", "2 organisaties ondertekenden precies deze tekst"),
                     ("en-GB", "2 organisations endorse this vision.", "Signed", "Not signed", "2 organisations signed this exact text"),
                 })
        {
            await using var reader = await browser.NewPersonAsync(locale);
            await Axe.AddToAsync(reader);
            var page = await reader.NewPageAsync();
            await page.SetViewportSizeAsync(390, 844);
            await page.GotoAsync(Url($"/verify/{r.Agenda.StudyId}"));
            await Assertions.Expect(page.Locator("[data-verifies]")).ToHaveAttributeAsync("data-verifies", "true");
            await Assertions.Expect(page.Locator("[data-organisation-count]")).ToContainTextAsync(counts);
            await Assertions.Expect(page.Locator("[data-counts-version]")).ToHaveAttributeAsync("data-earlier-only", "1");

            var x = page.Locator($"[data-organisation-name=\"{first}\"]");
            await Assertions.Expect(x).ToHaveAttributeAsync("data-organisation-state", "signed");
            await Assertions.Expect(x.Locator("[data-version-standing=\"2\"]")).ToHaveAttributeAsync("data-state", "signed");
            await Assertions.Expect(x.Locator("[data-version-standing=\"1\"]")).ToHaveAttributeAsync("data-state", "signed");
            await Assertions.Expect(x.Locator("[data-version-standing=\"1\"]")).ToContainTextAsync(signed);
            await Assertions.Expect(x.Locator("[data-signature]")).ToHaveCountAsync(2);
            var onlyVision1 = page.Locator($"[data-organisation-name=\"{second}\"]");
            await Assertions.Expect(onlyVision1.Locator("[data-version-standing=\"2\"]")).ToHaveAttributeAsync("data-state", "not-signed");
            await Assertions.Expect(onlyVision1.Locator("[data-version-standing=\"2\"]")).ToContainTextAsync(notSigned);
            await Assertions.Expect(onlyVision1.Locator("[data-version-standing=\"1\"]")).ToHaveAttributeAsync("data-state", "signed");
            await Assertions.Expect(page.Locator("[data-organisation-state=\"co-signed\"]")).ToHaveCountAsync(0);

            // The browser's own check of the ledger counts the same organisations: those that signed the version in force.
            var box = page.Locator("[data-browser-check]").First;
            await Assertions.Expect(box).ToHaveAttributeAsync("data-browser-verifies", "true", new() { Timeout = 30_000 });
            await Assertions.Expect(box.Locator("[data-browser-summary]")).ToContainTextAsync(browserSummary);

            // On the phone the organisations table fits the window or scrolls inside its own box; the page does not scroll sideways.
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"),
                $"the page is wider than 390 px: {await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")}");
            await Axe.AssertNoViolationsAsync(page);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath($"verify-organisations-per-version-{locale[..2]}.png"), FullPage = true });
        }
    }
}
