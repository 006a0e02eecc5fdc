using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DelphiRounds.Endorsement;
using DelphiRounds.Records;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 19, key rotation and the evidence bundle: <c>delphi key rotate</c> on a running server's data, after which old
/// heads (receipts) still verify, new heads are signed with the new key, and the server's check and <c>delphi verify</c>
/// accept the rotated ledger and refuse a head signed by a key outside the service's key list. The evidence bundle
/// verifies with <c>scripts/delphi verify bundle.zip</c> and a tampered one does not.
/// </summary>
public sealed class LedgerKeyRotationTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private async Task<JsonObject> LedgerAsync(long studyId) =>
        JsonNode.Parse((await VisionScenario.LedgerAsync(app, studyId)).GetRawText())!.AsObject();

    /// <summary>A folder whose appsettings.json points the CLI at this server's database and key folder.</summary>
    private string CliFolder()
    {
        var folder = Path.Combine(app.DataFolder, "cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var storage = new JsonObject { ["SqlitePath"] = app.DatabasePath, ["KeysFolder"] = Path.Combine(app.DataFolder, "keys") };
        var settings = new JsonObject { ["Storage"] = storage, ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } } };
        if (app.PostgresConnectionString is { } pg) settings["ConnectionStrings"] = new JsonObject { ["Postgres"] = pg };
        File.WriteAllText(Path.Combine(folder, "appsettings.json"), settings.ToJsonString());
        return folder;
    }

    [Fact]
    public async Task Delphi_key_rotate_signs_the_new_key_with_the_old_one_old_heads_stay_verifiable_and_an_unknown_key_is_refused()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var endorsements = app.Services.GetRequiredService<EndorsementService>();
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[0].Token)).Outcome);
        var before = await LedgerAsync(v.StudyId);
        var oldKey = before["head"]!["keyFingerprint"]!.GetValue<string>();
        Assert.Single(before["keys"]!.AsArray());
        var receiptBefore = (await endorsements.ReceiptAsync(v.Signatories[0].Token, "http://localhost"))!.Value.Receipt;

        var folder = CliFolder();
        var rotated = await DelphiCli.RunAsync(folder, TimeSpan.FromMinutes(3), "key", "rotate");
        Assert.True(rotated.Code == 0, rotated.Err + rotated.Out);
        var line = rotated.Out.Split('\n')[0].Trim();
        Assert.StartsWith($"key rotated: {oldKey} -> ", line);
        var newKey = line[^64..];
        Assert.True(File.Exists(Path.Combine(app.DataFolder, "keys", $"ledger-signing.retired-{oldKey[..16]}.pem")));
        var list = await DelphiCli.RunAsync(folder, TimeSpan.FromMinutes(3), "key", "list");
        Assert.Equal(0, list.Code);
        Assert.Contains($"1 {oldKey} ", list.Out);
        Assert.Contains($"2 {newKey} ", list.Out);
        Assert.Contains($"(signed by {oldKey})", list.Out);

        // The running server signs the next head with the new key, without a restart; the ledger lists both keys.
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[1].Token)).Outcome);
        var after = await LedgerAsync(v.StudyId);
        Assert.Equal(newKey, after["head"]!["keyFingerprint"]!.GetValue<string>());
        Assert.Equal([oldKey, newKey], after["keys"]!.AsArray().Select(k => k!["fingerprint"]!.GetValue<string>()).ToArray());
        var server = (await endorsements.LedgerAsync(v.StudyId))!.Verification;
        Assert.True(server.Verifies, server.Message);
        Assert.Equal($"ledger verifies: 2 entries, head signed by {newKey}", server.Message);
        // The head signed before the rotation still verifies: the receipt, and the ledger cut at that head with the key list.
        Assert.True(LedgerVerifier.VerifyReceipt(receiptBefore).Verifies);
        Assert.True(LedgerVerifier.VerifyReceipt((await endorsements.ReceiptAsync(v.Signatories[0].Token, "http://localhost"))!.Value.Receipt).Verifies);
        var oldState = JsonNode.Parse(before.ToJsonString())!.AsObject();
        oldState["keys"] = after["keys"]!.DeepClone();
        Assert.True(LedgerVerifier.Verify(oldState).Verifies, LedgerVerifier.Verify(oldState).Message);
        // Trusting the old key (from an old receipt e-mail) accepts a head signed by the key it introduced; a stranger's key does not.
        Assert.True(LedgerVerifier.Verify(after, [oldKey]).Verifies);
        Assert.False(LedgerVerifier.Verify(after, [new string('a', 64)]).Verifies);

        // delphi verify agrees: the rotated ledger verifies; a head signed by an unknown key, or a forged rotation, does not.
        var files = Path.Combine(folder, "files");
        Directory.CreateDirectory(files);
        async Task<(int Code, string Out)> VerifyAsync(JsonObject ledger, params string[] more)
        {
            var path = Path.Combine(files, Guid.NewGuid().ToString("N") + ".json");
            await File.WriteAllTextAsync(path, ledger.ToJsonString());
            var r = await DelphiCli.RunAsync(folder, TimeSpan.FromMinutes(3), ["verify", path, .. more]);
            return (r.Code, r.Out.Trim());
        }
        Assert.Equal((0, server.Message), await VerifyAsync(after));
        Assert.Equal((0, server.Message), await VerifyAsync(after, "--key", oldKey));
        Assert.Equal(1, (await VerifyAsync(after, "--key", new string('b', 64))).Code);

        var unknown = LedgerTampering.SignedByUnknownKey(after);
        var expected = $"head: it is signed by key {unknown["head"]!["keyFingerprint"]!.GetValue<string>()}, which is not one of the service's keys in the ledger (an unknown key)";
        Assert.Equal(expected, LedgerVerifier.Verify(unknown).Message);
        Assert.Equal((1, expected), await VerifyAsync(unknown));

        var forged = JsonNode.Parse(after.ToJsonString())!.AsObject();
        var stranger = JsonNode.Parse(unknown["publicKey"]!.ToJsonString())!.AsObject();
        stranger["previous"] = newKey;
        stranger["introducedAt"] = "2030-01-01T00:00:00.000Z";
        stranger["rotationSignature"] = forged["keys"]![1]!["rotationSignature"]!.GetValue<string>();
        forged["keys"]!.AsArray().Add(stranger);
        forged["head"] = unknown["head"]!.DeepClone();
        forged["publicKey"] = unknown["publicKey"]!.DeepClone();
        Assert.Equal("keys: key 3: the key before it did not sign it (rotation signature does not verify)", LedgerVerifier.Verify(forged).Message);
        Assert.Equal((1, "keys: key 3: the key before it did not sign it (rotation signature does not verify)"), await VerifyAsync(forged));
    }

    [Fact]
    public async Task The_evidence_bundle_verifies_offline_with_scripts_delphi_verify_and_a_tampered_bundle_does_not()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 3);
        var endorsements = app.Services.GetRequiredService<EndorsementService>();
        using var passkeys = new DelphiRounds.Demo.DemoPasskey($"http://localhost:{app.Address.Port}");
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[0].Token, passkeys.Check)).Outcome);
        Assert.Equal(LedgerOutcome.Appended, (await endorsements.SignAsync(v.Signatories[1].Token)).Outcome);
        var server = (await endorsements.LedgerAsync(v.StudyId))!.Verification;
        Assert.True(server.Verifies, server.Message);
        Assert.Equal(1, server.PasskeySignatures);

        var response = await app.Client().GetAsync($"/verify/{v.StudyId}/evidence.zip");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var folder = Path.Combine(app.DataFolder, "bundle-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var bundle = Path.Combine(folder, "evidence.zip");
        await File.WriteAllBytesAsync(bundle, bytes);
        using (var zip = ZipFile.OpenRead(bundle))
        {
            Assert.Equal(
                new[] { "README.md", "document.json", "keys.json", "ledger-check.js", "ledger.json", "public-keys.pem", "verify.html" },
                zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToArray());
            using var readme = new StreamReader(zip.GetEntry("README.md")!.Open());
            var text = await readme.ReadToEndAsync();
            Assert.Contains("## Nederlands", text);
            Assert.Contains("## English", text);
            Assert.Contains(v.DocumentHash, text);
            using var script = zip.GetEntry("ledger-check.js")!.Open();
            var served = await app.Client().GetByteArrayAsync("/js/ledger-check.js");
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(served)), Convert.ToHexStringLower(await SHA256.HashDataAsync(script)));
            Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(served)), text);
        }

        var sound = await EndorsementCliProcessTests.RunAsync(bundle);
        Assert.True(sound.Code == 0, sound.Err + sound.Out);
        Assert.Equal(server.Message, sound.Out.Trim());

        // The same bundle with one entry's organisation changed in ledger.json, and with another document beside the ledger.
        var tampered = Path.Combine(folder, "tampered.zip");
        File.Copy(bundle, tampered);
        using (var zip = ZipFile.Open(tampered, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("ledger.json")!;
            JsonObject ledger;
            using (var reader = new StreamReader(entry.Open())) ledger = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
            entry.Delete();
            ledger["entries"]![1]!["organisation"] = "Iemand anders";
            using var writer = new StreamWriter(zip.CreateEntry("ledger.json").Open());
            await writer.WriteAsync(ledger.ToJsonString());
        }
        var bad = await EndorsementCliProcessTests.RunAsync(tampered);
        Assert.Equal(1, bad.Code);
        Assert.Equal("entry 2 (sequence 2): hash does not match the entry's contents", bad.Out.Trim());

        var otherDocument = Path.Combine(folder, "other-document.zip");
        File.Copy(bundle, otherDocument);
        using (var zip = ZipFile.Open(otherDocument, ZipArchiveMode.Update))
        {
            zip.GetEntry("document.json")!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("document.json").Open());
            await writer.WriteAsync("{\"format\":\"another text\"}");
        }
        var other = await EndorsementCliProcessTests.RunAsync(otherDocument);
        Assert.Equal(1, other.Code);
        Assert.Equal("bundle: document.json is not the ledger's frozen document (its SHA-256 differs)", other.Out.Trim());
    }
}
