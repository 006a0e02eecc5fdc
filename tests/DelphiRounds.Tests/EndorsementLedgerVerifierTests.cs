using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DelphiRounds.Endorsement;
using DelphiRounds.Records;
using DelphiRounds.Vision;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Tests;

/// <summary>
/// The verifier on ledgers built in memory with a real signing key: a sound ledger verifies, and changing any
/// field of any kind of row makes it fail at exactly that row.
/// </summary>
public sealed class EndorsementLedgerVerifierTests : IDisposable
{
    private const long StudyId = 7;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "delphi-ledger-tests", Guid.NewGuid().ToString("N"));
    private readonly LedgerSigningKey _key;

    public EndorsementLedgerVerifierTests()
    {
        _key = NewKey(Path.Combine(_folder, "ledger-signing.pem"));
    }

    public void Dispose()
    {
        _key.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private static LedgerSigningKey NewKey(string path) =>
        new(Options.Create(new EndorsementOptions { SigningKeyPath = path }), NullLogger<LedgerSigningKey>.Instance);

    /// <summary>
    /// A ledger of four endorsements and one withdrawal: 1 E(a), 2 E(b), 3 W(b withdraws 2), 4 E(c), 5 E(d).
    /// Row 2 is an endorsement with a later withdrawal, row 3 the withdrawal, row 5 the last row.
    /// </summary>
    internal static JsonObject Ledger(LedgerSigningKey key, Action<List<LedgerEntry>>? alter = null)
    {
        var canonical = CanonicalJson.Write(new JsonObject
        {
            ["format"] = VisionService.DocumentFormat,
            ["vision"] = new JsonObject { ["title"] = "Testvisie", ["statements"] = new JsonArray() },
        });
        var document = new VisionDocument { StudyId = StudyId, DraftId = 1, CanonicalJson = canonical, DocumentHash = CanonicalJson.Sha256(canonical) };
        var signatories = new Dictionary<long, Signatory>();
        foreach (var (id, org) in new[] { (1L, "Netbeheerder (test)"), (2L, "Energiebedrijf (test)"), (3L, "Woningcorporatie (test)"), (4L, "Gemeente (test)") })
        {
            var salt = RandomNumberGenerator.GetBytes(32);
            var nameSalt = RandomNumberGenerator.GetBytes(32);
            var name = $"Persoon {id}";
            signatories[id] = new Signatory
            {
                Id = id, StudyId = StudyId, Reference = $"sg-test{id}", Organisation = org, Role = "Directeur",
                Commitment = LedgerFormat.Commitment(salt, $"persoon{id}@example.org"), NameCommitment = LedgerFormat.NameCommitment(nameSalt, name),
                Name = name, NameSalt = Convert.ToHexStringLower(nameSalt), Salt = Convert.ToHexStringLower(salt), Email = $"persoon{id}@example.org",
            };
        }
        var t0 = new DateTimeOffset(2030, 5, 1, 9, 30, 0, TimeSpan.Zero);
        var plan = new (long Signatory, string Kind, long? Withdraws, string? Reason)[]
        {
            (1, LedgerFormat.Endorsement, null, null), (2, LedgerFormat.Endorsement, null, null),
            (2, LedgerFormat.Withdrawal, 2, "Investering uitgesteld."), (3, LedgerFormat.Endorsement, null, null), (4, LedgerFormat.Endorsement, null, null),
        };
        var entries = new List<LedgerEntry>();
        var previous = LedgerFormat.Genesis;
        for (var i = 0; i < plan.Length; i++)
        {
            var s = signatories[plan[i].Signatory];
            var entry = new LedgerEntry
            {
                StudyId = StudyId, Sequence = i + 1, Kind = plan[i].Kind, SignatoryId = s.Id, SignatoryRef = s.Reference,
                Commitment = s.Commitment, NameCommitment = s.NameCommitment, Organisation = s.Organisation, Role = s.Role,
                Statement = $"Namens {s.Organisation} {(plan[i].Kind == LedgerFormat.Endorsement ? "onderschrijf" : "trek")} ik …",
                Withdraws = plan[i].Withdraws, Reason = plan[i].Reason, DocumentHash = document.DocumentHash, PreviousHash = previous,
                RecordedAt = t0.AddSeconds(i * 61).AddMilliseconds(i * 7),
            };
            entry = entry with { EntryHash = entry.Fields.Hash() };
            entries.Add(entry);
            previous = entry.EntryHash;
        }
        alter?.Invoke(entries);
        var last = entries.Count == 0 ? null : entries[^1];
        var signed = key.SignHead(StudyId, last?.Sequence ?? 0, last?.EntryHash ?? LedgerFormat.Genesis, document.DocumentHash, t0.AddHours(1));
        var head = new LedgerHead
        {
            StudyId = signed.StudyId, Sequence = signed.Sequence, HeadHash = signed.HeadHash, DocumentHash = signed.DocumentHash,
            Signature = signed.Signature, PublicKey = signed.PublicKey, KeyFingerprint = signed.KeyFingerprint, SignedAt = signed.SignedAt,
        };
        return EndorsementService.LedgerJson(StudyId, document, entries, signatories, head);
    }

    private JsonObject Sound() => Ledger(_key);

    /// <summary>Reads the ledger back as a verifier would: from its serialised text.</summary>
    private static JsonNode Reparsed(JsonObject ledger) => JsonNode.Parse(ledger.ToJsonString())!;

    [Fact]
    public void A_sound_ledger_verifies_and_names_the_key_that_signed_its_head()
    {
        var result = LedgerVerifier.Verify(Reparsed(Sound()));
        Assert.True(result.Verifies, result.Message);
        Assert.Equal(5, result.Entries);
        Assert.Equal(_key.Fingerprint, result.KeyFingerprint);
        Assert.Equal($"ledger verifies: 5 entries, head signed by {_key.Fingerprint}", result.Message);
    }

    [Fact]
    public void An_empty_ledger_with_its_genesis_head_verifies()
    {
        var result = LedgerVerifier.Verify(Reparsed(Ledger(_key, entries => entries.Clear())));
        Assert.True(result.Verifies, result.Message);
        Assert.Equal(0, result.Entries);
    }

    public static TheoryData<int, string> Tampered()
    {
        var data = new TheoryData<int, string>();
        // Row 2: an endorsement (later withdrawn); row 3: the withdrawal; row 5: the last endorsement.
        foreach (var row in new[] { 2, 3, 5 })
        {
            foreach (var field in LedgerFormat.HashedFields) data.Add(row, field);
            data.Add(row, "hash");
            data.Add(row, "disclosure.name");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Tampered))]
    public void Changing_any_field_of_a_row_breaks_verification_at_that_row(int row, string field)
    {
        var ledger = Reparsed(Sound()).AsObject();
        var entry = ledger["entries"]![row - 1]!.AsObject();
        var (owner, name) = field.Contains('.') ? (entry[field.Split('.')[0]]!.AsObject(), field.Split('.')[1]) : (entry, field);
        owner[name] = Changed(owner[name]);

        var result = LedgerVerifier.Verify(ledger);
        Assert.False(result.Verifies);
        Assert.Equal(row, result.BrokenEntry);
        Assert.StartsWith($"entry {row} (sequence ", result.Message);
    }

    /// <summary>A different value of the same kind (a changed hex digit, another time, a number one higher…).</summary>
    private static JsonNode? Changed(JsonNode? value)
    {
        if (value is null) return JsonValue.Create(1);
        var v = value.AsValue();
        if (v.GetValueKind() == System.Text.Json.JsonValueKind.Number) return JsonValue.Create(v.GetValue<long>() + 1);
        var s = v.GetValue<string>();
        if (LedgerFormat.IsHash(s)) return JsonValue.Create((s[0] == 'a' ? 'b' : 'a') + s[1..]);
        if (DateTimeOffset.TryParseExact(s, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return JsonValue.Create(RecordTime.Timestamp(time.AddMilliseconds(1)));
        return JsonValue.Create(s + " ");
    }

    [Fact]
    public void The_break_names_the_previous_hash_when_a_row_points_elsewhere()
    {
        var ledger = Reparsed(Sound()).AsObject();
        ledger["entries"]![3]!["previousHash"] = LedgerFormat.Genesis;
        Assert.Equal("entry 4 (sequence 4): previous hash does not match", LedgerVerifier.Verify(ledger).Message);
    }

    [Fact]
    public void Rehashing_a_changed_row_moves_the_break_to_the_next_row_and_rechaining_everything_breaks_the_signed_head()
    {
        // The forger changes row 2 and recomputes its hash: row 3 no longer points at it.
        var ledger = Reparsed(Ledger(_key, entries => entries[1] = Rehashed(entries[1] with { Organisation = "Iemand anders" }))).AsObject();
        // (Ledger() signed the head over the forged chain; use the sound ledger's head to model a forger without the key.)
        ledger["head"] = Reparsed(Sound())["head"]!.DeepClone();
        var result = LedgerVerifier.Verify(ledger);
        Assert.Equal(3, result.BrokenEntry);
        Assert.Equal("entry 3 (sequence 3): previous hash does not match", result.Message);

        // Re-chaining every later row too leaves the chain whole, but the service's signed head no longer matches.
        var rechained = Reparsed(Ledger(_key, entries =>
        {
            entries[1] = entries[1] with { Organisation = "Iemand anders" };
            for (var i = 1; i < entries.Count; i++) entries[i] = Rehashed(entries[i] with { PreviousHash = entries[i - 1].EntryHash });
        })).AsObject();
        rechained["head"] = Reparsed(Sound())["head"]!.DeepClone();
        var forged = LedgerVerifier.Verify(rechained);
        Assert.False(forged.Verifies);
        Assert.Null(forged.BrokenEntry);
        Assert.Equal("head: head hash does not match the last entry's hash", forged.Message);
    }

    private static LedgerEntry Rehashed(LedgerEntry e) => e with { EntryHash = e.Fields.Hash() };

    [Fact]
    public void Removing_a_row_breaks_at_its_place_and_removing_the_last_row_breaks_at_the_signed_head()
    {
        var middle = Reparsed(Sound()).AsObject();
        middle["entries"]!.AsArray().RemoveAt(1);
        var result = LedgerVerifier.Verify(middle);
        Assert.Equal(2, result.BrokenEntry);
        Assert.Equal("entry 2 (sequence 3): sequence is not 2", result.Message);

        var last = Reparsed(Sound()).AsObject();
        last["entries"]!.AsArray().RemoveAt(4);
        Assert.Equal("head: the signed head is at sequence 5 but the ledger ends at sequence 4 (entries are missing)", LedgerVerifier.Verify(last).Message);
    }

    [Fact]
    public void A_withdrawal_that_points_at_someone_elses_endorsement_fails_at_the_withdrawal_even_when_hashed_correctly()
    {
        var ledger = Reparsed(Ledger(_key, entries => entries[2] = Rehashed(entries[2] with { Withdraws = 1 }))).AsObject();
        var result = LedgerVerifier.Verify(ledger);
        Assert.Equal(3, result.BrokenEntry);
        Assert.Equal("entry 3 (sequence 3): withdraws sequence 1, which is not an endorsement by the same signatory", result.Message);
    }

    [Fact]
    public void A_signatory_cannot_endorse_twice()
    {
        var ledger = Reparsed(Ledger(_key, entries => entries[3] = Rehashed(entries[3] with { SignatoryRef = "sg-test1", Commitment = entries[0].Commitment }))).AsObject();
        var result = LedgerVerifier.Verify(ledger);
        Assert.Equal(4, result.BrokenEntry);
        Assert.Contains("endorsed before", result.Message);
    }

    [Fact]
    public void A_changed_document_or_signature_or_key_fails_outside_the_entries()
    {
        var document = Reparsed(Sound()).AsObject();
        document["document"]!["canonical"] = document["document"]!["canonical"]!.GetValue<string>().Replace("Testvisie", "Andere visie");
        Assert.Equal("document: the SHA-256 of the canonical text does not match sha256", LedgerVerifier.Verify(document).Message);

        var signature = Reparsed(Sound()).AsObject();
        var bytes = Convert.FromBase64String(signature["head"]!["signature"]!.GetValue<string>());
        bytes[10] ^= 0x01;
        signature["head"]!["signature"] = Convert.ToBase64String(bytes);
        Assert.Equal("head: the signature does not verify with the published key", LedgerVerifier.Verify(signature).Message);

        using var other = NewKey(Path.Combine(_folder, "other.pem"));
        var key = Reparsed(Sound()).AsObject();
        key["publicKey"] = EndorsementService.KeyJson(Convert.ToBase64String(other.PublicKeySpki));
        Assert.Equal("head: it names another key than the published public key", LedgerVerifier.Verify(key).Message);
    }

    [Fact]
    public void A_head_signed_by_another_key_verifies_only_under_that_keys_fingerprint()
    {
        using var other = NewKey(Path.Combine(_folder, "forger.pem"));
        var result = LedgerVerifier.Verify(Reparsed(Ledger(other)));
        Assert.True(result.Verifies);
        Assert.Equal(other.Fingerprint, result.KeyFingerprint);
        Assert.NotEqual(_key.Fingerprint, result.KeyFingerprint);
    }

    [Fact]
    public void An_erased_name_keeps_the_ledger_verifiable_while_a_disclosed_name_is_checked_against_its_commitment()
    {
        var ledger = Reparsed(Sound()).AsObject();
        // Signatory 2 endorsed (row 2) and withdrew (row 3); erasing them clears the name from both.
        foreach (var entry in ledger["entries"]!.AsArray().Where(e => e!["signatory"]!.GetValue<string>() == "sg-test2"))
            entry!["disclosure"] = new JsonObject { ["erased"] = true };
        Assert.True(LedgerVerifier.Verify(ledger).Verifies);
        Assert.DoesNotContain("Persoon 2", ledger.ToJsonString());
    }

    [Fact]
    public void The_signing_key_is_made_once_as_an_owner_only_PEM_file_and_read_back_as_the_same_key()
    {
        var path = Path.Combine(_folder, "keys", "made.pem");
        string fingerprint;
        using (var first = NewKey(path)) fingerprint = first.Fingerprint;
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var again = NewKey(path);
        Assert.Equal(fingerprint, again.Fingerprint);
    }

    [Fact]
    public void A_signing_key_file_that_is_not_a_P256_key_is_refused_with_the_setting_named()
    {
        var path = Path.Combine(_folder, "rsa.pem");
        Directory.CreateDirectory(_folder);
        using (var rsa = RSA.Create(2048)) File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        using var key = NewKey(path);
        var e = Assert.Throws<InvalidOperationException>(() => key.Fingerprint);
        Assert.StartsWith("Endorsement:SigningKeyPath:", e.Message);
    }
}
