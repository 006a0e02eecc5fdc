using System.Text;
using Xunit.Abstractions;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// axe-core (see <see cref="Axe"/>) on every page and state of <see cref="PageStates"/>, in Dutch and in
/// English: WCAG 2.0/2.1/2.2 A and AA rules and axe's best practices (landmarks, heading order, one h1).
/// Zero violations; the language switch is there. The same page is then narrowed to 320 CSS px (WCAG 1.4.10 reflow: what 1280 px at
/// 400 % zoom is) and must not scroll sideways.
/// </summary>
[Collection(PeopleCollection.Name)]
public sealed class AccessibilityTests(PeopleWorld world, ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(PageStates.Names), MemberType = typeof(PageStates))]
    public async Task Page_state_passes_axe_in_Dutch_and_English_and_reflows_at_320_px(string name)
    {
        var state = PageStates.Named(name);
        var report = new StringBuilder();
        // Both languages at once: two pages of the same browser.
        var counts = await Task.WhenAll(new[] { "nl", "en" }.Select(async lang =>
        {
            var page = await world.PageAsync(state.Who, lang);
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await page.GotoAsync(world.Url(state.Path(world)).ToString());
                if (state.Act is not null) await state.Act(page, world);
                Assert.Equal(lang, await page.EvaluateAsync<string>("() => document.documentElement.lang"));
                // The language switch is on every page, to the other language, and comes back to this page.
                var other = lang == "nl" ? "en" : "nl";
                var switchHref = await page.Locator($"a[href^='/language/{other}?returnUrl=']").GetAttributeAsync("href");
                Assert.Equal(new Uri(page.Url).PathAndQuery, Uri.UnescapeDataString(switchHref!.Split("returnUrl=")[1]));
                var loaded = clock.ElapsedMilliseconds;
                var violations = await Axe.RunAsync(page);
                var checkedAt = clock.ElapsedMilliseconds;
                await page.SetViewportSizeAsync(320, 720);
                var wide = await ReflowTests.TooWideAsync(page);
                lock (report)
                {
                    output.WriteLine($"{name} [{lang}]: {violations.Length} violations (page {loaded} ms, axe {checkedAt - loaded} ms)");
                    foreach (var v in violations) report.AppendLine($"[{lang}] {v}");
                    if (wide is not null) report.AppendLine($"[{lang}] at 320 px: {wide}");
                }
                return violations.Length + (wide is null ? 0 : 1);
            }
            finally { await page.CloseAsync(); }
        }));
        var total = counts.Sum();
        Assert.True(total == 0, $"{name}: {total} problem(s)\n{report}");
    }

    /// <summary>The checks can fail: a picture without a text alternative and a page wider than 320 px are caught.</summary>
    [Fact]
    public async Task The_checker_catches_a_missing_text_alternative_and_a_page_too_wide()
    {
        var page = await world.PageAsync("anonymous", "en");
        try
        {
            await page.GotoAsync(world.Url("/help").ToString());
            await page.EvaluateAsync("""
                () => { const img = document.createElement('img'); img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
                  const wide = document.createElement('div'); wide.className = 'too-wide'; wide.style.cssText = 'inline-size: 500px; block-size: 1rem';
                  document.querySelector('main').append(img, wide); }
                """);
            var violations = await Axe.RunAsync(page);
            Assert.Contains(violations, v => v.Id == "image-alt");
            await page.SetViewportSizeAsync(320, 720);
            Assert.Contains("div.too-wide", await ReflowTests.TooWideAsync(page));
        }
        finally { await page.CloseAsync(); }
    }
}
