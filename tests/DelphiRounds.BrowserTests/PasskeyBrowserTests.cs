using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Signing with a passkey in a real browser: Chromium's virtual authenticator (DevTools protocol WebAuthn.enable /
/// WebAuthn.addVirtualAuthenticator) makes the passkey and signs; the ledger then holds that signature, and the
/// verifier checks it. The signatory withdraws with the same passkey. Pages are checked with axe on the way.
/// </summary>
public sealed class PasskeyBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    // A passkey belongs to a host name, not an IP address: the page is opened on localhost.
    private string Url(string path) => $"http://localhost:{app.Address.Port}{path}";

    private static async Task<string> AddVirtualAuthenticatorAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        var result = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "internal", ["hasResidentKey"] = true, ["hasUserVerification"] = true,
                ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });
        return result!.Value.GetProperty("authenticatorId").GetString()!;
    }

    private static Task NoAxeViolationsAsync(IPage page) => Axe.AssertNoViolationsAsync(page);

    [Fact]
    public async Task A_signatory_signs_with_a_passkey_of_a_virtual_authenticator_and_withdraws_with_it_and_the_signature_verifies()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var link = v.Signatories[0];
        await using var person = await browser.NewPersonAsync();
        await Axe.AddToAsync(person);
        var page = await person.NewPageAsync();
        await AddVirtualAuthenticatorAsync(page);

        await page.GotoAsync(Url($"/sign/{link.Token}"));
        var passkeyButton = page.GetByRole(AriaRole.Button, new() { Name = $"Met toegangssleutel tekenen namens {link.Organisation}" });
        await Assertions.Expect(passkeyButton).ToBeVisibleAsync();
        await NoAxeViolationsAsync(page);

        // Without the confirmation the passkey does not sign either.
        await passkeyButton.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(Url($"/sign/{link.Token}"));
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM signatory_passkeys WHERE signatory_id = {link.Id}"));

        await page.GetByLabel($"Ik heb de visie gelezen en ik mag namens {link.Organisation} tekenen.").CheckAsync();
        await passkeyButton.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(Url($"/sign/{link.Token}/receipt"));
        await Assertions.Expect(page.Locator("dd[data-method]")).ToHaveAttributeAsync("data-method", "passkey");
        // The key's fingerprint is part of the technical proof, folded away under the plain summary until opened.
        await Assertions.Expect(page.Locator("[data-passkey-key]")).ToBeHiddenAsync();
        await page.Locator("#technical-proof > summary").ClickAsync();
        await Assertions.Expect(page.Locator("[data-passkey-key]")).ToBeVisibleAsync();
        await NoAxeViolationsAsync(page);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("receipt-passkey-nl.png"), FullPage = true });

        // The ledger holds the authenticator's real signature, and the verifier checks it.
        var ledger = JsonNode.Parse((await VisionScenario.LedgerAsync(app, v.StudyId)).GetRawText())!.AsObject();
        var verification = LedgerVerifier.Verify(ledger);
        Assert.True(verification.Verifies, verification.Message);
        Assert.Equal(1, verification.PasskeySignatures);
        var proof = ledger["entries"]![0]!["passkey"]!.AsObject();
        Assert.Equal($"http://localhost:{app.Address.Port}", proof["origin"]!.GetValue<string>());
        var clientData = JsonDocument.Parse(LedgerFormat.FromBase64Url(proof["clientDataJSON"]!.GetValue<string>())).RootElement;
        Assert.Equal("webauthn.get", clientData.GetProperty("type").GetString());
        // Tampering with the browser's signature is caught by the same verifier.
        var swapped = JsonNode.Parse(ledger.ToJsonString())!.AsObject();
        var signature = LedgerFormat.FromBase64Url(proof["signature"]!.GetValue<string>())!;
        signature[^1] ^= 0x01;
        swapped["entries"]![0]!["passkey"]!["signature"] = LedgerFormat.Base64Url(signature);
        Assert.Equal(1, LedgerVerifier.Verify(swapped).BrokenEntry);

        // The public page says one organisation signed with its own key.
        await page.GotoAsync(Url($"/verify/{v.StudyId}"));
        await Assertions.Expect(page.Locator("[data-passkey-count]")).ToHaveAttributeAsync("data-passkey-count", "1");
        await Assertions.Expect(page.Locator("[data-verifies]")).ToHaveAttributeAsync("data-verifies", "true");
        await NoAxeViolationsAsync(page);

        // Withdrawing: with the same passkey (the button appears with script; the link alone cannot withdraw it).
        await page.GotoAsync(Url($"/sign/{link.Token}/receipt"));
        await page.GetByLabel($"Ik trek de onderschrijving namens {link.Organisation} in.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Intrekken met uw toegangssleutel" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-receipt-state]")).ToHaveAttributeAsync("data-receipt-state", "withdrawn");
        ledger = JsonNode.Parse((await VisionScenario.LedgerAsync(app, v.StudyId)).GetRawText())!.AsObject();
        verification = LedgerVerifier.Verify(ledger);
        Assert.True(verification.Verifies, verification.Message);
        Assert.Equal(2, verification.PasskeySignatures);
        Assert.Equal(proof["credentialId"]!.GetValue<string>(), ledger["entries"]![1]!["passkey"]!["credentialId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_signature_made_on_one_page_load_is_refused_after_another_organisation_signed_and_signing_again_works()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var link = v.Signatories[0];
        await using var person = await browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        await AddVirtualAuthenticatorAsync(page);
        await page.GotoAsync(Url($"/sign/{link.Token}"));
        await page.GetByLabel($"Ik heb de visie gelezen en ik mag namens {link.Organisation} tekenen.").CheckAsync();

        // Hold the form back: the script signs, but the post waits until the other organisation has signed.
        await page.EvaluateAsync("() => { const f = document.getElementById('sign-form'); f.submit = () => { window.heldBack = true; }; }");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Met toegangssleutel tekenen namens {link.Organisation}" }).ClickAsync();
        await page.WaitForFunctionAsync("() => window.heldBack === true");
        var assertion = await page.Locator("[data-passkey-assertion]").InputValueAsync();
        Assert.Contains("authenticatorData", assertion);

        // Another organisation signs by link meanwhile; then the held signature is posted from a new page load.
        await using var other = await browser.NewPersonAsync();
        var otherPage = await other.NewPageAsync();
        await otherPage.GotoAsync(Url($"/sign/{v.Signatories[1].Token}"));
        await otherPage.GetByLabel($"Ik heb de visie gelezen en ik mag namens {v.Signatories[1].Organisation} tekenen.").CheckAsync();
        await otherPage.GetByRole(AriaRole.Button, new() { Name = $"Ondertekenen namens {v.Signatories[1].Organisation}" }).ClickAsync();
        await Assertions.Expect(otherPage).ToHaveURLAsync(Url($"/sign/{v.Signatories[1].Token}/receipt"));

        await page.ReloadAsync();
        await page.GetByLabel($"Ik heb de visie gelezen en ik mag namens {link.Organisation} tekenen.").CheckAsync();
        await page.EvaluateAsync("a => { document.querySelector('[data-passkey-assertion]').value = a; document.getElementById('sign-form').submit(); }", assertion);
        await Assertions.Expect(page.Locator("[data-passkey-error]")).ToContainTextAsync("Misschien tekende iemand anders net");
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {v.StudyId}"));

        // Signing again with the same passkey works: the page asks for a new challenge.
        await page.GetByLabel($"Ik heb de visie gelezen en ik mag namens {link.Organisation} tekenen.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Met toegangssleutel tekenen namens {link.Organisation}" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(Url($"/sign/{link.Token}/receipt"));
        var verification = LedgerVerifier.Verify(JsonNode.Parse((await VisionScenario.LedgerAsync(app, v.StudyId)).GetRawText()));
        Assert.True(verification.Verifies, verification.Message);
        Assert.Equal(1, verification.PasskeySignatures);
    }
}
