using System.Net;
using System.Text.Json.Nodes;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Issue 18 items 5 and 7 in a real browser, without script: the freeze is blocked by an organisation's objection and
/// the page names it; the facilitator overrides with a reason, keeps one statement without consensus with a reason and
/// lets the other move to the open questions — all of it in the frozen document; the report's panel section gives
/// counts while the organisations are not public and names them once they are. Dutch and English, axe at 0.
/// </summary>
public sealed class ReviewBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private const string OverrideReason = "Het bezwaar is besproken; de partijen komen er in 2027 samen op terug.";
    private const string KeepReason = "Deze uitspraak zegt zelf dat de partijen het nog niet eens zijn.";

    private string Url(string path) => new Uri(app.Address, path).ToString();

    private static Task NoAxeViolationsAsync(IPage page) => Axe.AssertNoViolationsAsync(page);

    [Fact]
    public async Task The_freeze_names_the_objecting_organisation_then_records_the_override_the_kept_statement_and_the_open_questions()
    {
        var (context, token) = await browser.SignedInAsync(app, "nl-NL");
        await using var _ = context;
        var s = await ReviewScenario.SplitAsync(app, token);
        await ReviewScenario.OrganisationsAsync(s, (ReviewScenario.ObjectingOrganisation, "grid-operators", [0, 1]), ("Woonstichting", "housing", [0]));
        await ReviewScenario.ObjectAsync(app, s, await ReviewScenario.DraftAsync(s));
        var page = await context.NewPageAsync();

        // English first: the warning names the organisation and the statements without consensus.
        await page.GotoAsync(Url($"/language/en?returnUrl=%2Ff%2Fstudies%2F{s.StudyId}%2Fvision"));
        await Assertions.Expect(page.Locator("[data-objecting-organisations]")).ToContainTextAsync($"{ReviewScenario.ObjectingOrganisation}: objects to point 1");
        await Assertions.Expect(page.Locator("[data-without-consensus]")).ToHaveAttributeAsync("data-without-consensus", "2,3");
        await page.GetByLabel("I freeze version 1").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Freeze version 1" }).ClickAsync();
        await Assertions.Expect(page.Locator("#field-overridereason-error")).ToContainTextAsync($"these organisations object: {ReviewScenario.ObjectingOrganisation}");
        await NoAxeViolationsAsync(page);

        // Dutch: too short a reason is named beside the field; then the override, statement 3 kept, statement 2 moved.
        await page.GotoAsync(Url($"/language/nl?returnUrl=%2Ff%2Fstudies%2F{s.StudyId}%2Fvision"));
        await Assertions.Expect(page.Locator("[data-objecting-organisations]")).ToContainTextAsync($"{ReviewScenario.ObjectingOrganisation}: bezwaar tegen uitspraak 1");
        await page.GetByLabel("Waarom stelt u de visie toch vast?").FillAsync("Toch.");
        await page.GetByLabel("Ik stel versie 1 vast").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Versie 1 vaststellen" }).ClickAsync();
        await Assertions.Expect(page.Locator("#field-overridereason-error")).ToHaveTextAsync("Schrijf de reden in minstens 20 tekens.");
        await Assertions.Expect(page.GetByLabel("Waarom stelt u de visie toch vast?")).ToHaveAttributeAsync("aria-invalid", "true");
        await NoAxeViolationsAsync(page);

        await page.GetByLabel("Waarom stelt u de visie toch vast?").FillAsync(OverrideReason);
        await page.GetByLabel("Uitspraak 3 toch in de visie houden").CheckAsync();
        await page.GetByLabel("Waarom blijft uitspraak 3 in de visie?").FillAsync(KeepReason);
        await page.GetByLabel("Ik stel versie 1 vast").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Versie 1 vaststellen" }).ClickAsync();
        await Assertions.Expect(page.Locator(".vision-seal")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open vragen", Level = 2 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-open-questions]")).ToHaveAttributeAsync("data-open-questions", "2");
        await Assertions.Expect(page.Locator("[data-poles-statement='2'] [data-pole=for]")).ToHaveTextAsync("Voor: Netbeheerders");
        await Assertions.Expect(page.Locator("[data-objection-override]")).ToContainTextAsync(OverrideReason);
        await Assertions.Expect(page.Locator("[data-kept-statement='3']")).ToContainTextAsync(KeepReason);
        await NoAxeViolationsAsync(page);

        // The hashed document holds both reasons.
        var hash = await page.Locator(".vision-seal").GetAttributeAsync("data-document-hash");
        var document = JsonNode.Parse(await (await app.Client().GetAsync($"/api/v1/studies/{s.StudyId}/vision/document")).Content.ReadAsStringAsync())!;
        Assert.Equal(OverrideReason, document["freezeDecisions"]!["objectionOverride"]!["reason"]!.GetValue<string>());
        Assert.Equal(KeepReason, document["freezeDecisions"]!["kept"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(hash, (await app.Client().GetAsync($"/api/v1/studies/{s.StudyId}/vision/document")).Headers.GetValues("X-Content-SHA256").Single());

        // The public verification page, in English on a phone: the open questions chapter and the decisions.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(Url($"/language/en?returnUrl=%2Fverify%2F{s.StudyId}"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open questions" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-kept-statement='3']")).ToContainTextAsync("Point 3 stayed in the vision");
        await NoAxeViolationsAsync(page);
    }

    [Fact]
    public async Task The_reports_panel_section_counts_organisations_until_the_facilitator_makes_them_public_on_the_organisations_page()
    {
        var (context, token) = await browser.SignedInAsync(app, "nl-NL");
        await using var _ = context;
        var s = await ReviewScenario.SplitAsync(app, token);
        await ReviewScenario.OrganisationsAsync(s, (ReviewScenario.ObjectingOrganisation, "grid-operators", [0, 1]), ("Netbeheerder Regio", "grid-operators", [2]), ("Woonstichting", "housing", [0]));
        var page = await context.NewPageAsync();

        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/report"));
        await Assertions.Expect(page.Locator("[data-unit-of-voice]")).ToHaveTextAsync("Wie telt: één stem per persoon.");
        await Assertions.Expect(page.Locator("[data-organisations]")).ToHaveAttributeAsync("data-organisations", "counts");
        await Assertions.Expect(page.Locator("#panel-organisations tr[data-group=grid-operators] td").First).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#panel")).Not.ToContainTextAsync(ReviewScenario.ObjectingOrganisation);
        await Assertions.Expect(page.Locator("#organisation-response-table tr[data-group=grid-operators] td[data-round='1']")).ToHaveTextAsync("2 van 2");
        await NoAxeViolationsAsync(page);

        // The facilitator makes the organisations public on the organisations page (in English).
        await page.GotoAsync(Url($"/language/en?returnUrl=%2Ff%2Fstudies%2F{s.StudyId}%2Forganisations"));
        await page.GetByLabel("Yes, the organisations' names are public").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-organisations-public]")).ToHaveAttributeAsync("data-organisations-public", "true");
        await NoAxeViolationsAsync(page);

        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/report"));
        await Assertions.Expect(page.Locator("[data-unit-of-voice]")).ToHaveTextAsync("Unit of voice: one voice per person.");
        await Assertions.Expect(page.Locator("#panel-organisations tr[data-group=grid-operators] [data-organisation-names]"))
            .ToHaveTextAsync($"Netbeheerder Regio, {ReviewScenario.ObjectingOrganisation}");
        await Assertions.Expect(page.Locator($"#organisation-response-table tr[data-organisation='{ReviewScenario.ObjectingOrganisation}'] td[data-round='1']")).ToHaveTextAsync("2 of 2");
        await NoAxeViolationsAsync(page);
    }
}
