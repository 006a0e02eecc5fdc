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
        ("sign", "signing"),
        ("verify", "verification"),
        ("help", "help"),
    ];

    /// <summary>The pages also photographed on a 390 px phone (issue 16): what participants, facilitators and signatories open there.</summary>
    public static readonly IReadOnlySet<string> OnPhone = new HashSet<string> { "questionnaire", "panel", "convergence-page", "signing", "verification" };

    [Fact]
    public async Task The_main_pages_are_photographed_in_both_languages_at_1280_and_on_a_390_px_phone()
    {
        // Both languages at once: two pages of the same browser.
        foreach (var (stateName, file) in Shots)
            await Task.WhenAll(new[] { "nl", "en" }.Select(async lang =>
            {
                var state = PageStates.Named(stateName);
                var page = await world.PageAsync(state.Who, lang);
                try
                {
                    var sizes = OnPhone.Contains(file) ? new[] { (1280, 900, ""), (390, 844, "-phone") } : [(1280, 900, "")];
                    foreach (var (width, height, suffix) in sizes)
                    {
                        await page.SetViewportSizeAsync(width, height);
                        await page.GotoAsync(world.Url(state.Path(world)).ToString());
                        if (state.Act is not null) await state.Act(page, world);
                        await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
                        await page.EvaluateAsync("() => document.fonts.ready");
                        var path = Browser.ScreenshotPath($"{file}{suffix}-{lang}.png");
                        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
                        Assert.True(new FileInfo(path).Length > 5_000);
                    }
                }
                finally { await page.CloseAsync(); }
            }));
    }
}
