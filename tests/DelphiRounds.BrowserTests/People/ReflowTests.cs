using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// WCAG 1.4.10 reflow: at 320 CSS px wide (what 1280 px at 400 % zoom is) no page scrolls sideways. Every
/// state of <see cref="PageStates"/> is narrowed to 320 px right after its axe check
/// (<see cref="AccessibilityTests"/>); here the measure itself, and text zoomed to 200 %.
/// </summary>
[Collection(PeopleCollection.Name)]
public sealed class ReflowTests(PeopleWorld world)
{
    /// <summary>Null when the page fits its window; else how wide it is and the widest elements.</summary>
    public static async Task<string?> TooWideAsync(IPage page)
    {
        var sizes = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        if (sizes[0] <= sizes[1]) return null;
        var culprits = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('table, pre') && [...e.children].every(c => c.getBoundingClientRect().right <= window.innerWidth + 1))
              .slice(0, 6).map(e => e.tagName.toLowerCase() + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')
            """);
        return $"{sizes[0]} px wide at {sizes[1]} px ({string.Join(", ", culprits)})";
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
            Assert.Null(await TooWideAsync(page));
        }
        finally { await page.CloseAsync(); }
    }
}
