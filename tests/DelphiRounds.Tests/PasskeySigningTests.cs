using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Signing and withdrawing with a passkey over HTTP, as the signing page's script does it, with a software
/// authenticator making real ECDSA signatures: what is accepted lands in the ledger with its proof and verifies
/// without the service; what is refused (another challenge, another origin, a replay, another signatory's passkey,
/// malformed JSON or CBOR, a signature made before the ledger moved on) appends nothing and leaves the link unspent.
/// </summary>
public sealed partial class PasskeySigningTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private string Origin => app.Address.GetLeftPart(UriPartial.Authority);

    private long Entries(long studyId) => DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {studyId}");

    private bool Spent(SignatoryLink link) =>
        DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM signatories WHERE id = {link.Id} AND spent_at IS NOT NULL") == 1;

    /// <summary>Registers the authenticator's passkey for the link's signatory (registration options, then the new credential).</summary>
    private async Task<HttpResponseMessage> RegisterAsync(HttpClient client, SignatoryLink link, SoftAuthenticator key, Func<JsonObject, JsonObject>? change = null)
    {
        var options = await client.PostAsync($"/sign/{link.Token}/passkey/registration", null);
        Assert.Equal(HttpStatusCode.OK, options.StatusCode);
        var credential = key.Register(JsonNode.Parse(await options.Content.ReadAsStringAsync())!.AsObject(), Origin);
        if (change is not null) credential = change(credential);
        return await client.PostAsync($"/sign/{link.Token}/passkey/credential", new StringContent(credential.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
    }

    /// <summary>The challenge the service asks a passkey to sign now for this link (base64url).</summary>
    private static async Task<string> ChallengeAsync(HttpClient client, SignatoryLink link, string kind = "endorsement")
    {
        var response = await client.GetAsync($"/sign/{link.Token}/passkey/assertion?kind={kind}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["challenge"]!.GetValue<string>();
    }

    /// <summary>Posts the signing form with the assertion, as the page's script does.</summary>
    private static async Task<HttpResponseMessage> PostSignAsync(HttpClient client, SignatoryLink link, string assertion)
    {
        // A spent link's page redirects to the receipt, which has an anti-forgery token too (a replaying client has one).
        var response = await client.GetAsync($"/sign/{link.Token}");
        var page = response.Headers.Location is { } receipt ? await client.GetStringAsync(receipt) : await response.Content.ReadAsStringAsync();
        return await client.PostAsync($"/sign/{link.Token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value, ["Confirm"] = "true", ["Mandate"] = "Statutair directeur", ["Assertion"] = assertion,
        }));
    }

    private static async Task<HttpResponseMessage> PostWithdrawAsync(HttpClient client, SignatoryLink link, string? assertion)
    {
        var page = await client.GetStringAsync($"/sign/{link.Token}/receipt");
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value, ["ConfirmWithdraw"] = "true",
        };
        if (assertion is not null) form["Assertion"] = assertion;
        return await client.PostAsync($"/sign/{link.Token}/receipt?handler=Withdraw", new FormUrlEncodedContent(form));
    }

    private async Task<JsonObject> LedgerAsync(long studyId) => JsonNode.Parse((await VisionScenario.LedgerAsync(app, studyId)).GetRawText())!.AsObject();

    [Fact]
    public async Task A_passkey_signs_and_withdraws_and_the_ledger_holds_a_proof_anyone_can_check()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var client = app.Client(followRedirects: false);
        using var key = new SoftAuthenticator();

        // One organisation signs by link, the other with a passkey.
        var byLink = await PostSignAsync(client, v.Signatories[1], "");
        Assert.Equal(HttpStatusCode.SeeOther, byLink.StatusCode);
        var link = v.Signatories[0];
        Assert.Equal(HttpStatusCode.NoContent, (await RegisterAsync(client, link, key)).StatusCode);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM signatory_passkeys WHERE signatory_id = {link.Id}"));
        var challenge = await ChallengeAsync(client, link);
        // The challenge is the entry's: anyone can recompute it from the document, organisation, signatory and position.
        var reference = DatabaseDump.Text(app.DatabasePath, $"SELECT reference FROM signatories WHERE id = {link.Id}");
        Assert.Equal(LedgerFormat.Base64Url(LedgerFormat.PasskeyChallenge("endorsement", v.DocumentHash, link.Organisation, reference, 2)), challenge);
        var signed = await PostSignAsync(client, link, key.Sign(challenge, Origin).ToJsonString());
        Assert.Equal(HttpStatusCode.SeeOther, signed.StatusCode);
        Assert.True(Spent(link));

        var ledger = await LedgerAsync(v.StudyId);
        var verification = LedgerVerifier.Verify(ledger);
        Assert.True(verification.Verifies, verification.Message);
        Assert.Equal(1, verification.PasskeySignatures);
        var entries = ledger["entries"]!.AsArray();
        Assert.Equal("link", entries[0]!["method"]!.GetValue<string>());
        Assert.Null(entries[0]!["passkey"]);
        var entry = entries[1]!.AsObject();
        Assert.Equal("passkey", entry["method"]!.GetValue<string>());
        var proof = entry["passkey"]!.AsObject();
        Assert.Equal(key.CredentialIdText, proof["credentialId"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(key.PublicKeySpki), proof["publicKey"]!.GetValue<string>());
        Assert.Equal(Origin, proof["origin"]!.GetValue<string>());
        foreach (var field in new[] { "authenticatorData", "clientDataJSON", "signature" }) Assert.False(string.IsNullOrEmpty(proof[field]!.GetValue<string>()));

        // The receipt and the public page say how it was signed.
        var receipt = await client.GetStringAsync($"/sign/{link.Token}/receipt");
        Assert.Contains("data-method=\"passkey\"", receipt);
        Assert.Contains(LedgerFormat.Fingerprint(key.PublicKeySpki), receipt);
        var verify = await app.Client().GetStringAsync($"/verify/{v.StudyId}");
        Assert.Contains("data-passkey-count=\"1\"", verify);

        // Withdrawing an endorsement made with a passkey needs that passkey: by link alone it is refused.
        var linkOnly = await PostWithdrawAsync(client, link, null);
        Assert.Equal(HttpStatusCode.BadRequest, linkOnly.StatusCode);
        Assert.Contains("Trek in met diezelfde toegangssleutel", await linkOnly.Content.ReadAsStringAsync());
        Assert.Equal(2, Entries(v.StudyId));
        var withdrawChallenge = await ChallengeAsync(client, link, "withdrawal");
        var withdrawn = await PostWithdrawAsync(client, link, key.Sign(withdrawChallenge, Origin).ToJsonString());
        Assert.Equal(HttpStatusCode.SeeOther, withdrawn.StatusCode);
        ledger = await LedgerAsync(v.StudyId);
        verification = LedgerVerifier.Verify(ledger);
        Assert.True(verification.Verifies, verification.Message);
        Assert.Equal(2, verification.PasskeySignatures);
        var withdrawal = ledger["entries"]!.AsArray()[2]!;
        Assert.Equal("withdrawal", withdrawal["kind"]!.GetValue<string>());
        Assert.Equal("passkey", withdrawal["method"]!.GetValue<string>());
        Assert.Equal(key.CredentialIdText, withdrawal["passkey"]!["credentialId"]!.GetValue<string>());

        // The link signatory withdraws by link; a passkey assertion is refused there.
        using var stranger = new SoftAuthenticator();
        var wrongWay = await PostWithdrawAsync(client, v.Signatories[1], stranger.Sign(withdrawChallenge, Origin).ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, wrongWay.StatusCode);
        Assert.Equal(3, Entries(v.StudyId));
    }

    [Fact]
    public async Task Refused_assertions_append_nothing_and_leave_the_link_unspent()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 3);
        var client = app.Client(followRedirects: false);
        using var key = new SoftAuthenticator();
        using var otherKey = new SoftAuthenticator();
        var link = v.Signatories[0];
        var other = v.Signatories[1];
        Assert.Equal(HttpStatusCode.NoContent, (await RegisterAsync(client, link, key)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await RegisterAsync(client, other, otherKey)).StatusCode);
        var challenge = await ChallengeAsync(client, link);
        var before = DatabaseDump.Take(app.DatabasePath);

        async Task Refused(string assertion, string message)
        {
            var response = await PostSignAsync(client, link, assertion);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("data-passkey-error", html);
            Assert.Contains(message, html);
            Assert.Equal(0, Entries(v.StudyId));
            Assert.False(Spent(link));
        }

        // Another challenge: the withdrawal's, or one for another document.
        var otherChallenge = LedgerFormat.Base64Url(LedgerFormat.PasskeyChallenge("endorsement", new string('a', 64), link.Organisation, "sg-x", 1));
        await Refused(key.Sign(otherChallenge, Origin).ToJsonString(), "tekende een andere stand van het register");
        // Another origin (a look-alike site relaying the challenge).
        await Refused(key.Sign(challenge, "https://phish.example").ToJsonString(), "tekende voor een andere website");
        // Another signatory's passkey, signing this signatory's challenge.
        await Refused(otherKey.Sign(challenge, Origin).ToJsonString(), "niet voor u gemaakt");
        // Malformed JSON, and a signature that is not DER.
        await Refused("{\"id\": [1, 2", "kon niet worden gelezen");
        var broken = key.Sign(challenge, Origin);
        broken["response"]!["signature"] = SoftAuthenticator.Base64Url([1, 2, 3]);
        await Refused(broken.ToJsonString(), "klopt niet");
        // A tampered authenticator data (another counter than the one signed).
        var tampered = key.Sign(challenge, Origin);
        var data = SoftAuthenticator.FromBase64Url(tampered["response"]!["authenticatorData"]!.GetValue<string>());
        data[^1] ^= 0x40;
        tampered["response"]!["authenticatorData"] = SoftAuthenticator.Base64Url(data);
        await Refused(tampered.ToJsonString(), "klopt niet");
        // Refusals leave every table as it was (not even the passkey's counter moves).
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        // Malformed CBOR in a registration: refused, nothing stored.
        var third = v.Signatories[2];
        using var thirdKey = new SoftAuthenticator();
        var badCbor = await RegisterAsync(client, third, thirdKey, c =>
        {
            c["response"]!["attestationObject"] = SoftAuthenticator.Base64Url([0xa3, 0x63, 0x66, 0x6d]);
            return c;
        });
        Assert.Equal(HttpStatusCode.BadRequest, badCbor.StatusCode);
        Assert.Contains("\"credential\"", await badCbor.Content.ReadAsStringAsync());
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM signatory_passkeys WHERE signatory_id = {third.Id}"));
        // A passkey registered already (for another signatory) cannot be registered again.
        var taken = await RegisterAsync(client, third, otherKey);
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);

        // After all that, the genuine assertion still signs.
        Assert.Equal(HttpStatusCode.SeeOther, (await PostSignAsync(client, link, key.Sign(challenge, Origin).ToJsonString())).StatusCode);
        Assert.Equal(1, Entries(v.StudyId));
        Assert.True(LedgerVerifier.Verify(await LedgerAsync(v.StudyId)).Verifies);
    }

    [Fact]
    public async Task A_replayed_assertion_and_one_signed_before_the_ledger_moved_on_are_refused()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var client = app.Client(followRedirects: false);
        using var key = new SoftAuthenticator();
        var (link, other) = (v.Signatories[0], v.Signatories[1]);
        Assert.Equal(HttpStatusCode.NoContent, (await RegisterAsync(client, link, key)).StatusCode);

        // Signed on one page load (position 1) ...
        var early = key.Sign(await ChallengeAsync(client, link), Origin).ToJsonString();
        // ... meanwhile another organisation signs (it takes position 1) ...
        Assert.Equal(HttpStatusCode.SeeOther, (await PostSignAsync(client, other, "")).StatusCode);
        // ... and posted on another: the signature is for a position the entry would not get.
        var late = await PostSignAsync(client, link, early);
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Contains("Misschien tekende iemand anders net", await late.Content.ReadAsStringAsync());
        Assert.Equal(1, Entries(v.StudyId));
        Assert.False(Spent(link));

        // Signing again (a new page load, position 2) works.
        var assertion = key.Sign(await ChallengeAsync(client, link), Origin).ToJsonString();
        Assert.Equal(HttpStatusCode.SeeOther, (await PostSignAsync(client, link, assertion)).StatusCode);
        Assert.Equal(2, Entries(v.StudyId));

        // Replaying the accepted assertion signs nothing (the link is spent) ...
        var replay = await PostSignAsync(client, link, assertion);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        // ... nor does it withdraw (another challenge) ...
        var replayedAsWithdrawal = await PostWithdrawAsync(client, link, assertion);
        Assert.Equal(HttpStatusCode.BadRequest, replayedAsWithdrawal.StatusCode);
        // ... and a fresh challenge signed with an old counter (a cloned or replaying authenticator) is refused too.
        key.Counter -= 1;
        var cloned = await PostWithdrawAsync(client, link, key.Sign(await ChallengeAsync(client, link, "withdrawal"), Origin).ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, cloned.StatusCode);
        Assert.Contains("al eerder gebruikt", await cloned.Content.ReadAsStringAsync());
        Assert.Equal(2, Entries(v.StudyId));
        Assert.True(LedgerVerifier.Verify(await LedgerAsync(v.StudyId)).Verifies);
    }

    [Fact]
    public async Task The_passkey_endpoints_refuse_unknown_links_and_spent_ones_with_a_problem_naming_the_field()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 1);
        var client = app.Client(followRedirects: false);
        var unknown = await client.PostAsync($"/sign/{EndorsementStore.TokenPrefix}{new string('A', 43)}/passkey/registration", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("\"token\"", await unknown.Content.ReadAsStringAsync());
        var kind = await client.GetAsync($"/sign/{v.Signatories[0].Token}/passkey/assertion?kind=other");
        Assert.Equal(HttpStatusCode.BadRequest, kind.StatusCode);
        Assert.Contains("\"kind\"", await kind.Content.ReadAsStringAsync());
        // No passkey registered yet: nothing to sign with.
        var none = await client.GetAsync($"/sign/{v.Signatories[0].Token}/passkey/assertion?kind=endorsement");
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        // A credential without registration options first.
        using var key = new SoftAuthenticator();
        var options = new JsonObject { ["challenge"] = SoftAuthenticator.Base64Url(new byte[32]), ["rp"] = new JsonObject { ["id"] = app.Address.Host } };
        var unasked = await client.PostAsync($"/sign/{v.Signatories[0].Token}/passkey/credential",
            new StringContent(key.Register(options, Origin).ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unasked.StatusCode);
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM signatory_passkeys WHERE signatory_id = {v.Signatories[0].Id}"));
    }
}
