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
        // Some answers are already in: 2, 3, 3, 5 on the 1–7 item → n 4, median 3.
        var earlier = new[] { 2, 3, 3, 5 };
        for (var i = 0; i < earlier.Length; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[4 + i].Token, s.RoundId,
                new { itemId = s.SevenPointItem, value = earlier[i] }), HttpStatusCode.Created);

        await using var personA = await browser.NewPersonAsync();
        await using var personB = await browser.NewPersonAsync();
        var a = await personA.NewPageAsync();
        var b = await personB.NewPageAsync();

        await b.GotoAsync(new Uri(app.Address, $"/p/{s.Participants[1].Token}").ToString());
        var bBlock = b.Locator($"[data-stats][data-item=\"{s.SevenPointItem}\"]");
        await Assertions.Expect(bBlock.Locator("[data-stat=n]")).ToHaveTextAsync("4");
        await Assertions.Expect(bBlock.Locator("[data-stat=median]")).ToHaveTextAsync("3");
        await Assertions.Expect(b.Locator("[data-live-status]")).ToContainTextAsync("aan");
        await b.EvaluateAsync("() => { window.__notReloaded = true; }");

        // A answers 6 and 7 → {2, 3, 3, 5, 6}: n 5, median 3; then A revises to 7 and another answer 6 → {2,3,3,5,6,7}: median 4.
        await a.GotoAsync(new Uri(app.Address, $"/p/{s.Participants[0].Token}").ToString());
        var card = a.Locator($"#item-{s.SevenPointItem}");
        await card.GetByLabel("6", new() { Exact = false }).First.CheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Antwoord opslaan" }).ClickAsync();
        await Assertions.Expect(a.Locator(".utrecht-alert--ok")).ToContainTextAsync("opgeslagen");

        await Assertions.Expect(bBlock.Locator("[data-stat=n]")).ToHaveTextAsync("5", new() { Timeout = 10_000 });
        await Assertions.Expect(bBlock.Locator("[data-stat=median]")).ToHaveTextAsync("3");
        await Assertions.Expect(bBlock.Locator("[data-category=\"6\"] [data-count]")).ToHaveTextAsync("1");

        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[8].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 7 }), HttpStatusCode.Created);
        await Assertions.Expect(bBlock.Locator("[data-stat=n]")).ToHaveTextAsync("6", new() { Timeout = 10_000 });
        await Assertions.Expect(bBlock.Locator("[data-stat=median]")).ToHaveTextAsync("4");
        Assert.True(await b.EvaluateAsync<bool>("() => window.__notReloaded === true"), "B's page was reloaded");

        await b.Locator($"#item-{s.SevenPointItem}").ScreenshotAsync(new LocatorScreenshotOptions { Path = Browser.ScreenshotPath("participant-live-nl.png") });
    }
}
