using System.Net;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Issue 18, item 3 in a real browser: before round 1 the facilitator chooses one voice per organisation on the
/// study overview (on a phone, axe at 0); the convergence page then says it in plain words, in Dutch and English.
/// </summary>
public sealed class VoiceUnitBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private string Url(string path) => new Uri(app.Address, path).ToString();

    [Fact]
    public async Task The_facilitator_chooses_one_voice_per_organisation_before_round_1_and_the_convergence_page_says_so()
    {
        var (context, token) = await browser.SignedInAsync(app, "nl-NL");
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 3, open: false, facilitatorToken: token);
        foreach (var (name, group) in new[] { ("Netbeheer Stad", "grid-operators"), ("Woonstichting A", "housing"), ("Platform Noord", "residents") })
            await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/organisations", new { name, group }), HttpStatusCode.Created);

        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}"));
        var choice = page.GetByRole(AriaRole.Group, new() { Name = "Hoe tellen de stemmen?" });
        await Assertions.Expect(choice.GetByLabel("Eén stem per persoon", new() { Exact = false })).ToBeCheckedAsync();
        await choice.GetByLabel("Eén stem per organisatie", new() { Exact = false }).CheckAsync();
        await page.Locator("form.voice-unit").GetByRole(AriaRole.Button, new() { Name = "Opslaan" }).ClickAsync();
        await Assertions.Expect(page.Locator("li[data-voice-unit=organisation]")).ToContainTextAsync("Wiens stem telt: één stem per organisatie.");
        await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "Hoe tellen de stemmen?" })
            .GetByLabel("Eén stem per organisatie", new() { Exact = false })).ToBeCheckedAsync();
        await Axe.AssertNoViolationsAsync(page);

        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/convergence"));
        await Assertions.Expect(page.Locator("[data-voice-unit=organisation]")).ToContainTextAsync("Eén stem per organisatie (3 organisaties).");
        await page.GotoAsync(Url($"/language/en?returnUrl=%2Ff%2Fstudies%2F{s.StudyId}%2Fconvergence"));
        await Assertions.Expect(page.Locator("[data-voice-unit=organisation]")).ToContainTextAsync("One voice per organisation (3 organisations).");
        await Axe.AssertNoViolationsAsync(page);
    }
}
