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
              .concat([...document.querySelectorAll('table, pre')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                && !(e.parentElement && e.parentElement.closest('table, pre'))))
              .slice(0, 6).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')
            """);
        return $"{sizes[0]} px wide at {sizes[1]} px ({string.Join(", ", culprits)})";
    }

    /// <summary>
    /// Words the page cuts across two lines (at the current width): "Stro/ngly", "close/d". Hashes, codes,
    /// links, form fields and words longer than 24 characters may break; a word may break after a hyphen or slash.
    /// </summary>
    public static async Task<string[]> BrokenWordsAsync(IPage page) =>
        await page.EvaluateAsync<string[]>("""
            () => {
              const out = [];
              const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
              for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                const el = n.parentElement;
                if (!el || el.closest('.hash, code, pre, a[href^="http"], textarea, .visually-hidden, svg, .link-box, script, style')) continue;
                if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
                const re = /[^\s\-\u2010\u2013\u2014\/]+/g; let m;
                while ((m = re.exec(n.data))) {
                  if (m[0].length < 2 || m[0].length > 24) continue;
                  const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                  const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
                  if (tops.size > 1) out.push(m[0] + ' (' + el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().split(/\s+/).join('.') : '') + ')');
                }
              }
              return out.slice(0, 8);
            }
            """);

    /// <summary>The pages of issue 16 on a 390 px phone and at 320 px: whole words, nothing sideways.</summary>
    [Theory]
    [InlineData("questionnaire-round2")]
    [InlineData("panel")]
    [InlineData("convergence")]
    [InlineData("sign")]
    [InlineData("receipt")]
    [InlineData("verify")]
    [InlineData("study-running")]
    public async Task On_a_phone_words_stay_whole_and_nothing_scrolls_sideways(string name)
    {
        var state = PageStates.Named(name);
        foreach (var lang in new[] { "nl", "en" })
        {
            var page = await world.PageAsync(state.Who, lang);
            try
            {
                await page.SetViewportSizeAsync(390, 844);
                await page.GotoAsync(world.Url(state.Path(world)).ToString());
                if (state.Act is not null) await state.Act(page, world);
                foreach (var width in new[] { 390, 320 })
                {
                    await page.SetViewportSizeAsync(width, 844);
                    Assert.Null(await TooWideAsync(page));
                    var broken = await BrokenWordsAsync(page);
                    Assert.True(broken.Length == 0, $"{name} [{lang}] at {width} px cuts words: {string.Join(", ", broken)}");
                }
            }
            finally { await page.CloseAsync(); }
        }
    }

    /// <summary>The check can fail: a narrow box of long words is caught.</summary>
    [Fact]
    public async Task The_word_check_catches_a_word_cut_in_two()
    {
        var page = await world.PageAsync("anonymous", "en");
        try
        {
            await page.GotoAsync(world.Url("/help").ToString());
            await page.EvaluateAsync("""
                () => { const p = document.createElement('p'); p.textContent = 'Strongly disagree';
                  p.style.cssText = 'inline-size: 3rem; overflow-wrap: anywhere'; document.querySelector('main').append(p); }
                """);
            Assert.Contains(await BrokenWordsAsync(page), w => w.StartsWith("Strongly") || w.StartsWith("disagree"));
        }
        finally { await page.CloseAsync(); }
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
