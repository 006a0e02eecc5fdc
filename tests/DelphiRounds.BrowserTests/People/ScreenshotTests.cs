using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>The README's pictures of the main pages, in Dutch and English, taken from the world's states.</summary>
[Collection(PeopleCollection.Name)]
public sealed class ScreenshotTests(PeopleWorld world)
{
    /// <summary>Page state and file name (without language). Add a line to photograph a new page.</summary>
    public static readonly IReadOnlyList<(string State, string File)> Shots =
    [
        ("questionnaire-round2", "questionnaire"),
        ("dashboard", "dashboard"),
        ("study-running", "study"),
        ("items", "items"),
        ("convergence", "convergence-page"),
        ("report", "report"),
        ("panel", "panel"),
        ("vision-frozen", "vision"),
        ("verify", "verification"),
        ("help", "help"),
    ];

    [Fact]
    public async Task The_main_pages_are_photographed_in_both_languages()
    {
        // Both languages at once: two pages of the same browser.
        foreach (var (stateName, file) in Shots)
            await Task.WhenAll(new[] { "nl", "en" }.Select(async lang =>
            {
                var state = PageStates.Named(stateName);
                var page = await world.PageAsync(state.Who, lang);
                try
                {
                    await page.GotoAsync(world.Url(state.Path(world)).ToString());
                    if (state.Act is not null) await state.Act(page, world);
                    await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
                    var path = Browser.ScreenshotPath($"{file}-{lang}.png");
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
                    Assert.True(new FileInfo(path).Length > 5_000);
                }
                finally { await page.CloseAsync(); }
            }));
        // A phone: the questionnaire at 360 px.
        var phone = await world.PageAsync("participant:round2", "nl");
        await phone.SetViewportSizeAsync(360, 780);
        await phone.GotoAsync(world.Url("/p").ToString());
        await phone.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("questionnaire-phone-nl.png") });
        await phone.CloseAsync();
    }
}
