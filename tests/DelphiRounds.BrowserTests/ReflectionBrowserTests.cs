using System.Text.Json.Nodes;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Vision 2 after a reflection round (issue 21): /verify/{studyId} shows vision 1 and vision 2 and what changed, in Dutch and in
/// English, axe clean; the visitor's browser (ledger-check.js) accepts the whole ledger with its revision entry, and rejects a copy
/// whose revision was changed with the same words as the server.
/// </summary>
public sealed class ReflectionBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private string Url(string path) => new Uri(app.Address, path).ToString();

    [Fact]
    public async Task The_verification_page_shows_vision_1_and_vision_2_and_what_changed_and_the_browser_checks_the_whole_chain_in_both_languages()
    {
        var r = await ReflectionScenario.SignedVision2Async(app);
        var studyId = r.Agenda.StudyId;
        var genuine = JsonNode.Parse((await VisionScenario.LedgerAsync(app, studyId)).GetRawText())!.AsObject();
        var server = LedgerVerifier.Verify(genuine);
        Assert.True(server.Verifies, server.Message);

        foreach (var (locale, versions, changes) in new[]
                 {
                     ("nl-NL", "Versies van de visie", "Wat veranderde van visie 1 naar visie 2"),
                     ("en-GB", "Versions of the vision", "What changed from vision 1 to vision 2"),
                 })
        {
            await using var reader = await browser.NewPersonAsync(locale);
            await Axe.AddToAsync(reader);
            var page = await reader.NewPageAsync();
            await page.GotoAsync(Url($"/verify/{studyId}"));
            await Assertions.Expect(page.Locator("[data-verifies]")).ToHaveAttributeAsync("data-verifies", "true");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2, Name = versions })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 3, Name = changes })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-vision-version]")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("[data-vision-version=\"2\"]")).ToContainTextAsync(r.Vision2[..16]);
            await Assertions.Expect(page.Locator("[data-change=added]")).ToContainTextAsync("Buurten kiezen zelf wanneer ze overstappen.");
            await Assertions.Expect(page.Locator("[data-change=changed]")).ToContainTextAsync("In 2030 zit ruim de helft van de woningen op een warmtenet.");
            await Assertions.Expect(page.Locator("[data-change=moved]")).ToContainTextAsync("45");
            await Assertions.Expect(page.Locator("[data-change=moved]")).ToContainTextAsync("60");
            // The browser checks the whole ledger, vision 2's revision entry included, and agrees with the server.
            var box = page.Locator("[data-browser-check]").First;
            await Assertions.Expect(box).ToHaveAttributeAsync("data-browser-verifies", "true", new() { Timeout = 30_000 });
            await Assertions.Expect(box.Locator("[data-browser-message]")).ToHaveTextAsync(server.Message);
            await Axe.AssertNoViolationsAsync(page);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath($"verify-vision-2-{locale}.png"), FullPage = true });
        }

        // A copy whose revision entry names another version: the browser fails at entry 4 with the server's words.
        var tampered = (JsonObject)genuine.DeepClone();
        var record = JsonNode.Parse(tampered["entries"]![3]!["record"]!.GetValue<string>())!;
        record["number"] = 3;
        tampered["entries"]![3]!["record"] = record.ToJsonString();
        var expected = LedgerVerifier.Verify(tampered);
        Assert.False(expected.Verifies);
        Assert.Equal(4, expected.BrokenEntry);
        await using var visitor = await browser.NewPersonAsync();
        var check = await visitor.NewPageAsync();
        var body = tampered.ToJsonString();
        await check.RouteAsync($"**/api/v1/studies/{studyId}/ledger", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200, ContentType = "application/json", Body = body,
        }));
        await check.GotoAsync(Url($"/verify/{studyId}"));
        var broken = check.Locator("[data-browser-check]").First;
        await Assertions.Expect(broken).ToHaveAttributeAsync("data-browser-verifies", "false", new() { Timeout = 30_000 });
        await Assertions.Expect(broken).ToHaveAttributeAsync("data-browser-broken-entry", "4");
        await Assertions.Expect(broken.Locator("[data-browser-message]")).ToHaveTextAsync(expected.Message);
    }
}
