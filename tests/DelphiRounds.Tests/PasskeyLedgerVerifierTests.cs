using System.Text.Json.Nodes;
using DelphiRounds.Cli.Verify;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Tests;

/// <summary>
/// The verifier (and so <c>delphi verify</c>) on a ledger where some organisations signed with their own passkey:
/// the genuine record verifies with every passkey signature checked, and a swapped signature, a proof moved to
/// another entry, a withdrawal by another passkey, another relying party or a changed document fail at that entry.
/// </summary>
public sealed class PasskeyLedgerVerifierTests : IDisposable
{
    private const string Origin = "https://delphi.example";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "delphi-passkey-ledger-tests", Guid.NewGuid().ToString("N"));
    private readonly LedgerSigningKey _key;
    private readonly SoftAuthenticator _b = new();
    private readonly SoftAuthenticator _c = new();

    public PasskeyLedgerVerifierTests()
    {
        _key = new LedgerSigningKey(Options.Create(new EndorsementOptions { SigningKeyPath = Path.Combine(_folder, "ledger-signing.pem") }),
            NullLogger<LedgerSigningKey>.Instance);
    }

    public void Dispose()
    {
        _key.Dispose();
        _b.Dispose();
        _c.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>A passkey's proof for an entry, as the service stores it: the authenticator signs the entry's challenge.</summary>
    private static JsonObject Proof(SoftAuthenticator key, LedgerEntry e, string origin = Origin, string? rpId = null)
    {
        var challenge = LedgerFormat.Base64Url(LedgerFormat.PasskeyChallenge(e.Kind, e.DocumentHash, e.Organisation, e.SignatoryRef, e.Sequence));
        var assertion = key.Sign(challenge, origin, rpId)["response"]!;
        return new JsonObject
        {
            ["credentialId"] = key.CredentialIdText,
            ["algorithm"] = -7,
            ["publicKey"] = Convert.ToBase64String(key.PublicKeySpki),
            ["rpId"] = rpId ?? new Uri(origin).Host,
            ["origin"] = origin,
            ["authenticatorData"] = assertion["authenticatorData"]!.GetValue<string>(),
            ["clientDataJSON"] = assertion["clientDataJSON"]!.GetValue<string>(),
            ["signature"] = assertion["signature"]!.GetValue<string>(),
        };
    }

    /// <summary>
    /// The five-row ledger of <see cref="EndorsementLedgerVerifierTests"/> (1 E(a), 2 E(b), 3 W(b), 4 E(c), 5 E(d)) with
    /// b signing and withdrawing with passkey B and c signing with passkey C; a and d by link. <paramref name="alter"/>
    /// changes proofs before the chain is hashed and the head signed, as an operator rewriting the record would.
    /// </summary>
    private JsonObject Ledger(Action<List<LedgerEntry>>? alter = null) => EndorsementLedgerVerifierTests.Ledger(_key, entries =>
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var key = entries[i].SignatoryRef switch { "sg-test2" => _b, "sg-test3" => _c, _ => null };
            entries[i] = key is null
                ? entries[i] with { Method = LedgerFormat.Link }
                : entries[i] with { Method = LedgerFormat.Passkey, Passkey = Proof(key, entries[i]).ToJsonString() };
        }
        alter?.Invoke(entries);
        var previous = LedgerFormat.Genesis;
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i] with { PreviousHash = previous };
            entries[i] = e with { EntryHash = e.Fields.Hash() };
            previous = entries[i].EntryHash;
        }
    });

    private static JsonObject Proof(LedgerEntry e) => JsonNode.Parse(e.Passkey!)!.AsObject();

    private static (int Code, string Out) Cli(JsonObject ledger, string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, ledger.ToJsonString());
        var stdout = new StringWriter();
        var code = VerifyCommand.Run([path], TextReader.Null, stdout, new StringWriter());
        return (code, stdout.ToString().Trim());
    }

    [Fact]
    public void A_record_with_passkey_and_link_signatures_verifies_with_every_passkey_signature_checked_here_and_in_delphi_verify()
    {
        var ledger = JsonNode.Parse(Ledger().ToJsonString())!.AsObject();
        var result = LedgerVerifier.Verify(ledger);
        Assert.True(result.Verifies, result.Message);
        Assert.Equal(3, result.PasskeySignatures);
        var entries = ledger["entries"]!.AsArray();
        Assert.Equal(["link", "passkey", "passkey", "passkey", "link"], entries.Select(e => e!["method"]!.GetValue<string>()));
        var (code, output) = Cli(ledger, _folder);
        Assert.Equal(0, code);
        Assert.StartsWith("ledger verifies: 5 entries, head signed by ", output);
    }

    [Fact]
    public void A_swapped_passkey_signature_fails_at_its_entry_even_when_the_chain_is_rehashed_and_the_head_re_signed()
    {
        // Entry 4's signature (by C) put into entry 2's proof (by B).
        var ledger = Ledger(entries =>
        {
            var proof = Proof(entries[1]);
            proof["signature"] = Proof(entries[3])["signature"]!.GetValue<string>();
            entries[1] = entries[1] with { Passkey = proof.ToJsonString() };
        });
        var result = LedgerVerifier.Verify(JsonNode.Parse(ledger.ToJsonString()));
        Assert.False(result.Verifies);
        Assert.Equal(2, result.BrokenEntry);
        Assert.Equal("entry 2 (sequence 2): passkey: the signature does not verify with the entry's public key", result.Message);
        var (code, output) = Cli(ledger, _folder);
        Assert.Equal(1, code);
        Assert.Equal(result.Message, output);

        // Swapping inside the published file without rehashing: the entry's hash gives it away at the same entry.
        var edited = JsonNode.Parse(Ledger().ToJsonString())!.AsObject();
        var rows = edited["entries"]!.AsArray();
        rows[1]!["passkey"]!["signature"] = rows[3]!["passkey"]!["signature"]!.GetValue<string>();
        var hashed = LedgerVerifier.Verify(edited);
        Assert.Equal(2, hashed.BrokenEntry);
        Assert.Equal("entry 2 (sequence 2): hash does not match the entry's contents", hashed.Message);
    }

    [Fact]
    public void A_genuine_proof_moved_to_another_entry_fails_because_it_signed_that_entrys_challenge()
    {
        // Organisation d "signed with B's passkey": B's genuine proof from entry 2 copied onto entry 5.
        var ledger = Ledger(entries => entries[4] = entries[4] with { Method = LedgerFormat.Passkey, Passkey = entries[1].Passkey });
        var result = LedgerVerifier.Verify(JsonNode.Parse(ledger.ToJsonString()));
        Assert.Equal(5, result.BrokenEntry);
        Assert.Equal("entry 5 (sequence 5): passkey: it signed another challenge than this entry's (document, organisation, signatory and position)", result.Message);
    }

    [Fact]
    public void A_withdrawal_must_be_signed_by_the_passkey_that_signed_the_endorsement()
    {
        var byOther = Ledger(entries => entries[2] = entries[2] with { Passkey = Proof(_c, entries[2]).ToJsonString() });
        var result = LedgerVerifier.Verify(JsonNode.Parse(byOther.ToJsonString()));
        Assert.Equal(3, result.BrokenEntry);
        Assert.Equal("entry 3 (sequence 3): the endorsement at sequence 2 was signed with a passkey; its withdrawal is not signed with that same passkey", result.Message);

        var byLink = Ledger(entries => entries[2] = entries[2] with { Method = LedgerFormat.Link, Passkey = null });
        Assert.Equal(3, LedgerVerifier.Verify(JsonNode.Parse(byLink.ToJsonString())).BrokenEntry);
    }

    [Fact]
    public void A_passkey_for_another_site_or_a_changed_document_fails()
    {
        var otherSite = Ledger(entries => entries[3] = entries[3] with { Passkey = Proof(_c, entries[3], "https://phish.example", "delphi.example").ToJsonString() });
        var site = LedgerVerifier.Verify(JsonNode.Parse(otherSite.ToJsonString()));
        Assert.Equal(4, site.BrokenEntry);
        Assert.Equal("entry 4 (sequence 4): passkey: the origin does not belong to the relying party", site.Message);

        var otherParty = Ledger(entries =>
        {
            var proof = Proof(entries[3]);
            proof["rpId"] = "phish.example";
            proof["origin"] = "https://phish.example";
            entries[3] = entries[3] with { Passkey = proof.ToJsonString() };
        });
        Assert.Equal(4, LedgerVerifier.Verify(JsonNode.Parse(otherParty.ToJsonString())).BrokenEntry);

        var changed = JsonNode.Parse(Ledger().ToJsonString())!.AsObject();
        changed["document"]!["canonical"] = changed["document"]!["canonical"]!.GetValue<string>().Replace("Testvisie", "Andere visie");
        var document = LedgerVerifier.Verify(changed);
        Assert.False(document.Verifies);
        Assert.StartsWith("document:", document.Message);
    }
}
