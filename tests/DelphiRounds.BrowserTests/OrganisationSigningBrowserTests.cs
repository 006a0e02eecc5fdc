using System.Net;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Signing per organisation (issue 18, item 6) in a real browser: the facilitator registers a signatory for an organisation of
/// the panel with a second person (four eyes); the signatory states their mandate (refused when missing, the error next to the
/// field) and signs; the second person confirms with their own link; co-signing and withdrawal; the verification page per
/// organisation — in Dutch and in English, on a phone too, with axe at 0.
/// </summary>
public sealed class OrganisationSigningBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private string Url(string path) => new Uri(app.Address, path).ToString();

    private static Task NoAxeViolationsAsync(IPage page) => Axe.AssertNoViolationsAsync(page);

    /// <summary>A frozen vision of a study of the signed-in facilitator, with one organisation of the panel.</summary>
    private async Task<(Scenario Study, long OrganisationId)> FrozenAsync(string facilitatorToken, string organisation)
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app, facilitatorToken: facilitatorToken);
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Created);
        var created = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/organisations",
            new { name = organisation, group = "housing" }), HttpStatusCode.Created);
        return (s, created.GetProperty("id").GetInt64());
    }

    private async Task<IBrowserContext> PersonAsync(string locale)
    {
        var context = await browser.NewPersonAsync(locale);
        await Axe.AddToAsync(context);
        return context;
    }

    [Fact]
    public async Task Four_eyes_in_Dutch_the_signatory_states_a_mandate_and_the_signature_counts_once_the_second_person_confirms()
    {
        var (facilitator, token) = await browser.SignedInAsync(app, "nl-NL");
        await using var _ = facilitator;
        var (s, _) = await FrozenAsync(token, "Woonstichting Vier Ogen (test)");
        var page = await facilitator.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/vision/signatories"));
        await page.GetByLabel("Organisatie uit het panel").SelectOptionAsync(new SelectOptionValue { Label = "Woonstichting Vier Ogen (test)" });
        await page.GetByLabel("Naam", new() { Exact = true }).FillAsync("Anna Eerste");
        await page.GetByLabel("Functie", new() { Exact = true }).FillAsync("Bestuurder");
        await page.GetByLabel("E-mailadres", new() { Exact = true }).FillAsync("anna@vierogen.example.org");
        await page.GetByLabel("Bevoegdheid (niet verplicht)").FillAsync("Statutair bestuurder");
        await page.GetByLabel("Naam van de tweede persoon").FillAsync("Bert Tweede");
        await page.GetByLabel("E-mailadres van de tweede persoon").FillAsync("bert@vierogen.example.org");
        await page.GetByLabel("Functie van de tweede persoon").FillAsync("Voorzitter raad van commissarissen");
        await page.GetByRole(AriaRole.Button, new() { Name = "Toevoegen en link maken" }).ClickAsync();
        var signUrl = await page.Locator("#new-link").InputValueAsync();
        var confirmUrl = await page.Locator("#new-confirmer-link").InputValueAsync();
        Assert.NotEqual(signUrl, confirmUrl);
        await Assertions.Expect(page.Locator("[data-confirms]")).ToContainTextAsync("Tweede persoon: bevestigt Anna Eerste");
        await NoAxeViolationsAsync(page);

        // The signatory: the mandate is pre-filled from registration; emptied, signing is refused with the error at the field.
        await using var signer = await PersonAsync("nl-NL");
        var signPage = await signer.NewPageAsync();
        await signPage.GotoAsync(signUrl);
        var mandate = signPage.GetByLabel("Uw bevoegdheid");
        await Assertions.Expect(mandate).ToHaveValueAsync("Statutair bestuurder");
        await Assertions.Expect(signPage.Locator("[data-four-eyes]")).ToContainTextAsync("Voorzitter raad van commissarissen");
        await mandate.FillAsync("");
        await signPage.GetByLabel("Ik heb de visie gelezen en ik mag namens Woonstichting Vier Ogen (test) tekenen.").CheckAsync();
        await signPage.GetByRole(AriaRole.Button, new() { Name = "Ondertekenen namens Woonstichting Vier Ogen (test)" }).ClickAsync();
        await Assertions.Expect(signPage.Locator("#field-mandate-error")).ToContainTextAsync("Vul uw bevoegdheid in");
        await Assertions.Expect(signPage.GetByLabel("Uw bevoegdheid")).ToHaveAttributeAsync("aria-invalid", "true");
        await NoAxeViolationsAsync(signPage);
        await signPage.GetByLabel("Uw bevoegdheid").FillAsync("Statutair bestuurder, alleen bevoegd");
        await signPage.GetByLabel("Ik heb de visie gelezen en ik mag namens Woonstichting Vier Ogen (test) tekenen.").CheckAsync();
        await signPage.GetByRole(AriaRole.Button, new() { Name = "Ondertekenen namens Woonstichting Vier Ogen (test)" }).ClickAsync();
        await Assertions.Expect(signPage).ToHaveURLAsync(signUrl + "/receipt");

        // Not yet counted: the verification page says it waits for a second person.
        await signPage.GotoAsync(Url($"/verify/{s.StudyId}"));
        var row = signPage.Locator("[data-organisation-name=\"Woonstichting Vier Ogen (test)\"]");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-organisation-state", "awaiting-confirmation");
        await Assertions.Expect(row).ToContainTextAsync("Wacht op bevestiging door een tweede persoon");
        await Assertions.Expect(signPage.Locator("[data-organisation-count]")).ToHaveAttributeAsync("data-organisation-count", "0");
        await NoAxeViolationsAsync(signPage);

        // The second person confirms with their own link, stating their own mandate.
        await using var second = await PersonAsync("nl-NL");
        var confirmPage = await second.NewPageAsync();
        await confirmPage.GotoAsync(confirmUrl);
        await Assertions.Expect(confirmPage.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Handtekening van Woonstichting Vier Ogen (test) bevestigen");
        await Assertions.Expect(confirmPage.Locator("[data-signer-mandate]")).ToHaveTextAsync("Statutair bestuurder, alleen bevoegd");
        await NoAxeViolationsAsync(confirmPage);
        await confirmPage.GetByLabel("Uw bevoegdheid").FillAsync("Voorzitter raad van commissarissen volgens de statuten");
        await confirmPage.GetByLabel("Ik bevestig deze handtekening en ik mag dat namens Woonstichting Vier Ogen (test) doen.").CheckAsync();
        await confirmPage.GetByRole(AriaRole.Button, new() { Name = "Bevestigen namens Woonstichting Vier Ogen (test)" }).ClickAsync();
        await Assertions.Expect(confirmPage.Locator("[data-confirmed]")).ToContainTextAsync("Die telt nu mee.");
        await NoAxeViolationsAsync(confirmPage);

        await confirmPage.GetByRole(AriaRole.Link, new() { Name = "Openbare controlepagina" }).ClickAsync();
        row = confirmPage.Locator("[data-organisation-name=\"Woonstichting Vier Ogen (test)\"]");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-organisation-state", "signed");
        await Assertions.Expect(row).ToContainTextAsync("Bevoegdheid: Statutair bestuurder, alleen bevoegd");
        await Assertions.Expect(row.Locator("[data-confirmed]")).ToBeVisibleAsync();
        await Assertions.Expect(confirmPage.Locator("[data-organisation-count]")).ToContainTextAsync("1 organisatie onderschrijft deze visie.");
        await Assertions.Expect(confirmPage.Locator("[data-plain-summary]")).ToContainTextAsync("Alle 2 vermeldingen");
        await NoAxeViolationsAsync(confirmPage);
    }

    [Fact]
    public async Task In_English_on_a_phone_a_co_signer_signs_one_withdraws_and_the_verification_page_shows_each_organisation()
    {
        var (facilitator, token) = await browser.SignedInAsync(app, "en-GB");
        await using var _ = facilitator;
        var (s, organisationId) = await FrozenAsync(token, "Harbour Housing (test)");
        async Task<string> RegisterAsync(object body) =>
            (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/signatories", body), HttpStatusCode.Created))
            .GetProperty("signingUrl").GetString()!;
        var first = await RegisterAsync(new { name = "Carla First", organisationId, role = "Director", email = "carla@harbour.example.org" });
        var coSigner = await RegisterAsync(new { name = "Dirk Second", organisationId, role = "Alderman", email = "dirk@harbour.example.org" });
        var outside = await RegisterAsync(new { name = "Eva Outside", organisation = "Outside Advisers (test)", role = "Partner", email = "eva@outside.example.org" });

        await using var person = await PersonAsync("en-GB");
        var page = await person.NewPageAsync();
        await page.SetViewportSizeAsync(390, 844);
        async Task SignAsync(string url, string organisation, string mandate)
        {
            await page.GotoAsync(url);
            await page.GetByLabel("Your mandate").FillAsync(mandate);
            await page.GetByLabel($"I have read the vision and I am authorised to sign on behalf of {organisation}.").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = $"Sign on behalf of {organisation}" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(url + "/receipt");
        }
        await page.GotoAsync(first);
        await Assertions.Expect(page.GetByLabel("Your mandate")).ToHaveValueAsync("Authorised to sign for Harbour Housing (test) as Director");
        await NoAxeViolationsAsync(page);
        await SignAsync(first, "Harbour Housing (test)", "Statutory director");
        await SignAsync(coSigner, "Harbour Housing (test)", "Power of attorney from the board");
        await SignAsync(outside, "Outside Advisers (test)", "Partner with sole signing authority");

        await page.GotoAsync(Url($"/verify/{s.StudyId}"));
        var harbour = page.Locator("[data-organisation-name=\"Harbour Housing (test)\"]");
        await Assertions.Expect(harbour).ToHaveAttributeAsync("data-organisation-state", "co-signed");
        await Assertions.Expect(harbour).ToContainTextAsync("Signed and co-signed");
        var adviser = page.Locator("[data-organisation-name=\"Outside Advisers (test)\"]");
        await Assertions.Expect(adviser).ToContainTextAsync("not on the panel");
        await Assertions.Expect(page.Locator("[data-organisation-count]")).ToContainTextAsync("2 organisations endorse this vision.");
        await NoAxeViolationsAsync(page);

        // The outside party withdraws on their receipt page.
        await page.GotoAsync(outside + "/receipt");
        await page.GetByLabel("Reason (public)").FillAsync("Our board decided otherwise.");
        await page.GetByLabel("I withdraw the endorsement on behalf of Outside Advisers (test).").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw endorsement" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-receipt-state]")).ToHaveAttributeAsync("data-receipt-state", "withdrawn");

        // The panel's organisations made public: the one of the panel that did not sign shows too.
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/organisations",
            new { name = "Grid Company (test)", group = "grid-operators" }), HttpStatusCode.Created);
        DatabaseDump.Execute(app.DatabasePath, $"UPDATE studies SET organisations_public = 1 WHERE id = {s.StudyId}");
        await page.GotoAsync(Url($"/verify/{s.StudyId}"));
        await Assertions.Expect(page.Locator("[data-organisation-name=\"Outside Advisers (test)\"]")).ToHaveAttributeAsync("data-organisation-state", "withdrawn");
        await Assertions.Expect(page.Locator("[data-organisation-name=\"Grid Company (test)\"]")).ToContainTextAsync("Took part, did not sign");
        await Assertions.Expect(page.Locator("[data-organisation-count]")).ToContainTextAsync("1 organisation endorses this vision. 1 withdrew its endorsement later.");
        await Assertions.Expect(page.Locator("[data-took-part]")).ToHaveTextAsync("1 organisation of the panel took part but did not sign.");
        await NoAxeViolationsAsync(page);
        var width = await page.Locator("section[data-organisations] table").EvaluateAsync<double>("t => t.getBoundingClientRect().width");
        Assert.True(width <= 390, $"the table per organisation is {width} px wide on a 390 px phone");
    }
}
