using System.Net;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// Live statistics a participant controls (WCAG 2.2.1/2.2.2): announced politely, pausable, slowed to one
/// update per interval (remembered); every chart has a table of the same figures; reduced motion is honoured.
/// </summary>
[Collection(PeopleCollection.Name)]
public sealed class LiveFiguresTests(PeopleWorld world)
{
    private async Task AnswerRatingAsync(string spare, int value) =>
        await Scenario.Expect(await Scenario.AnswerAsync(world.App, world.ParticipantTokens[spare], world.AllKindsRound2,
            new { itemId = world.AllKindsItems["rating"], value }), HttpStatusCode.Created);

    /// <summary>
    /// Threshold release: one answer changes no screen. The spares answer (again: a revision counts) until the
    /// rating item's released figures change; returns them (version and n) as the stats endpoint has them. Three
    /// of one group (spare2–spare6 are residents), since a group shown moves only by three of its own.
    /// </summary>
    private async Task<(long Version, int N)> ReleaseStepAsync(params string[] spares)
    {
        var before = await ReleasedAsync();
        var value = 2;
        for (var i = 0; i < 6 * spares.Length; i++)
        {
            await AnswerRatingAsync(spares[i % spares.Length], value);
            value = value % 6 + 2;
            var now = await ReleasedAsync();
            if (now.Version != before.Version) return now;
        }
        throw new Xunit.Sdk.XunitException("the rating item was not released after many answers");
    }

    private async Task<(long Version, int N)> ReleasedAsync()
    {
        var stats = await Scenario.Expect(await world.Api.GetAsync($"/api/v1/rounds/{world.AllKindsRound2}/stats"), HttpStatusCode.OK);
        var item = Scenario.ItemStats(stats, world.AllKindsItems["rating"]);
        return (item.GetProperty("version").GetInt64(), item.GetProperty("overall").GetProperty("n").GetInt32());
    }

    /// <summary>
    /// The round-2 participant's questionnaire, live, in a browser of its own with "update more slowly" at
    /// <paramref name="slowMs"/> (10 s in the product); the rating item's block. Dispose the person when done.
    /// </summary>
    private async Task<(IBrowserContext Person, IPage Page, ILocator Block)> QuestionnaireAsync(int slowMs)
    {
        var person = await world.Browser.NewPersonAsync();
        await person.AddInitScriptAsync($"window.delphiLiveSlowMs = {slowMs};");
        var page = await person.NewPageAsync();
        await page.GotoAsync(world.Url("/p/" + world.ParticipantTokens["round2"]).ToString());
        await PageStates.Live(page, world);
        return (person, page, page.Locator($"[data-stats][data-item=\"{world.AllKindsItems["rating"]}\"]"));
    }

    [Fact]
    public async Task Slowed_down_figures_wait_for_the_interval_and_the_choice_is_remembered()
    {
        // The interval is 10 s in the product; this test shortens it to keep the suite quick.
        var (person, page, block) = await QuestionnaireAsync(slowMs: 3000);
        await using var _ = person;
        var before = await block.GetAttributeAsync("data-version");

        Assert.Equal("polite", await page.Locator("[data-live-announce]").GetAttributeAsync("aria-live"));
        var slow = page.Locator("[data-live-slow]");
        await slow.ClickAsync();
        await Assertions.Expect(slow).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(page.Locator("[data-live-status]")).ToContainTextAsync("10 seconden");

        var first = await ReleaseStepAsync("spare2", "spare3", "spare4");
        await page.WaitForTimeoutAsync(1200);
        Assert.Equal(before, await block.GetAttributeAsync("data-version")); // held back
        await Assertions.Expect(block).ToHaveAttributeAsync("data-version", first.Version.ToString(), new() { Timeout = 8_000 });

        // Remembered after a reload; switching back shows changes at once again.
        await page.ReloadAsync();
        await PageStates.Live(page, world);
        await Assertions.Expect(page.Locator("[data-live-slow]")).ToHaveAttributeAsync("aria-pressed", "true");
        await page.Locator("[data-live-slow]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-live-slow]")).ToHaveAttributeAsync("aria-pressed", "false");
        var second = await ReleaseStepAsync("spare2", "spare3", "spare4");
        await Assertions.Expect(block).ToHaveAttributeAsync("data-version", second.Version.ToString(), new() { Timeout = 3_000 });
        await Assertions.Expect(block.Locator("[data-stat=n]")).ToHaveTextAsync(second.N.ToString());
        await Assertions.Expect(page.Locator("[data-live-announce]")).ToContainTextAsync($"{second.N} antwoorden");
    }

    [Fact]
    public async Task Slowed_down_a_snapshot_older_than_a_push_does_not_replace_the_figures_held_back()
    {
        // A snapshot (fetched on a reconnect, or for a change not held) read before a push that came first used to
        // replace the newer figures held back while slowed: the page then showed the older ones and the newer never (the
        // suite met it once, the page staying on the version it had). The interval is long here, so nothing is shown
        // before switching back, which shows what was held back at once.
        var (person, page, block) = await QuestionnaireAsync(slowMs: 600_000);
        await using var _ = person;
        var itemId = world.AllKindsItems["rating"];
        var stale = await page.EvaluateAsync<string>($"() => fetch('/api/v1/rounds/{world.AllKindsRound2}/stats').then(r => r.text())");
        var before = await block.GetAttributeAsync("data-version");
        var slow = page.Locator("[data-live-slow]");
        await slow.ClickAsync();
        await Assertions.Expect(slow).ToHaveAttributeAsync("aria-pressed", "true");

        var released = await ReleaseStepAsync("spare4", "spare5", "spare6");
        await page.WaitForFunctionAsync($"() => window.delphiLive.held({itemId}) >= {released.Version}", null, new() { Timeout = 8_000 });
        // The next snapshot answers with the figures from before the push, as one read just before it would.
        await page.RouteAsync($"**/api/v1/rounds/{world.AllKindsRound2}/stats", route =>
            route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = stale }));
        await page.EvaluateAsync("() => window.delphiLive.snapshot()");
        Assert.Equal(before, await block.GetAttributeAsync("data-version")); // still held back
        await page.UnrouteAllAsync();
        await slow.ClickAsync();
        await Assertions.Expect(slow).ToHaveAttributeAsync("aria-pressed", "false");
        await Assertions.Expect(block).ToHaveAttributeAsync("data-version", released.Version.ToString(), new() { Timeout = 3_000 });
        await Assertions.Expect(block.Locator("[data-stat=n]")).ToHaveTextAsync(released.N.ToString());
    }

    [Fact]
    public async Task The_convergence_page_can_be_slowed_down_too_and_holds_its_charts_until_switched_back()
    {
        var page = await world.PageAsync("facilitator", "en");
        try
        {
            await page.GotoAsync(world.Url($"/f/studies/{world.AllKindsStudy}/convergence").ToString());
            await PageStates.Live(page, world);
            // The script swaps in a block drawn again by the server: a mark on the block shows whether it was swapped.
            var item = $"[data-convergence-item=\"{world.AllKindsItems["rating"]}\"]";
            async Task Mark() => await page.EvaluateAsync($"() => {{ document.querySelector('{item}').__unchanged = true; }}");
            async Task<bool> Unchanged() => await page.EvaluateAsync<bool>($"() => document.querySelector('{item}').__unchanged === true");
            await Mark();
            var slow = page.Locator("[data-live-slow]");
            await slow.ClickAsync();
            await Assertions.Expect(slow).ToHaveAttributeAsync("aria-pressed", "true");
            await Assertions.Expect(page.Locator("[data-live-status]")).ToContainTextAsync("10 seconds");

            await ReleaseStepAsync("spare4", "spare5", "spare6");
            await page.WaitForTimeoutAsync(2500); // unslowed, the chart is redrawn within about a second
            Assert.True(await Unchanged(), "the slowed page redrew the chart");

            // Remembered after a reload (the same choice as on the questionnaire); switching back redraws at once.
            await page.ReloadAsync();
            await PageStates.Live(page, world);
            await Assertions.Expect(page.Locator("[data-live-slow]")).ToHaveAttributeAsync("aria-pressed", "true");
            await Mark();
            var released = await ReleaseStepAsync("spare4", "spare5", "spare6");
            await page.WaitForTimeoutAsync(2500);
            Assert.True(await Unchanged(), "the slowed page redrew the chart"); // the page as loaded, the new release held
            await page.Locator("[data-live-slow]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-live-slow]")).ToHaveAttributeAsync("aria-pressed", "false");
            await Assertions.Expect(page.Locator($"{item} tr[data-round=\"2\"] [data-figure=n]")).ToHaveTextAsync(released.N.ToString(), new() { Timeout = 5_000 });
            Assert.False(await Unchanged(), "switched back, the held chart was not redrawn");
        }
        finally { await page.CloseAsync(); }
    }

    [Fact]
    public async Task Paused_figures_stay_still_until_resumed()
    {
        var page = await world.PageAsync("participant:round2", "en");
        try
        {
            await page.GotoAsync(world.Url("/p").ToString());
            await PageStates.Live(page, world);
            var block = page.Locator($"[data-stats][data-item=\"{world.AllKindsItems["rating"]}\"]");
            var before = await block.GetAttributeAsync("data-version");
            await page.Locator("[data-live-pause]").ClickAsync();
            var released = await ReleaseStepAsync("spare2", "spare5", "spare6");
            await page.WaitForTimeoutAsync(1000);
            Assert.Equal(before, await block.GetAttributeAsync("data-version"));
            await page.Locator("[data-live-pause]").ClickAsync();
            await Assertions.Expect(block).ToHaveAttributeAsync("data-version", released.Version.ToString(), new() { Timeout = 3_000 });
        }
        finally { await page.CloseAsync(); }
    }

    [Theory]
    [InlineData("questionnaire-round2")]
    [InlineData("dashboard")]
    [InlineData("convergence")]
    [InlineData("convergence-finished")]
    [InlineData("panel")]
    [InlineData("report-finished")]
    public async Task Every_chart_has_a_table_with_its_figures(string stateName)
    {
        var state = PageStates.Named(stateName);
        var page = await world.PageAsync(state.Who, "nl");
        try
        {
            await page.GotoAsync(world.Url(state.Path(world)).ToString());
            var charts = await page.EvaluateAsync<int>("() => document.querySelectorAll('main svg').length");
            Assert.True(charts > 0, "no chart on the page");
            var without = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('main svg')]
                  .filter(svg => {
                    if (svg.closest('td, th')) return false; // a bar inside the table it illustrates
                    if (svg.closest('.chart-legend')) return false; // the legend's colour keys are not charts
                    // The chart's own block (its figure, the item's card or section) holds a table with a caption.
                    for (let e = svg.parentElement; e && e !== document.body; e = e.parentElement)
                      if (e.matches('figure, section, article, .aggregate') && e.querySelector('table caption')) return false;
                    return true; })
                  .map(svg => svg.outerHTML.slice(0, 120))
                """);
            Assert.Empty(without);
        }
        finally { await page.CloseAsync(); }
    }

    [Fact]
    public async Task Reduced_motion_stops_the_flash_and_the_bar_transitions()
    {
        var page = await world.PageAsync("participant:round2", "nl");
        try
        {
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { ReducedMotion = ReducedMotion.Reduce });
            await page.GotoAsync(world.Url("/p").ToString());
            var styles = await page.EvaluateAsync<string[]>("""
                () => {
                  const block = document.querySelector('[data-stats]'); block.classList.add('flash');
                  const rect = document.querySelector('.bar rect');
                  return [getComputedStyle(block).animationName, getComputedStyle(rect).transitionDuration];
                }
                """);
            Assert.Equal("none", styles[0]);
            Assert.Equal("0s", styles[1]);
        }
        finally { await page.CloseAsync(); }
    }
}
