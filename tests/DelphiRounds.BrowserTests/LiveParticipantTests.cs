using System.Net;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>Two people in two browsers: one answers, the other's page shows it without a reload.</summary>
public sealed class LiveParticipantTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    [Fact]
    public async Task When_one_participant_answers_the_others_page_shows_the_new_n_and_median_without_a_reload()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 4);
        // Three housing answers are already in: 2, 3, 3 on the 1–7 item → n 3, median 3 (the first release).
        var earlier = new[] { 2, 3, 3 };
        for (var i = 0; i < earlier.Length; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[4 + i].Token, s.RoundId,
                new { itemId = s.SevenPointItem, value = earlier[i] }), HttpStatusCode.Created);

        await using var personA = await browser.NewPersonAsync();
        await using var personB = await browser.NewPersonAsync();
        var a = await personA.NewPageAsync();
        var b = await personB.NewPageAsync();

        // The page speaks MessagePack to the hub (the bundled msgpack protocol): its handshake names it.
        var handshake = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.WebSocket += (_, socket) =>
        {
            if (socket.Url.Contains("/hubs/live", StringComparison.Ordinal)) socket.FrameSent += (_, frame) => handshake.TrySetResult(frame.Text ?? "");
        };
        await b.GotoAsync(new Uri(app.Address, $"/p/{s.Participants[1].Token}").ToString());
        Assert.Contains("\"protocol\":\"messagepack\"", await handshake.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var bBlock = b.Locator($"[data-stats][data-item=\"{s.SevenPointItem}\"]");
        await Assertions.Expect(bBlock.Locator("[data-stat=n]")).ToHaveTextAsync("3");
        await Assertions.Expect(bBlock.Locator("[data-stat=median]")).ToHaveTextAsync("3");
        await Assertions.Expect(b.Locator("[data-live-status]")).ToContainTextAsync("aan");
        await b.EvaluateAsync("() => { window.__notReloaded = true; }");

        // A answers 6 in the browser: one answer alone is not released (threshold release, k = 3).
        await a.GotoAsync(new Uri(app.Address, $"/p/{s.Participants[0].Token}").ToString());
        var card = a.Locator($"#item-{s.SevenPointItem}");
        await card.GetByLabel("6", new() { Exact = false }).First.CheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Antwoord opslaan" }).ClickAsync();
        await Assertions.Expect(a.Locator(".utrecht-alert--ok")).ToContainTextAsync("opgeslagen");
        await Task.Delay(500);
        await Assertions.Expect(bBlock.Locator("[data-stat=n]")).ToHaveTextAsync("3");

        // Two residents answer 7 and 5 → {2, 3, 3, 5, 6, 7}: three changes, released together: n 6, median 4.
        foreach (var (p, v) in new[] { (8, 7), (9, 5) })
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[p].Token, s.RoundId, new { itemId = s.SevenPointItem, value = v }), HttpStatusCode.Created);
        await Assertions.Expect(bBlock.Locator("[data-stat=n]")).ToHaveTextAsync("6", new() { Timeout = 10_000 });
        await Assertions.Expect(bBlock.Locator("[data-stat=median]")).ToHaveTextAsync("4");
        await Assertions.Expect(bBlock.Locator("[data-category=\"6\"] [data-count]")).ToHaveTextAsync("1");
        Assert.True(await b.EvaluateAsync<bool>("() => window.__notReloaded === true"), "B's page was reloaded");

        await b.Locator($"#item-{s.SevenPointItem}").ScreenshotAsync(new LocatorScreenshotOptions { Path = Browser.ScreenshotPath("participant-live-nl.png") });
    }

    [Fact]
    public async Task Live_figures_move_in_steps_of_at_least_three_answers()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 4);
        await using var person = await browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        await page.GotoAsync(new Uri(app.Address, $"/p/{s.Participants[3].Token}").ToString());
        await Assertions.Expect(page.Locator("[data-live-status]")).ToContainTextAsync("aan");
        await Assertions.Expect(page.Locator("[data-threshold-note]")).ToContainTextAsync("minstens 3 mensen");
        // Every count the screen shows, in order, as the participant would see them.
        await page.EvaluateAsync($$"""
            () => {
              const n = document.querySelector('[data-stats][data-item="{{s.SevenPointItem}}"] [data-stat=n]');
              window.__counts = [n.textContent.trim()];
              new MutationObserver(() => window.__counts.push(n.textContent.trim())).observe(n, { childList: true, characterData: true, subtree: true });
            }
            """);

        // Nine others answer one by one, each slower than the publisher's tick: without threshold release the
        // screen would count 1, 2, 3, … and each step would be one person's answer.
        var others = s.Participants.Where((_, i) => i != 3).GroupBy(p => p.Group).SelectMany(g => g.Take(3)).ToList();
        var value = 1;
        foreach (var p in others)
        {
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = value++ % 7 + 1 }), HttpStatusCode.Created);
            await Task.Delay(150);
        }
        var block = page.Locator($"[data-stats][data-item=\"{s.SevenPointItem}\"]");
        await Assertions.Expect(block.Locator("[data-stat=n]")).ToHaveTextAsync("9", new() { Timeout = 10_000 });

        var counts = (await page.EvaluateAsync<string[]>("() => window.__counts"))
            .Select(t => int.TryParse(t, out var n) ? n : 0).ToList();
        var distinct = counts.Where((n, i) => i == 0 || n != counts[i - 1]).ToList();
        Assert.True(distinct.Count >= 3, $"the screen showed {string.Join(" → ", distinct)}: too few steps to tell");
        for (var i = 1; i < distinct.Count; i++)
            Assert.True(distinct[i] - distinct[i - 1] >= 3, $"the screen moved by {distinct[i] - distinct[i - 1]} answer(s): {string.Join(" → ", distinct)}");
    }
}
