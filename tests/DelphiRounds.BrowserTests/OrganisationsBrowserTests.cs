using System.Net;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Issue 18 in a real browser: the facilitator pastes the panel as CSV on the organisations page, sees each wrong
/// line named (nothing added), fixes it and sees the organisations per group; the study overview warns before
/// round 1 about a group with fewer than 3 people — in Dutch and in English, on a phone too, with axe at 0.
/// </summary>
public sealed class OrganisationsBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private string Url(string path) => new Uri(app.Address, path).ToString();

    private Task<(IBrowserContext Context, string Token)> FacilitatorAsync(string locale = "nl-NL") => browser.SignedInAsync(app, locale);

    private static Task NoAxeViolationsAsync(IPage page) => Axe.AssertNoViolationsAsync(page);

    [Fact]
    public async Task The_panel_is_pasted_as_CSV_wrong_lines_are_named_and_the_overview_warns_about_a_small_group()
    {
        var (context, token) = await FacilitatorAsync("nl-NL");
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 3, open: false, facilitatorToken: token);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/groups", new { name = "Havenbedrijven", nameEn = "Port companies", slug = "port" }), HttpStatusCode.Created);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Organisaties" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Organisaties", Level = 1 })).ToBeVisibleAsync();

        await page.GetByLabel("De lijst").FillAsync("Havenbedrijf;port;Piet Haven;piet@example.org;nl\nRaffinaderij;port;Ria Raf;ria-at-example;en");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deze mensen toevoegen" }).ClickAsync();
        var problems = page.Locator("#import-problems");
        await Assertions.Expect(problems).ToContainTextAsync("We hebben niemand toegevoegd");
        await Assertions.Expect(problems).ToContainTextAsync("Regel 2: \"ria-at-example\" is geen e-mailadres.");
        await Assertions.Expect(page.GetByLabel("De lijst")).ToHaveAttributeAsync("aria-invalid", "true");
        await NoAxeViolationsAsync(page);

        await page.GetByLabel("De lijst").FillAsync("Havenbedrijf;port;Piet Haven;piet@example.org;nl\nRaffinaderij;port;Ria Raf;ria@example.org;en");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deze mensen toevoegen" }).ClickAsync();
        await Assertions.Expect(page.Locator(".utrecht-alert--ok")).ToContainTextAsync("2 mensen zijn toegevoegd, en 2 nieuwe organisaties.");
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "Raffinaderij" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#coverage-warning")).ToContainTextAsync("minder dan 3 mensen: Havenbedrijven");
        await NoAxeViolationsAsync(page);

        // The overview before round 1, on a phone, in English.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(Url($"/language/en?returnUrl=%2Ff%2Fstudies%2F{s.StudyId}"));
        await Assertions.Expect(page.Locator("#coverage-warning")).ToContainTextAsync("These groups have fewer than 3 people: Port companies.");
        var portRow = page.Locator("tr[data-group=port]");
        await Assertions.Expect(portRow).ToContainTextAsync("No: fewer than 3");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Open round 1" })).ToBeVisibleAsync();
        await NoAxeViolationsAsync(page);
        // The coverage table itself fits the phone's width (the rest of the page is issue 16's).
        var tableWidth = await page.Locator("section.coverage table").EvaluateAsync<double>("t => t.getBoundingClientRect().width");
        Assert.True(tableWidth <= 390, $"the coverage table is {tableWidth} px wide on a 390 px phone");
    }
}
