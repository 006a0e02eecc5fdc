using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// WCAG 1.4.10 reflow: at 320 CSS px wide (what 1280 px at 400 % zoom is) no page scrolls sideways.
/// Every state of <see cref="PageStates"/>, in Dutch (the longer words).
/// </summary>
[Collection(PeopleCollection.Name)]
public sealed class ReflowTests(PeopleWorld world)
{
    [Fact]
    public async Task No_page_scrolls_sideways_at_320_css_pixels()
    {
        var wide = new List<string>();
        foreach (var state in PageStates.All)
        {
            var page = await world.PageAsync(state.Who, "nl");
            try
            {
                await page.SetViewportSizeAsync(320, 720);
                await page.GotoAsync(world.Url(state.Path(world)).ToString());
                if (state.Act is not null) await state.Act(page, world);
                var (scroll, width) = await page.EvaluateAsync<(int, int)>("() => [document.documentElement.scrollWidth, window.innerWidth]");
                if (scroll > width)
                {
                    var culprits = await page.EvaluateAsync<string[]>("""
                        () => [...document.querySelectorAll('main *, header *, footer *')]
                          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('table, pre'))
                          .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className.split(' ').join('.') : ''))
                        """);
                    wide.Add($"{state.Name}: {scroll} px wide ({string.Join(", ", culprits)})");
                }
            }
            finally { await page.CloseAsync(); }
        }
        Assert.True(wide.Count == 0, string.Join("\n", wide));
    }

    [Fact]
    public async Task Text_zoomed_to_200_percent_still_fits_the_questionnaire()
    {
        var page = await world.PageAsync("participant:round2", "nl");
        try
        {
            await page.SetViewportSizeAsync(640, 900);
            await page.GotoAsync(world.Url("/p").ToString());
            await page.EvaluateAsync("() => { document.documentElement.style.fontSize = '200%'; }");
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        }
        finally { await page.CloseAsync(); }
    }
}
