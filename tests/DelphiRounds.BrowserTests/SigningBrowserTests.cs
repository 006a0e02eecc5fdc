using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>A signatory opens their link, reads, confirms and signs, sees the receipt; the public page then counts the signature.</summary>
public sealed class SigningBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_signatory_reads_confirms_signs_and_sees_the_receipt_and_the_verification_page_counts_the_signature()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var link = v.Signatories[0];
        await using var person = await browser.NewPersonAsync();
        var page = await person.NewPageAsync();

        // Before: the public page verifies and counts no organisation yet.
        await page.GotoAsync(new Uri(app.Address, $"/verify/{v.StudyId}").ToString());
        await Assertions.Expect(page.Locator("[data-verifies]")).ToHaveAttributeAsync("data-verifies", "true");
        await Assertions.Expect(page.Locator("[data-organisation-count]")).ToHaveAttributeAsync("data-organisation-count", "0");

        // The link shows the document, its hash, the organisation and the statement of intent.
        await page.GotoAsync(new Uri(app.Address, $"/sign/{link.Token}").ToString());
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Ondertekenen namens {link.Organisation}");
        await Assertions.Expect(page.Locator("[data-document-hash]")).ToHaveTextAsync(v.DocumentHash);
        await Assertions.Expect(page.Locator("[data-intent]")).ToContainTextAsync(v.DocumentHash);
        await Assertions.Expect(page.GetByText("Restwarmte is de belangrijkste bron.")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("signing-nl.png"), FullPage = true });

        // The button does nothing until the confirmation is ticked (the checkbox is required).
        var sign = page.GetByRole(AriaRole.Button, new() { Name = $"Ondertekenen namens {link.Organisation}" });
        await sign.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(app.Address, $"/sign/{link.Token}").ToString());
        await page.GetByLabel($"Ik heb de visie gelezen en ik mag namens {link.Organisation} tekenen.").CheckAsync();
        await sign.ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Uri(app.Address, $"/sign/{link.Token}/receipt").ToString());
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Bewijs van ondertekening");
        await Assertions.Expect(page.Locator("[data-sequence]")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-receipt-state]")).ToHaveAttributeAsync("data-receipt-state", "signed");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Afdrukken" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("receipt-nl.png"), FullPage = true });

        // The verification page now counts the signature.
        await page.GetByRole(AriaRole.Link, new() { Name = "Openbare controlepagina" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-organisation-count]")).ToHaveAttributeAsync("data-organisation-count", "1");
        await Assertions.Expect(page.Locator("[data-verifies]")).ToHaveAttributeAsync("data-verifies", "true");
        await Assertions.Expect(page.Locator("[data-endorsement=\"1\"]")).ToContainTextAsync(link.Organisation);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("verify-nl.png"), FullPage = true });
    }
}
