using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Records;
using DelphiRounds.Vision;

namespace DelphiRounds.Endorsement;

/// <summary>The outcome of checking a ledger (or a receipt).</summary>
/// <param name="Verifies">True when every check passed.</param>
/// <param name="Entries">Number of entries in the ledger.</param>
/// <param name="KeyFingerprint">Fingerprint of the key whose signature on the head verified (null when it did not).</param>
/// <param name="BrokenEntry">Position (1-based) of the first entry that failed, or null when the failure is not in an entry.</param>
/// <param name="Message">One line: what verified, or where and why it broke (e.g. <c>entry 7 (sequence 7): previous hash does not match</c>).</param>
/// <param name="PasskeySignatures">Entries whose passkey signature verified (endorsements and withdrawals).</param>
public sealed record LedgerVerification(bool Verifies, int Entries, string? KeyFingerprint, int? BrokenEntry, string Message, int PasskeySignatures = 0)
{
    public static LedgerVerification Broken(int entries, int? entry, string message) => new(false, entries, null, entry, message);
}

/// <summary>
/// Checks a ledger file: the frozen document's hash, every entry's place in the hash chain and its hash,
/// what a withdrawal may withdraw, disclosed names against their commitments, and the service's
/// signature on the head. Pure code without I/O: the verification page, the ledger API and
/// <c>delphi verify</c> all run this one algorithm, and stop at the first thing that is wrong.
/// </summary>
public static class LedgerVerifier
{
    /// <summary>
    /// Verifies a ledger document as published at <c>GET /api/v1/studies/{id}/ledger</c>. With <paramref name="trusted"/>
    /// (fingerprints of service keys the checker knows from elsewhere: a receipt e-mail, the verification page), the
    /// ledger's key list must hold one of them at or before the key that signed the head.
    /// </summary>
    public static LedgerVerification Verify(JsonNode? root, IReadOnlyCollection<string>? trusted = null)
    {
        if (root is not JsonObject ledger) return LedgerVerification.Broken(0, null, "ledger: the file is not a JSON object");
        if (Text(ledger["format"]) != LedgerFormat.Format)
            return LedgerVerification.Broken(0, null, $"ledger: format is not {LedgerFormat.Format}");
        if (Integer(ledger["studyId"]) is not { } studyId) return LedgerVerification.Broken(0, null, "ledger: studyId is missing");

        if (CheckDocument(ledger["document"]) is { } documentProblem) return LedgerVerification.Broken(0, null, documentProblem);
        var documentHash = Text(ledger["document"]!["sha256"])!;
        // Later versions of the vision (issue 21): each a document of its own, chained to the one before; entries switch to a
        // version at the revision entry that introduces it.
        var revisions = new List<(long Number, string Hash, string Previous)>();
        if (ledger.ContainsKey(LedgerFormat.RevisionsField))
        {
            if (ledger[LedgerFormat.RevisionsField] is not JsonArray listed) return LedgerVerification.Broken(0, null, "revisions: not a list");
            var before = documentHash;
            for (var r = 0; r < listed.Count; r++)
            {
                var label = $"revisions: vision {r + 2}";
                if (CheckDocument(listed[r]) is { } revisionProblem) return LedgerVerification.Broken(0, null, $"{label}: {revisionProblem}");
                var revision = listed[r]!.AsObject();
                if (Integer(revision["number"]) != r + 2) return LedgerVerification.Broken(0, null, $"{label}: number is not {r + 2}");
                if (Text(revision["previous"]) != before) return LedgerVerification.Broken(0, null, $"{label}: previous is not the hash of the version before it");
                var revises = JsonNode.Parse(Text(revision["canonical"])!)?["revises"];
                if (Text(revises?["sha256"]) != before || Integer(revises?["number"]) != r + 1)
                    return LedgerVerification.Broken(0, null, $"{label}: the document does not name the version before it (revises)");
                before = Text(revision["sha256"])!;
                revisions.Add((r + 2, before, Text(revision["previous"])!));
            }
        }
        var introduced = 0;

        if (ledger["entries"] is not JsonArray entries) return LedgerVerification.Broken(0, null, "ledger: entries is missing");
        var count = entries.Count;
        var previous = LedgerFormat.Genesis;
        var previousAt = "";
        // What each signatory has done so far: their endorsement's sequence, and whether it was withdrawn.
        var endorsements = new Dictionary<string, (long Sequence, string Commitment, bool Withdrawn, string Method, string? Key)>(StringComparer.Ordinal);
        var commitments = new HashSet<long>();
        var passkeys = 0;
        var bySequence = new Dictionary<long, string>();
        // Four eyes: endorsements in force that wait for a second person (by sequence), and who confirmed already.
        var awaiting = new Dictionary<long, (string Signatory, string Commitment, string Organisation)>();
        var confirmers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var position = i + 1;
            var entry = entries[i] as JsonObject;
            var sequenceText = entry is null ? "?" : Integer(entry["sequence"])?.ToString(CultureInfo.InvariantCulture) ?? "?";
            LedgerVerification Fail(string problem) => LedgerVerification.Broken(count, position, $"entry {position} (sequence {sequenceText}): {problem}");

            if (entry is null) return Fail("not a JSON object");
            if (Integer(entry["sequence"]) != position) return Fail($"sequence is not {position}");
            if (ReadFields(entry, out var fields) is { } fieldProblem) return Fail(fieldProblem);
            if (fields.PreviousHash != previous) return Fail("previous hash does not match");
            if (fields.Kind == LedgerFormat.RevisionKind)
            {
                if (introduced >= revisions.Count) return Fail("a revision that the ledger's list of versions does not hold");
                var next = revisions[introduced];
                var revisionRecord = fields.Record is null ? null : JsonNode.Parse(fields.Record);
                if (Integer(revisionRecord?["number"]) != next.Number || Text(revisionRecord?["previous"]) != documentHash
                    || Text(revisionRecord?["document"]) != next.Hash)
                    return Fail($"the revision's record does not introduce vision {next.Number} after the version in force");
                documentHash = next.Hash;
                introduced++;
            }
            if (fields.DocumentHash != documentHash) return Fail("document hash does not match the frozen document");
            if (fields.StudyId != studyId) return Fail("study id does not match the ledger");
            if (Text(entry["hash"]) is not { } hash || hash != fields.Hash()) return Fail("hash does not match the entry's contents");
            if (!DateTimeOffset.TryParseExact(fields.At, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                return Fail("time is not a UTC time like 2030-05-01T09:30:00.000Z");
            if (string.CompareOrdinal(fields.At, previousAt) < 0) return Fail("time is earlier than the previous entry's");
            if (LedgerFormat.IsFacilitatorRecord(fields.Kind))
            {
                if (fields.Signatory != "" || fields.Commitment != "" || fields.NameCommitment != "")
                    return Fail($"a {fields.Kind} is recorded by the facilitator and names no signatory");
            }
            else if (!LedgerFormat.IsHash(fields.Commitment) || !LedgerFormat.IsHash(fields.NameCommitment))
                return Fail("a commitment is not a SHA-256 in lowercase hex");
            var method = fields.Method ?? LedgerFormat.Link;
            string? passkeyKey = null;
            if (method == LedgerFormat.Passkey)
            {
                if (CheckPasskey(fields.Proof, fields) is { } passkeyProblem) return Fail(passkeyProblem);
                passkeyKey = Text(fields.Proof!["credentialId"]) + " " + Text(fields.Proof!["publicKey"]);
                passkeys++;
            }
            if (fields.Kind != LedgerFormat.ConfirmationKind && fields.Confirms is not null) return Fail($"only a confirmation confirms; this is a {fields.Kind}");
            if (fields.Kind != LedgerFormat.Endorsement && fields.FourEyes is not null) return Fail($"only an endorsement can wait for a second person; this is a {fields.Kind}");
            if ((fields.Kind is LedgerFormat.CommitmentKind or LedgerFormat.MeasurementKind or LedgerFormat.ProgressKind or LedgerFormat.RevisionKind) != (fields.Record is not null))
                return Fail(fields.Record is null ? $"a {fields.Kind} needs its record" : $"an {fields.Kind} has no record");
            if (fields.Record is not null && !CanonicalJson.IsCanonical(fields.Record))
                return Fail("record is not canonical JSON (RFC 8785)");

            switch (fields.Kind)
            {
                case LedgerFormat.Endorsement:
                    if (fields.Withdraws is not null) return Fail("an endorsement cannot withdraw anything");
                    if (endorsements.ContainsKey(fields.Signatory)) return Fail($"signatory {fields.Signatory} endorsed before");
                    if (confirmers.Contains(fields.Signatory)) return Fail($"signatory {fields.Signatory} confirmed another's signature and cannot sign too");
                    if (fields.Mandate is { } m && string.IsNullOrWhiteSpace(m)) return Fail("the mandate is empty");
                    endorsements[fields.Signatory] = (fields.Sequence, fields.Commitment, false, method, passkeyKey);
                    if (fields.FourEyes == true) awaiting[fields.Sequence] = (fields.Signatory, fields.Commitment, fields.Organisation);
                    break;
                case LedgerFormat.ConfirmationKind:
                    if (fields.Withdraws is not null) return Fail("a confirmation cannot withdraw anything");
                    if (fields.Confirms is not { } confirmed || !awaiting.TryGetValue(confirmed, out var waiting))
                        return Fail($"confirms sequence {fields.Confirms?.ToString(CultureInfo.InvariantCulture) ?? "null"}, which is not an endorsement in force that waits for a second person");
                    if (waiting.Organisation != fields.Organisation) return Fail($"the confirmation is for another organisation than the endorsement at sequence {confirmed}");
                    if (waiting.Signatory == fields.Signatory || waiting.Commitment == fields.Commitment)
                        return Fail($"the endorsement at sequence {confirmed} is confirmed by the person who signed it; four eyes needs a second person");
                    if (endorsements.ContainsKey(fields.Signatory) || !confirmers.Add(fields.Signatory))
                        return Fail($"signatory {fields.Signatory} signed or confirmed before");
                    if (string.IsNullOrWhiteSpace(fields.Mandate)) return Fail("a confirmation states the second person's mandate");
                    awaiting.Remove(confirmed);
                    break;
                case LedgerFormat.Withdrawal:
                    if (fields.Withdraws is not { } withdrawn
                        || !endorsements.TryGetValue(fields.Signatory, out var endorsed) || endorsed.Sequence != withdrawn
                        || endorsed.Commitment != fields.Commitment)
                        return Fail($"withdraws sequence {fields.Withdraws?.ToString(CultureInfo.InvariantCulture) ?? "null"}, which is not an endorsement by the same signatory");
                    if (endorsed.Withdrawn) return Fail($"the endorsement at sequence {withdrawn} was already withdrawn");
                    if (endorsed.Method != method || endorsed.Key != passkeyKey)
                        return Fail(endorsed.Method == LedgerFormat.Passkey
                            ? $"the endorsement at sequence {withdrawn} was signed with a passkey; its withdrawal is not signed with that same passkey"
                            : $"the endorsement at sequence {withdrawn} was signed by link; its withdrawal must be too");
                    endorsements[fields.Signatory] = endorsed with { Withdrawn = true };
                    awaiting.Remove(withdrawn);
                    break;
                case LedgerFormat.CommitmentKind:
                    if (fields.Withdraws is not null) return Fail("a commitment cannot withdraw anything");
                    if (!endorsements.TryGetValue(fields.Signatory, out var committer) || committer.Withdrawn || committer.Commitment != fields.Commitment)
                        return Fail($"signatory {fields.Signatory} commits without an endorsement in force");
                    commitments.Add(fields.Sequence);
                    break;
                case LedgerFormat.MeasurementKind:
                    if (fields.Withdraws is not null) return Fail("a measurement cannot withdraw anything");
                    break;
                case LedgerFormat.RevisionKind:
                    if (fields.Withdraws is not null) return Fail("a revision cannot withdraw anything");
                    break;
                case LedgerFormat.ProgressKind:
                    if (fields.Withdraws is not null) return Fail("progress cannot withdraw anything");
                    if (Integer(JsonNode.Parse(fields.Record!)?["commitment"]) is not { } committed || !commitments.Contains(committed))
                        return Fail("progress names no earlier commitment of this ledger");
                    break;
                default:
                    return Fail($"kind '{fields.Kind}' is none of {LedgerFormat.Endorsement}, {LedgerFormat.Withdrawal}, {LedgerFormat.ConfirmationKind}, {LedgerFormat.CommitmentKind}, {LedgerFormat.MeasurementKind}, {LedgerFormat.ProgressKind}, {LedgerFormat.RevisionKind}");
            }
            if (CheckDisclosure(entry["disclosure"], fields.NameCommitment) is { } disclosureProblem) return Fail(disclosureProblem);

            bySequence[fields.Sequence] = hash;
            previous = hash;
            previousAt = fields.At;
        }

        if (introduced < revisions.Count)
            return LedgerVerification.Broken(count, null, $"revisions: vision {revisions[introduced].Number} is listed but no revision entry introduces it");

        List<string>? chain = null;
        if (ledger.ContainsKey("keys"))
        {
            var keys = CheckKeys(ledger["keys"]);
            if (keys.Problem is { } keysProblem) return LedgerVerification.Broken(count, null, keysProblem);
            chain = keys.Chain;
        }
        var head = CheckHead(ledger["head"], ledger["publicKey"], studyId, count, previous, documentHash, chain);
        if (head.Problem is null && trusted is { Count: > 0 })
        {
            var known = chain ?? [head.Fingerprint!];
            var upTo = known.IndexOf(head.Fingerprint!);
            if (!known.Take(upTo + 1).Any(trusted.Contains))
                return LedgerVerification.Broken(count, null, $"keys: none of the keys you trust ({string.Join(", ", trusted)}) signed this ledger's head or introduced the key that did");
        }
        return head.Problem is { } headProblem
            ? LedgerVerification.Broken(count, null, headProblem)
            : new LedgerVerification(true, count, head.Fingerprint, null, $"ledger verifies: {count} entries, head signed by {head.Fingerprint}", passkeys);
    }

    /// <summary>
    /// Verifies a signatory's receipt: the entry's hash, that the signed head of that moment is this entry
    /// and carries the service's valid signature, and (when present) the e-mail and name against their commitments.
    /// </summary>
    public static LedgerVerification VerifyReceipt(JsonNode? root)
    {
        if (root is not JsonObject receipt || Text(receipt["format"]) != LedgerFormat.ReceiptFormat)
            return LedgerVerification.Broken(0, null, $"receipt: format is not {LedgerFormat.ReceiptFormat}");
        if (Integer(receipt["studyId"]) is not { } studyId) return LedgerVerification.Broken(0, null, "receipt: studyId is missing");
        string? fingerprint = null;
        var parts = new List<(string Name, JsonNode? Entry, JsonNode? Head, JsonNode? Key)> { ("entry", receipt["entry"], receipt["head"], receipt["publicKey"]) };
        if (receipt["withdrawal"] is JsonObject w) parts.Add(("withdrawal", w["entry"], w["head"], w["publicKey"] ?? receipt["publicKey"]));
        foreach (var (name, node, headNode, keyNode) in parts)
        {
            if (node is not JsonObject entry || ReadFields(entry, out var fields) is { } problem)
                return LedgerVerification.Broken(0, null, $"receipt: {name} is not a complete ledger entry");
            if (Text(entry["hash"]) is not { } hash || hash != fields.Hash())
                return LedgerVerification.Broken(0, null, $"receipt: {name} (sequence {fields.Sequence}): hash does not match the entry's contents");
            if (fields.StudyId != studyId) return LedgerVerification.Broken(0, null, $"receipt: {name}: study id does not match");
            var head = CheckHead(headNode, keyNode, studyId, fields.Sequence, hash, fields.DocumentHash);
            if (head.Problem is { } headProblem) return LedgerVerification.Broken(0, null, $"receipt: {name}: {headProblem}");
            fingerprint = head.Fingerprint;
            if (receipt["signatory"] is JsonObject s && fields.Kind == LedgerFormat.Endorsement)
            {
                if (Text(s["email"]) is { } email && Text(s["salt"]) is { } salt
                    && (Hex(salt) is not { } saltBytes || LedgerFormat.Commitment(saltBytes, email) != fields.Commitment))
                    return LedgerVerification.Broken(0, null, "receipt: the e-mail address does not match its commitment");
                if (Text(s["name"]) is { } nameText && Text(s["nameSalt"]) is { } nameSalt
                    && (Hex(nameSalt) is not { } nameSaltBytes || LedgerFormat.NameCommitment(nameSaltBytes, nameText) != fields.NameCommitment))
                    return LedgerVerification.Broken(0, null, "receipt: the name does not match its commitment");
            }
        }
        return new LedgerVerification(true, parts.Count, fingerprint, null, $"receipt verifies: {parts.Count} entr{(parts.Count == 1 ? "y" : "ies")}, head signed by {fingerprint}");
    }

    private static string? CheckDocument(JsonNode? node)
    {
        if (node is not JsonObject document || Text(document["sha256"]) is not { } hash || Text(document["canonical"]) is not { } canonical)
            return "document: sha256 or canonical is missing";
        if (!LedgerFormat.IsHash(hash)) return "document: sha256 is not a SHA-256 in lowercase hex";
        if (CanonicalJson.Sha256(canonical) != hash) return "document: the SHA-256 of the canonical text does not match sha256";
        if (!CanonicalJson.IsCanonical(canonical)) return "document: the text is not canonical JSON (RFC 8785)";
        return null;
    }

    private static string? CheckDisclosure(JsonNode? node, string nameCommitment)
    {
        if (node is not JsonObject disclosure) return null;
        var name = Text(disclosure["name"]);
        var salt = Text(disclosure["nameSalt"]);
        if (name is null && salt is null) return null;
        if (name is null || salt is null || Hex(salt) is not { } saltBytes) return "disclosed name or its salt is incomplete";
        return LedgerFormat.NameCommitment(saltBytes, name) == nameCommitment ? null : "disclosed name does not match its commitment";
    }

    /// <summary>
    /// Checks the service's key list (oldest first): the first key introduces itself, every next one is signed by the
    /// one before it (<see cref="LedgerFormat.RotationPayload"/>). Returns the fingerprints in order, or the first problem.
    /// </summary>
    public static (string? Problem, List<string> Chain) CheckKeys(JsonNode? node)
    {
        var chain = new List<string>();
        if (node is not JsonArray keys || keys.Count == 0) return ("keys: the list of the service's keys is missing or empty", chain);
        byte[]? previousSpki = null;
        for (var i = 0; i < keys.Count; i++)
        {
            var label = $"keys: key {i + 1}";
            if (keys[i] is not JsonObject key || Text(key["spki"]) is not { } spkiText) return ($"{label}: spki is missing", chain);
            byte[] spki;
            try { spki = Convert.FromBase64String(spkiText); }
            catch (FormatException) { return ($"{label}: spki is not base64", chain); }
            var fingerprint = LedgerFormat.Fingerprint(spki);
            if (Text(key["fingerprint"]) is { } stated && stated != fingerprint) return ($"{label}: fingerprint does not match the key", chain);
            if (!IsP256(spki)) return ($"{label}: not an ECDSA P-256 key", chain);
            if (i == 0)
            {
                if (key["previous"] is not null) return ($"{label}: the first key cannot have a previous key", chain);
            }
            else
            {
                if (Text(key["previous"]) != chain[^1]) return ($"{label}: previous is not the key before it", chain);
                if (Text(key["introducedAt"]) is not { } at) return ($"{label}: introducedAt is missing", chain);
                if (Text(key["rotationSignature"]) is not { } signatureText) return ($"{label}: rotationSignature is missing", chain);
                byte[] signature;
                try { signature = Convert.FromBase64String(signatureText); }
                catch (FormatException) { return ($"{label}: rotationSignature is not base64", chain); }
                var payload = Encoding.UTF8.GetBytes(CanonicalJson.Write(LedgerFormat.RotationPayload(chain[^1], fingerprint, spkiText, at)));
                using var previous = ECDsa.Create();
                previous.ImportSubjectPublicKeyInfo(previousSpki, out _);
                if (!previous.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
                    return ($"{label}: the key before it did not sign it (rotation signature does not verify)", chain);
            }
            if (chain.Contains(fingerprint)) return ($"{label}: the key is listed twice", chain);
            chain.Add(fingerprint);
            previousSpki = spki;
        }
        return (null, chain);
    }

    private static bool IsP256(byte[] spki)
    {
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
            return ecdsa.KeySize == 256 && ecdsa.ExportParameters(false).Curve.Oid.Value == "1.2.840.10045.3.1.7";
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static (string? Problem, string? Fingerprint) CheckHead(JsonNode? headNode, JsonNode? keyNode, long studyId, long sequence, string headHash, string documentHash,
        List<string>? chain = null)
    {
        if (headNode is not JsonObject head) return ("head: the signed head is missing", null);
        if (Integer(head["studyId"]) != studyId) return ("head: study id does not match the ledger", null);
        if (Integer(head["sequence"]) is not { } headSequence) return ("head: sequence is missing", null);
        if (headSequence > sequence)
            return ($"head: the signed head is at sequence {headSequence} but the ledger ends at sequence {sequence} (entries are missing)", null);
        if (headSequence < sequence)
            return ($"head: the signed head is at sequence {headSequence} but the ledger goes on to sequence {sequence} (entries were added after it was signed)", null);
        if (Text(head["headHash"]) != headHash) return ("head: head hash does not match the last entry's hash", null);
        if (Text(head["documentHash"]) != documentHash) return ("head: document hash does not match the frozen document", null);

        if (keyNode is not JsonObject key || Text(key["spki"]) is not { } spkiText) return ("publicKey: spki is missing", null);
        byte[] spki;
        try { spki = Convert.FromBase64String(spkiText); }
        catch (FormatException) { return ("publicKey: spki is not base64", null); }
        var fingerprint = LedgerFormat.Fingerprint(spki);
        if (Text(key["fingerprint"]) is { } stated && stated != fingerprint) return ("publicKey: fingerprint does not match the key", null);
        if (Text(head["keyFingerprint"]) != fingerprint) return ("head: it names another key than the published public key", null);
        if (chain is not null && !chain.Contains(fingerprint))
            return ($"head: it is signed by key {fingerprint}, which is not one of the service's keys in the ledger (an unknown key)", null);
        if (Text(head["signature"]) is not { } signatureText) return ("head: signature is missing", null);
        byte[] signature;
        try { signature = Convert.FromBase64String(signatureText); }
        catch (FormatException) { return ("head: signature is not base64", null); }

        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
        }
        catch (CryptographicException)
        {
            return ("publicKey: not an ECDSA public key", null);
        }
        if (ecdsa.KeySize != 256 || ecdsa.ExportParameters(false).Curve.Oid.Value != "1.2.840.10045.3.1.7")
            return ("publicKey: not an ECDSA P-256 key", null);
        var payload = Encoding.UTF8.GetBytes(CanonicalJson.Write(LedgerFormat.HeadPayload(studyId, headSequence, headHash, documentHash)));
        if (signature.Length != 64 || !ecdsa.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            return ("head: the signature does not verify with the published key", null);
        return (null, fingerprint);
    }

    /// <summary>
    /// Checks a passkey's proof on an entry (WebAuthn assertion): the client data is an assertion whose challenge is
    /// this entry's (<see cref="LedgerFormat.PasskeyChallenge"/>) from the stated origin, the authenticator data is for
    /// the stated relying party with a user present, and the signature over authenticatorData || SHA-256(clientDataJSON)
    /// verifies with the stated public key (ES256 or RS256). Null when it holds.
    /// </summary>
    public static string? CheckPasskey(JsonObject? proof, LedgerFormat.EntryFields f)
    {
        if (proof is null) return "passkey: the proof is missing";
        var credentialId = LedgerFormat.FromBase64Url(Text(proof["credentialId"]));
        var authenticatorData = LedgerFormat.FromBase64Url(Text(proof["authenticatorData"]));
        var clientDataBytes = LedgerFormat.FromBase64Url(Text(proof["clientDataJSON"]));
        var signature = LedgerFormat.FromBase64Url(Text(proof["signature"]));
        if (credentialId is null or { Length: 0 }) return "passkey: credentialId is missing or not base64url";
        if (authenticatorData is null) return "passkey: authenticatorData is missing or not base64url";
        if (clientDataBytes is null) return "passkey: clientDataJSON is missing or not base64url";
        if (signature is null) return "passkey: signature is missing or not base64url";
        if (Text(proof["rpId"]) is not { Length: > 0 } rpId) return "passkey: rpId is missing";
        if (Text(proof["origin"]) is not { } origin) return "passkey: origin is missing";
        if (Integer(proof["algorithm"]) is not { } algorithm) return "passkey: algorithm is missing";
        byte[] spki;
        try { spki = Convert.FromBase64String(Text(proof["publicKey"]) ?? ""); }
        catch (FormatException) { return "passkey: publicKey is not base64"; }
        if (spki.Length == 0) return "passkey: publicKey is missing";

        JsonObject? clientData;
        try { clientData = JsonNode.Parse(clientDataBytes) as JsonObject; }
        catch (JsonException) { clientData = null; }
        if (clientData is null) return "passkey: the client data is not a JSON object";
        if (Text(clientData["type"]) != "webauthn.get") return "passkey: the client data is not an assertion (type webauthn.get)";
        var expected = LedgerFormat.Base64Url(LedgerFormat.PasskeyChallenge(f.Kind, f.DocumentHash, f.Organisation, f.Signatory, f.Sequence));
        if (Text(clientData["challenge"]) != expected)
            return "passkey: it signed another challenge than this entry's (document, organisation, signatory and position)";
        if (Text(clientData["origin"]) != origin) return "passkey: the client data's origin is not the entry's origin";
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var originUri)
            || !(originUri.Host == rpId || originUri.Host.EndsWith("." + rpId, StringComparison.Ordinal)))
            return "passkey: the origin does not belong to the relying party";
        if (authenticatorData.Length < 37) return "passkey: the authenticator data is too short";
        if (!authenticatorData.AsSpan(0, 32).SequenceEqual(SHA256.HashData(Encoding.UTF8.GetBytes(rpId))))
            return "passkey: the authenticator data is for another relying party";
        if ((authenticatorData[32] & 0x01) == 0) return "passkey: the authenticator did not confirm that someone was present";

        var signed = authenticatorData.Concat(SHA256.HashData(clientDataBytes)).ToArray();
        bool verifies;
        try
        {
            switch (algorithm)
            {
                case -7:
                    using (var ecdsa = ECDsa.Create())
                    {
                        ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
                        if (ecdsa.KeySize != 256) return "passkey: the ES256 key is not P-256";
                        verifies = ecdsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
                    }
                    break;
                case -257:
                    using (var rsa = RSA.Create())
                    {
                        rsa.ImportSubjectPublicKeyInfo(spki, out _);
                        verifies = rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                    }
                    break;
                default:
                    return $"passkey: algorithm {algorithm} is neither ES256 (-7) nor RS256 (-257)";
            }
        }
        catch (CryptographicException)
        {
            return "passkey: publicKey is not a key of the stated algorithm";
        }
        return verifies ? null : "passkey: the signature does not verify with the entry's public key";
    }

    /// <summary>Reads the hashed fields; a description of the first missing or mistyped one, else null.</summary>
    private static string? ReadFields(JsonObject entry, out LedgerFormat.EntryFields fields)
    {
        fields = null!;
        foreach (var name in LedgerFormat.HashedFields)
        {
            if (!entry.ContainsKey(name)) return $"field '{name}' is missing";
        }
        string? S(string name) => Text(entry[name]);
        var required = new[] { "kind", "documentHash", "previousHash", "signatory", "commitment", "nameCommitment", "organisation", "role", "statement", "at" };
        foreach (var name in required)
        {
            if (S(name) is null) return $"field '{name}' is not a string";
        }
        if (Integer(entry["sequence"]) is not { } sequence) return "field 'sequence' is not a whole number";
        if (Integer(entry["studyId"]) is not { } studyId) return "field 'studyId' is not a whole number";
        long? withdraws = null;
        if (entry["withdraws"] is not null)
        {
            if (Integer(entry["withdraws"]) is not { } w) return "field 'withdraws' is not a whole number or null";
            withdraws = w;
        }
        string? reason = null;
        if (entry["reason"] is not null && (reason = S("reason")) is null) return "field 'reason' is not a string or null";
        string? method = null;
        JsonObject? proof = null;
        if (entry.ContainsKey("method"))
        {
            method = S("method");
            if (method is not (LedgerFormat.Link or LedgerFormat.Passkey))
                return $"field 'method' is neither {LedgerFormat.Link} nor {LedgerFormat.Passkey}";
            if (!entry.ContainsKey("passkey")) return "field 'passkey' is missing";
            proof = entry["passkey"] as JsonObject;
            if (method == LedgerFormat.Passkey && proof is null) return "field 'passkey' is not an object (the passkey's proof)";
            if (method == LedgerFormat.Link && entry["passkey"] is not null) return "field 'passkey' is not null for an entry signed by link";
        }
        else if (entry.ContainsKey("passkey"))
        {
            return "field 'method' is missing";
        }
        string? record = null;
        if (entry.ContainsKey(LedgerFormat.RecordField) && (record = S(LedgerFormat.RecordField)) is null) return "field 'record' is not a string";
        string? mandate = null;
        if (entry.ContainsKey(LedgerFormat.MandateField) && (mandate = S(LedgerFormat.MandateField)) is null) return "field 'mandate' is not a string";
        bool? onPanel = null, fourEyes = null;
        if (entry.ContainsKey(LedgerFormat.OnPanelField) && (onPanel = Boolean(entry[LedgerFormat.OnPanelField])) is null) return "field 'onPanel' is not true or false";
        if (entry.ContainsKey(LedgerFormat.FourEyesField) && (fourEyes = Boolean(entry[LedgerFormat.FourEyesField])) is null) return "field 'fourEyes' is not true or false";
        long? confirms = null;
        if (entry.ContainsKey(LedgerFormat.ConfirmsField) && (confirms = Integer(entry[LedgerFormat.ConfirmsField])) is null) return "field 'confirms' is not a whole number";
        fields = new LedgerFormat.EntryFields(sequence, S("kind")!, studyId, S("documentHash")!, S("previousHash")!, S("signatory")!,
            S("commitment")!, S("nameCommitment")!, S("organisation")!, S("role")!, S("statement")!, withdraws, reason, S("at")!, method, proof, record,
            mandate, onPanel, fourEyes, confirms);
        return null;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool? Boolean(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    private static long? Integer(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return null;
        return long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private static byte[]? Hex(string text)
    {
        try { return Convert.FromHexString(text); }
        catch (FormatException) { return null; }
    }
}
