using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DelphiRounds.Records;

namespace DelphiRounds.Endorsement;

/// <summary>
/// The shape of the public ledger, shared by the service that writes it and the verifier that checks it.
/// An entry's hash is the SHA-256 of the canonical JSON (RFC 8785) of exactly the fields in
/// <see cref="HashedFields"/>; the head the service signs is the canonical JSON of
/// <c>{studyId, sequence, headHash, documentHash}</c>.
/// </summary>
public static class LedgerFormat
{
    public const string Format = "delphirounds-ledger/1";
    public const string ReceiptFormat = "delphirounds-receipt/1";
    public const string Endorsement = "endorsement";
    public const string Withdrawal = "withdrawal";
    /// <summary>What a signing organisation commits to, after signing (issue 21): by a signatory whose endorsement is in force.</summary>
    public const string CommitmentKind = "commitment";
    /// <summary>A measured value of an indicator of the agenda (issue 21): recorded by the facilitator, no signatory.</summary>
    public const string MeasurementKind = "measurement";
    /// <summary>
    /// Progress on a commitment (issue 21): the facilitator records that an organisation's commitment is done; no
    /// signatory. Its record names the commitment by its ledger sequence.
    /// </summary>
    public const string ProgressKind = "progress";

    /// <summary>
    /// A new version of the vision was frozen after a reflection round (issue 21): recorded by the facilitator, no signatory.
    /// Its record is <c>{ number, previous, document }</c>: the version's number, the hash of the version it follows and its
    /// own hash. From this entry on, entries carry the new version's hash; the ledger lists the version under <see cref="RevisionsField"/>.
    /// </summary>
    public const string RevisionKind = "revision";

    /// <summary>The ledger's list of the vision's later versions (<c>{ number, sha256, canonical, previous }</c>), vision 2 first.</summary>
    public const string RevisionsField = "revisions";

    /// <summary>The kinds the facilitator records: no signatory, always a record.</summary>
    public static bool IsFacilitatorRecord(string kind) => kind is MeasurementKind or ProgressKind or RevisionKind;

    /// <summary>The record of a revision entry (canonical JSON).</summary>
    public static string RevisionRecord(int number, string previousHash, string documentHash) =>
        CanonicalJson.Write(new JsonObject { ["number"] = number, ["previous"] = previousHash, ["document"] = documentHash });

    /// <summary>
    /// A second person of the organisation confirms an endorsement that waits for it (four eyes, issue 18): until then the
    /// endorsement does not count. Names the endorsement in <see cref="ConfirmsField"/>.
    /// </summary>
    public const string ConfirmationKind = "confirmation";

    /// <summary>Hashed, on entries since signing per organisation: the mandate the signatory stated ("authorised to sign for …").</summary>
    public const string MandateField = "mandate";
    /// <summary>Hashed, on endorsements since signing per organisation: true for an organisation of the panel, false for an outside party.</summary>
    public const string OnPanelField = "onPanel";
    /// <summary>Hashed, on an endorsement that counts only once a second person of the organisation confirms it: true.</summary>
    public const string FourEyesField = "fourEyes";
    /// <summary>Hashed, on a confirmation: the sequence of the endorsement it confirms.</summary>
    public const string ConfirmsField = "confirms";

    /// <summary>How an entry was signed: with the one-time link only.</summary>
    public const string Link = "link";
    /// <summary>How an entry was signed: with the signatory's own passkey (WebAuthn); the entry holds the proof.</summary>
    public const string Passkey = "passkey";

    /// <summary>What a passkey signature is, for people reading the ledger file.</summary>
    public const string PasskeyAlgorithm = "WebAuthn assertion: the passkey signs authenticatorData || SHA-256(clientDataJSON); clientDataJSON's challenge is the SHA-256 of the canonical JSON (RFC 8785) of {kind, documentHash, organisation, signatory, sequence}, base64url";

    /// <summary>The previous hash of the first entry (and the head hash of an empty ledger).</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>What the signature is, for people reading the ledger file.</summary>
    public const string Algorithm = "ECDSA P-256 with SHA-256 over the canonical JSON (RFC 8785) of {studyId, sequence, headHash, documentHash}; signature IEEE P1363 (r||s), base64";

    /// <summary>The fields of an entry that its hash covers. Anything else in an entry (its hash, the disclosed name) is not hashed.</summary>
    public static readonly string[] HashedFields =
    [
        "sequence", "kind", "studyId", "documentHash", "previousHash", "signatory", "commitment", "nameCommitment",
        "organisation", "role", "statement", "withdraws", "reason", "at",
    ];

    /// <summary>
    /// A hashed field only commitments and measurements have: the canonical JSON (RFC 8785) of what was committed or
    /// measured. Absent from endorsements and withdrawals, so their hashes are what they always were.
    /// </summary>
    public const string RecordField = "record";

    /// <summary>The fields of an entry as they are hashed.</summary>
    public sealed record EntryFields(
        long Sequence, string Kind, long StudyId, string DocumentHash, string PreviousHash, string Signatory,
        string Commitment, string NameCommitment, string Organisation, string Role, string Statement,
        long? Withdraws, string? Reason, string At, string? Method = null, JsonObject? Proof = null, string? Record = null,
        string? Mandate = null, bool? OnPanel = null, bool? FourEyes = null, long? Confirms = null)
    {
        /// <summary>
        /// The hashed fields. Entries that say how they were signed (all entries since passkeys) also hash
        /// <c>method</c> and <c>passkey</c> (the proof, or null); older entries have neither and were signed by link.
        /// Commitments and measurements also hash their <c>record</c>.
        /// </summary>
        public JsonObject ToJson()
        {
            var json = Fields().WithRecord(Record);
            // Signing per organisation: present only on entries that have them, so older entries hash as they always did.
            if (Mandate is not null) json[MandateField] = Mandate;
            if (OnPanel is { } onPanel) json[OnPanelField] = onPanel;
            if (FourEyes is { } fourEyes) json[FourEyesField] = fourEyes;
            if (Confirms is { } confirms) json[ConfirmsField] = confirms;
            if (Method is not null)
            {
                json["method"] = Method;
                json["passkey"] = Proof?.DeepClone();
            }
            return json;
        }

        private JsonObject Fields() => new()
        {
            ["sequence"] = Sequence,
            ["kind"] = Kind,
            ["studyId"] = StudyId,
            ["documentHash"] = DocumentHash,
            ["previousHash"] = PreviousHash,
            ["signatory"] = Signatory,
            ["commitment"] = Commitment,
            ["nameCommitment"] = NameCommitment,
            ["organisation"] = Organisation,
            ["role"] = Role,
            ["statement"] = Statement,
            ["withdraws"] = Withdraws,
            ["reason"] = Reason,
            ["at"] = At,
        };

        public string Hash() => CanonicalJson.Hash(ToJson());
    }

    /// <summary>
    /// The challenge a passkey signs for an entry: SHA-256 of the canonical JSON of
    /// <c>{kind, documentHash, organisation, signatory, sequence}</c> — the frozen document, who signs for whom,
    /// and the entry's place in the ledger. Anyone can recompute it from the entry.
    /// </summary>
    public static byte[] PasskeyChallenge(string kind, string documentHash, string organisation, string signatory, long sequence) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson.Write(new JsonObject
        {
            ["kind"] = kind,
            ["documentHash"] = documentHash,
            ["organisation"] = organisation,
            ["signatory"] = signatory,
            ["sequence"] = sequence,
        })));

    /// <summary>Base64url without padding (as WebAuthn writes bytes in JSON).</summary>
    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Bytes from base64url (padding optional); null when it is not base64url.</summary>
    public static byte[]? FromBase64Url(string? text)
    {
        if (text is null || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '='))) return null;
        var s = text.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        s += new string('=', (4 - s.Length % 4) % 4);
        try { return Convert.FromBase64String(s); }
        catch (FormatException) { return null; }
    }

    private static JsonObject WithRecord(this JsonObject json, string? record)
    {
        if (record is not null) json[RecordField] = record;
        return json;
    }

    /// <summary>The format of a key rotation: what the old key signs when it introduces the next one.</summary>
    public const string RotationFormat = "delphirounds-key-rotation/1";

    /// <summary>
    /// What the previous key signs to introduce the next (ECDSA P-256 with SHA-256, IEEE P1363, base64):
    /// the canonical JSON of <c>{format, previous, next, spki, at}</c>.
    /// </summary>
    public static JsonObject RotationPayload(string previous, string next, string spki, string at) => new()
    {
        ["format"] = RotationFormat,
        ["previous"] = previous,
        ["next"] = next,
        ["spki"] = spki,
        ["at"] = at,
    };

    /// <summary>What the service signs: the head of a study's chain.</summary>
    public static JsonObject HeadPayload(long studyId, long sequence, string headHash, string documentHash) => new()
    {
        ["studyId"] = studyId,
        ["sequence"] = sequence,
        ["headHash"] = headHash,
        ["documentHash"] = documentHash,
    };

    /// <summary>The commitment to a signatory's e-mail: SHA-256 over the salt's bytes followed by the trimmed, lowercased address in UTF-8.</summary>
    public static string Commitment(byte[] salt, string email) => SaltedHash(salt, email.Trim().ToLowerInvariant());

    /// <summary>The commitment to a signatory's name: SHA-256 over the name salt's bytes followed by the name in UTF-8.</summary>
    public static string NameCommitment(byte[] salt, string name) => SaltedHash(salt, name);

    private static string SaltedHash(byte[] salt, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var buffer = new byte[salt.Length + bytes.Length];
        salt.CopyTo(buffer, 0);
        bytes.CopyTo(buffer, salt.Length);
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    /// <summary>A new random salt (32 bytes).</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(32);

    /// <summary>The fingerprint of a public key: lowercase hex SHA-256 of its SubjectPublicKeyInfo (DER).</summary>
    public static string Fingerprint(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));

    /// <summary>True for 64 lowercase hex digits.</summary>
    public static bool IsHash(string? s) => s is { Length: 64 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
