using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Demo;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Issue 19, checking in the browser: /verify/{studyId} re-checks the whole ledger in the visitor's browser with WebCrypto
/// (js/ledger-check.js). On the genuine ledger it agrees with the server and <c>scripts/delphi verify</c>; on tampered copies
/// served in its place (Playwright route interception) the browser and <c>scripts/delphi verify</c> fail with the same words
/// at the same entry: a changed document, a removed entry, a swapped passkey signature (also re-hashed), a changed entry and
/// a head signed by an unknown key; after a key rotation both accept the ledger. The evidence bundle's page, opened from disk
/// (file://), checks the ledger too.
/// </summary>
public sealed class LedgerCheckBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private string Url(string path) => $"http://localhost:{app.Address.Port}{path}";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "delphi-verify-browser", Guid.NewGuid().ToString("N"));

    private async Task<JsonObject> LedgerAsync(long studyId) =>
        JsonNode.Parse((await VisionScenario.LedgerAsync(app, studyId)).GetRawText())!.AsObject();

    /// <summary><c>scripts/delphi verify</c> on a ledger file: exit code and its one line.</summary>
    private async Task<(int Code, string Line)> CliAsync(JsonObject ledger)
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, ledger.ToJsonString());
        var (code, output, error) = await DelphiScript.RunAsync("verify", path);
        Assert.True(code is 0 or 1, error);
        return (code, output.Trim());
    }

    /// <summary>The browser's check of the verification page, with the ledger the page fetches replaced by <paramref name="served"/> when given.</summary>
    private static async Task<(string Verifies, string Message, string BrokenEntry)> BrowserCheckAsync(IPage page, string url, long studyId, JsonObject? served)
    {
        await page.UnrouteAllAsync();
        if (served is not null)
        {
            var body = served.ToJsonString();
            await page.RouteAsync($"**/api/v1/studies/{studyId}/ledger", route => route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200, ContentType = "application/json", Body = body,
            }));
        }
        await page.GotoAsync(url);
        return await ResultAsync(page.Locator("[data-browser-check]").First);
    }

    private static async Task<(string Verifies, string Message, string BrokenEntry)> ResultAsync(ILocator box)
    {
        await Assertions.Expect(box).ToHaveAttributeAsync("data-browser-verifies", new System.Text.RegularExpressions.Regex("^(true|false)$"),
            new LocatorAssertionsToHaveAttributeOptions { Timeout = 30_000 });
        return ((await box.GetAttributeAsync("data-browser-verifies"))!, (await box.Locator("[data-browser-message]").TextContentAsync())!.Trim(),
            (await box.GetAttributeAsync("data-browser-broken-entry"))!);
    }

    [Fact]
    public async Task The_browser_and_delphi_verify_agree_on_the_genuine_ledger_and_fail_at_the_same_entry_on_each_tampered_copy()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 5);
        var endorsements = app.Services.GetRequiredService<EndorsementService>();
        var origin = $"http://localhost:{app.Address.Port}";
        using var es256 = new DemoPasskey(origin);
        using var rs256 = new DemoPasskey(origin, algorithm: -257);
        // 1 passkey ES256, 2 link, 3 passkey RS256, 4 link, 5 withdrawal of 4 by link, 6 passkey ES256.
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[0].Token, es256.Check)).Outcome);
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[1].Token)).Outcome);
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[2].Token, rs256.Check)).Outcome);
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[3].Token)).Outcome);
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.WithdrawAsync(v.Signatories[3].Token, "Uitgesteld.")).Outcome);
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[4].Token, es256.Check)).Outcome);
        var genuine = await LedgerAsync(v.StudyId);
        var server = LedgerVerifier.Verify(genuine);
        Assert.True(server.Verifies, server.Message);
        Assert.Equal(3, server.PasskeySignatures);

        await using var person = await browser.NewPersonAsync();
        await Axe.AddToAsync(person);
        var page = await person.NewPageAsync();
        var url = Url($"/verify/{v.StudyId}");

        // The genuine ledger: the browser, the server and scripts/delphi verify say the same; the summary in plain words.
        var ok = await BrowserCheckAsync(page, url, v.StudyId, null);
        Assert.Equal(("true", server.Message, ""), ok);
        Assert.Equal((0, server.Message), await CliAsync(genuine));
        await Assertions.Expect(page.Locator("[data-browser-summary]")).ToHaveTextAsync(
            "4 organisaties ondertekenden precies deze tekst; 3 daarvan met hun eigen sleutel. Er is niets veranderd of weggehaald sinds de dienst het register voor het laatst ondertekende.");
        await Assertions.Expect(page.Locator("[data-browser-checked] li")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-browser-checked]")).ToContainTextAsync("3 handtekeningen met een eigen sleutel kloppen");
        // The script's fingerprint on the page is the SHA-256 of the script as served and of its source.
        var served = await app.Client().GetByteArrayAsync("/js/ledger-check.js");
        var shown = (await page.Locator("[data-script-sha256]").TextContentAsync())!.Trim();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(served)), shown);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(SourceOf("src/DelphiRounds/wwwroot/js/ledger-check.js")))), shown);
        await Axe.AssertNoViolationsAsync(page);

        // Each tampered copy: the page fetches it instead of the real one; the browser and the CLI fail with the same words.
        var cases = new (string Name, JsonObject Ledger, string? Entry)[]
        {
            ("changed document", LedgerTampering.ChangedDocument(genuine), "1"),
            ("removed entry", LedgerTampering.RemovedEntry(genuine, 1), "2"),
            ("swapped passkey signatures", LedgerTampering.SwappedPasskeySignatures(genuine, 0, 5, rehash: false), "1"),
            ("swapped passkey signatures, chain re-hashed", LedgerTampering.SwappedPasskeySignatures(genuine, 0, 5, rehash: true), "1"),
            ("changed organisation", Changed(genuine, 3, "organisation", "Iemand anders"), "4"),
            ("removed last entry", LedgerTampering.RemovedEntry(genuine, 5), ""),
            ("head signed by an unknown key", LedgerTampering.SignedByUnknownKey(genuine), ""),
        };
        foreach (var (name, ledger, entry) in cases)
        {
            var expected = LedgerVerifier.Verify(ledger);
            Assert.False(expected.Verifies, name);
            Assert.Equal(entry, expected.BrokenEntry?.ToString() ?? "");
            var inBrowser = await BrowserCheckAsync(page, url, v.StudyId, ledger);
            Assert.True(("false", expected.Message, entry) == inBrowser, $"{name}: browser {inBrowser}, server {expected.Message}");
            Assert.Equal((1, expected.Message), await CliAsync(ledger));
            // The server's own check on the page is of the genuine ledger and still says so.
            await Assertions.Expect(page.Locator("[data-verifies]")).ToHaveAttributeAsync("data-verifies", "true");
        }
        Assert.Contains("passkey: the signature does not verify with the entry's public key", LedgerVerifier.Verify(cases[3].Ledger).Message);
        Assert.Contains("an unknown key", LedgerVerifier.Verify(cases[6].Ledger).Message);
        await Assertions.Expect(page.Locator("[data-browser-summary]")).ToHaveTextAsync(
            "De fout zit niet in één vermelding, maar in de tekst, de sleutels of de handtekening van de dienst. U kunt dit register niet vertrouwen.");
        await Axe.AssertNoViolationsAsync(page);

        // Key rotation: the old key signs the new one into the key list; the next head is signed with the new key.
        var key = app.Services.GetRequiredService<LedgerSigningKey>();
        var keys = await endorsements.KeysAsync();
        var (next, install) = key.PrepareRotation(keys[^1], DateTimeOffset.UtcNow);
        Assert.True(await app.Services.GetRequiredService<ServiceKeyStore>().AppendAsync(next));
        install();
        var extra = await VisionScenario.RegisterAsync(v.Study, "Organisatie 6 (test)", "Ondertekenaar 6", "signatory6@example.org");
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(extra.Token, es256.Check)).Outcome);
        var rotated = await LedgerAsync(v.StudyId);
        Assert.Equal(2, rotated["keys"]!.AsArray().Count);
        Assert.Equal(next.Fingerprint, rotated["head"]!["keyFingerprint"]!.GetValue<string>());
        var rotatedServer = LedgerVerifier.Verify(rotated);
        Assert.True(rotatedServer.Verifies, rotatedServer.Message);
        Assert.Equal(("true", rotatedServer.Message, ""), await BrowserCheckAsync(page, url, v.StudyId, null));
        Assert.Equal((0, rotatedServer.Message), await CliAsync(rotated));
        await Assertions.Expect(page.Locator("[data-service-key]")).ToHaveCountAsync(2);
        var stranger = LedgerTampering.SignedByUnknownKey(rotated);
        var refused = LedgerVerifier.Verify(stranger);
        Assert.Equal(("false", refused.Message, ""), await BrowserCheckAsync(page, url, v.StudyId, stranger));
        Assert.Equal((1, refused.Message), await CliAsync(stranger));

        // In English, the same check in English words, and axe-clean.
        await using var english = await browser.NewPersonAsync("en-GB");
        await Axe.AddToAsync(english);
        var enPage = await english.NewPageAsync();
        Assert.Equal(("true", rotatedServer.Message, ""), await BrowserCheckAsync(enPage, url, v.StudyId, null));
        await Assertions.Expect(enPage.Locator("[data-browser-summary]")).ToHaveTextAsync(
            "5 organisations signed this exact text; 4 of them with their own key. Nothing was changed or removed since the service last signed the record.");
        await Axe.AssertNoViolationsAsync(enPage);

        // Without script the page shows the server's check; the browser's box stays hidden.
        await using var noScript = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, Locale = "nl-NL" });
        var plain = await noScript.NewPageAsync();
        await plain.GotoAsync(url);
        await Assertions.Expect(plain.Locator("[data-verifies]")).ToHaveAttributeAsync("data-verifies", "true");
        await Assertions.Expect(plain.Locator("[data-browser-check]")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_evidence_bundle_page_opened_from_disk_checks_the_ledger_and_catches_a_tampered_copy()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var endorsements = app.Services.GetRequiredService<EndorsementService>();
        using var passkeys = new DemoPasskey($"http://localhost:{app.Address.Port}");
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[0].Token, passkeys.Check)).Outcome);
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[1].Token)).Outcome);
        var server = LedgerVerifier.Verify(await LedgerAsync(v.StudyId));
        Assert.True(server.Verifies, server.Message);

        var folder = Path.Combine(_folder, "bundle");
        Directory.CreateDirectory(folder);
        var zipPath = Path.Combine(_folder, "evidence.zip");
        await File.WriteAllBytesAsync(zipPath, await app.Client().GetByteArrayAsync($"/verify/{v.StudyId}/evidence.zip"));
        ZipFile.ExtractToDirectory(zipPath, folder);
        var cli = await DelphiScript.RunAsync("verify", zipPath);
        Assert.True(cli.Code == 0, cli.Err + cli.Out);
        Assert.Equal(server.Message, cli.Out.Trim());

        // Opened from disk: no server involved (the page's requests to anything but file:// would fail the test).
        await using var person = await browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        await page.GotoAsync(new Uri(Path.Combine(folder, "verify.html")).AbsoluteUri);
        var boxes = page.Locator("[data-browser-check]");
        await Assertions.Expect(boxes).ToHaveCountAsync(2);
        Assert.Equal(("true", server.Message, ""), await ResultAsync(boxes.Nth(0)));
        Assert.Equal(("true", server.Message, ""), await ResultAsync(boxes.Nth(1)));
        await Assertions.Expect(boxes.Nth(0).Locator("[data-browser-summary]")).ToContainTextAsync("2 organisaties ondertekenden precies deze tekst; 1 daarvan");
        await Assertions.Expect(boxes.Nth(1).Locator("[data-browser-summary]")).ToContainTextAsync("2 organisations signed this exact text; 1 of them");
        Assert.All(requests, r => Assert.StartsWith("file://", r));

        // The same page with a changed entry in its copy of the ledger: the browser fails where delphi verify fails.
        var html = await File.ReadAllTextAsync(Path.Combine(folder, "verify.html"));
        var genuine = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "ledger.json")))!.AsObject();
        var tampered = Changed(genuine, 1, "role", "Iemand anders");
        var start = html.IndexOf("id=\"delphi-ledger\">", StringComparison.Ordinal) + "id=\"delphi-ledger\">".Length;
        var end = html.IndexOf("</script>", start, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(folder, "tampered.html"), html[..start] + tampered.ToJsonString() + html[end..]);
        var expected = LedgerVerifier.Verify(tampered);
        Assert.Equal("entry 2 (sequence 2): hash does not match the entry's contents", expected.Message);
        await page.GotoAsync(new Uri(Path.Combine(folder, "tampered.html")).AbsoluteUri);
        Assert.Equal(("false", expected.Message, "2"), await ResultAsync(page.Locator("[data-browser-check]").First));
        Assert.Equal((1, expected.Message), await CliAsync(tampered));
    }

    private static JsonObject Changed(JsonObject ledger, int index, string field, string value)
    {
        var copy = LedgerTampering.Copy(ledger);
        copy["entries"]![index]![field] = value;
        return copy;
    }

    private static string SourceOf(string path)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, path);
    }
}
