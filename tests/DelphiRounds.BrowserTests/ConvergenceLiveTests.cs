using System.Net;
using DelphiRounds.Accounts;
using DelphiRounds.Demo;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>Issue 5: the facilitator's convergence page follows an open round: a new answer redraws the item's chart and table without a reload.</summary>
public sealed class ConvergenceLiveTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_new_answer_redraws_the_items_convergence_block_without_a_reload()
    {
        var s = await Scenario.CreateAsync(app);
        // Three answers: the first release (threshold release, k = 3); each later step is three more.
        foreach (var (p, v) in s.Participants.Take(3).Zip(new[] { 4, 5, 5 }))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = v }), HttpStatusCode.Created);
        var account = (await app.Services.GetRequiredService<FacilitatorStore>().FindByApiTokenAsync(s.FacilitatorToken))!;

        await using var person = await browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        await page.GotoAsync(new Uri(app.Address, "/login").ToString());
        await page.GetByLabel("E-mailadres").FillAsync(account.Email);
        await page.GetByLabel("Wachtwoord").FillAsync("correct horse battery staple");
        await page.Locator("main form button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/f$"));
        await page.GotoAsync(new Uri(app.Address, $"/f/studies/{s.StudyId}/convergence").ToString());

        var item = page.Locator($"[data-convergence-item=\"{s.SevenPointItem}\"]");
        var n = item.Locator("tr[data-round=\"1\"] [data-figure=n]");
        await Assertions.Expect(n).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("[data-live-status]")).ToContainTextAsync("aan", new() { Timeout = 10_000 });
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");

        foreach (var (p, v) in s.Participants.Skip(3).Take(3).Zip(new[] { 7, 6, 6 }))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = v }), HttpStatusCode.Created);
        await Assertions.Expect(n).ToHaveTextAsync("6", new() { Timeout = 10_000 });
        await Assertions.Expect(item.Locator("svg.chart--location desc")).ToContainTextAsync("6 antwoorden");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page was reloaded");

        // Paused, nothing moves; resumed, the waiting change comes in.
        await page.Locator("[data-live-pause]").ClickAsync();
        foreach (var p in s.Participants.Skip(6).Take(3))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        await page.WaitForTimeoutAsync(2500);
        await Assertions.Expect(n).ToHaveTextAsync("6");
        await page.Locator("[data-live-pause]").ClickAsync();
        await Assertions.Expect(n).ToHaveTextAsync("9", new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task The_finished_demo_study_shows_the_split_on_item_5_per_group()
    {
        var (id, token, email, password) = await app.FacilitatorAsync();
        _ = token;
        var demo = await app.Services.GetRequiredService<ProcessDemo>().RunAsync(id, ProcessDemo.DefaultRounds, seed: 2031);
        await using var person = await browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        await page.GotoAsync(new Uri(app.Address, "/login").ToString());
        await page.GetByLabel("E-mailadres").FillAsync(email);
        await page.GetByLabel("Wachtwoord").FillAsync(password);
        await page.Locator("main form button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/f$"));
        await page.GotoAsync(new Uri(app.Address, $"/f/studies/{demo.StudyId}/convergence").ToString());

        var item = page.Locator($"[data-convergence-item=\"{demo.Items[5]}\"]");
        // Stable dissent between two camps of groups: shown as polarised, with its poles.
        await Assertions.Expect(item.Locator(".verdict--polarised")).ToBeVisibleAsync();
        await Assertions.Expect(item.Locator("figure[data-group=\"housing-corporations\"] svg title")).ToContainTextAsync("Woningcorporaties");
        // The charts are drawn: the band and the median line have a size on screen.
        var band = await item.Locator("svg.chart--location .chart__band").First.BoundingBoxAsync();
        Assert.True(band is { Width: > 50, Height: > 5 }, "the interquartile band is not drawn");
        await item.ScreenshotAsync(new LocatorScreenshotOptions { Path = Browser.ScreenshotPath("convergence-nl.png") });
    }
}
