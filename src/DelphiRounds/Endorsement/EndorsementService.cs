using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DelphiRounds.Kernel;
using DelphiRounds.Records;
using DelphiRounds.Vision;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Endorsement;

/// <summary>
/// A study's ledger as published, with what it was built from and its verification: the page, the API
/// and the receipt all come from this, and the verification is <see cref="LedgerVerifier"/>'s.
/// </summary>
public sealed record LedgerSnapshot(
    long StudyId, VisionDocument Document, FrozenVision Vision, IReadOnlyList<LedgerEntry> Entries,
    IReadOnlyDictionary<long, Signatory> Signatories, LedgerHead Head, JsonObject Json, LedgerVerification Verification,
    IReadOnlyList<VisionDocument>? AllVersions = null)
{
    /// <summary>Every frozen version of the vision, vision 1 first (issue 21); <see cref="Document"/> is the last, the one in force.</summary>
    public IReadOnlyList<VisionDocument> Versions => AllVersions is { Count: > 0 } all ? all : [Document];

    /// <summary>The revision entry that introduced a later version, by its hash.</summary>
    public LedgerEntry? RevisionOf(VisionDocument version) =>
        Entries.FirstOrDefault(e => e.Kind == LedgerFormat.RevisionKind && e.DocumentHash == version.DocumentHash);

    /// <summary>Per version of the vision, vision 1 first: who signed that text (see <see cref="OrganisationSignatures.TallyPerVersion"/>).</summary>
    public IReadOnlyList<VersionStandings> ByOrganisationPerVersion(IEnumerable<string>? panelOrganisations = null) =>
        OrganisationSignatures.TallyPerVersion(Entries, Versions.Select(v => v.DocumentHash).ToList(), panelOrganisations);

    /// <summary>Confirmations by second persons (four eyes), in ledger order.</summary>
    public IReadOnlyList<LedgerEntry> Confirmations => Entries.Where(e => e.Kind == LedgerFormat.ConfirmationKind).ToList();

    /// <summary>Endorsements still in force (not withdrawn), in ledger order.</summary>
    public IReadOnlyList<LedgerEntry> InForce =>
        Entries.Where(e => e.Kind == LedgerFormat.Endorsement && Entries.All(w => w.Withdraws != e.Sequence)).ToList();

    /// <summary>
    /// Endorsements still in force of the version in force (issue 21: a signature counts for the text it signed); with one
    /// version the same as <see cref="InForce"/>.
    /// </summary>
    public IReadOnlyList<LedgerEntry> InForceOnCurrentVersion =>
        Versions.Count == 1 ? InForce : InForce.Where(e => e.DocumentHash == Versions[^1].DocumentHash).ToList();

    public IReadOnlyList<LedgerEntry> Withdrawals => Entries.Where(e => e.Kind == LedgerFormat.Withdrawal).ToList();

    /// <summary>Commitments by signing organisations (issue 21), in ledger order.</summary>
    public IReadOnlyList<LedgerEntry> Commitments => Entries.Where(e => e.Kind == LedgerFormat.CommitmentKind).ToList();

    /// <summary>Measurements of the agenda's indicators (issue 21), in ledger order.</summary>
    public IReadOnlyList<LedgerEntry> Measurements => Entries.Where(e => e.Kind == LedgerFormat.MeasurementKind).ToList();

    /// <summary>The withdrawal of an endorsement, if any.</summary>
    public LedgerEntry? WithdrawalOf(LedgerEntry endorsement) => Entries.FirstOrDefault(w => w.Withdraws == endorsement.Sequence);
}

/// <summary>
/// Endorsement: signing with a one-time link, withdrawing, the public ledger with the service's signed head,
/// receipts, and erasure that keeps the ledger verifiable.
/// </summary>
public sealed class EndorsementService(EndorsementStore store, VisionStore visions, LedgerSigningKey key, ServiceKeyStore serviceKeys,
    TimeProvider time, IStringLocalizer<Texts> t)
{
    /// <summary>The service's keys, oldest first (the current key is registered as the first when none is).</summary>
    public Task<IReadOnlyList<ServiceKey>> KeysAsync() => serviceKeys.EnsureRootAsync(key.AsRoot(time.GetUtcNow()));

    private SignedHead Sign(long studyId, long sequence, string headHash, string documentHash, DateTimeOffset now) =>
        key.SignHead(studyId, sequence, headHash, documentHash, now);

    /// <summary>The statement of intent a signatory confirms (and that goes into the ledger), in the current language.</summary>
    public string IntentStatement(Signatory s, string visionTitle, string documentHash) =>
        t["endorsement.intent", s.Organisation, s.Role, visionTitle, documentHash];

    /// <summary>The statement that goes into the ledger with a withdrawal.</summary>
    public string WithdrawalStatement(Signatory s, string documentHash) =>
        t["endorsement.withdrawalStatement", s.Organisation, s.Role, documentHash];

    /// <summary>
    /// Signs with the link; with a <paramref name="passkey"/> check (see <see cref="PasskeyService.Check"/>), with the signatory's passkey.
    /// <paramref name="mandate"/> is what the signatory stated on the signing page (required there); null takes the mandate
    /// registered for them, or else "authorised to sign for … as …" (the demo and older callers).
    /// </summary>
    public Task<LedgerAppend> SignAsync(string token, PasskeyCheck? passkey = null, string? mandate = null) =>
        store.SignAsync(token, (s, doc) => IntentStatement(s, TitleOf(doc), doc.DocumentHash), Sign, passkey,
            s => mandate is null ? DefaultMandate(s) : mandate.Trim());

    /// <summary>The mandate pre-filled for a signatory: the registered one, or "authorised to sign for {organisation} as {role}".</summary>
    public string DefaultMandate(Signatory s) =>
        string.IsNullOrWhiteSpace(s.Mandate) ? t["orgsign.mandate.default", s.Organisation, s.Role] : s.Mandate;

    /// <summary>The statement that goes into the ledger when a second person confirms a signature (four eyes).</summary>
    public string ConfirmationStatement(Signatory confirmer, Signatory signatory, string documentHash) =>
        t["orgsign.confirmStatement", confirmer.Organisation, confirmer.Role, signatory.Reference, signatory.Role, documentHash];

    /// <summary>Four eyes: the second person confirms their organisation's signature, stating their own mandate.</summary>
    public Task<LedgerAppend> ConfirmAsync(string token, string mandate) =>
        store.ConfirmAsync(token, (c, s, doc) => ConfirmationStatement(c, s, doc.DocumentHash), mandate, Sign);

    /// <summary>Withdraws; an endorsement signed with a passkey needs a <paramref name="passkey"/> check of that same passkey.</summary>
    public Task<LedgerAppend> WithdrawAsync(string token, string? reason, PasskeyCheck? passkey = null) =>
        store.WithdrawAsync(token, (s, doc) => WithdrawalStatement(s, doc.DocumentHash), string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), Sign, passkey);

    private static string TitleOf(VisionDocument doc) => FrozenVision.Parse(doc.CanonicalJson, doc.DocumentHash).Title;

    /// <summary>The study's ledger (null when its vision is not frozen), verified.</summary>
    public async Task<LedgerSnapshot?> LedgerAsync(long studyId)
    {
        var head = await store.LatestHeadAsync(studyId);
        if (head is null)
        {
            if (await visions.DocumentAsync(studyId) is not { } frozen) return null;
            await store.EnsureGenesisHeadAsync(studyId, frozen.DocumentHash, Sign);
            head = (await store.LatestHeadAsync(studyId))!;
        }
        // Entries up to the head just read: an append commits its entry and its head together, so this is one consistent state.
        var entries = await store.EntriesAsync(studyId, head.Sequence);
        // The versions after the head: a later version is frozen in one transaction with its revision entry, so those read now
        // hold every version the entries revise to; one frozen after the head was read is not part of this state (its
        // revision lies beyond the head), and would make the ledger read as broken.
        var versions = (await visions.DocumentsAsync(studyId)).Take(1 + entries.Count(e => e.Kind == LedgerFormat.RevisionKind)).ToList();
        if (versions.Count == 0) return null;
        var document = versions[^1];
        var signatories = (await store.ListAsync(studyId)).ToDictionary(s => s.Id);
        var json = LedgerJson(studyId, versions[0], entries, signatories, head, await KeysAsync(), versions.Skip(1).ToList());
        var vision = FrozenVision.Parse(document.CanonicalJson, document.DocumentHash);
        json["title"] = vision.Title;
        return new LedgerSnapshot(studyId, document, vision, entries, signatories, head, json, LedgerVerifier.Verify(json), versions);
    }

    /// <summary>
    /// Appends the revision entry of a new version of the vision (issue 21) inside the freeze's transaction: the facilitator's
    /// record of which version follows which. From it on, entries carry the new version's hash.
    /// </summary>
    public async Task AppendRevisionAsync(VisionRevising e, string organiser)
    {
        var d = e.Document;
        var appended = await EndorsementStore.AppendRecordAsync(e.Connection, e.Transaction, e.Provider, d.StudyId, null, organiser,
            LedgerFormat.RevisionKind, $"Vision {d.Number} follows vision {d.Number - 1} after a reflection round.",
            LedgerFormat.RevisionRecord(d.Number, d.PreviousHash!, d.DocumentHash), d.FrozenAt, Sign);
        if (appended.Outcome != LedgerOutcome.Appended) throw new InvalidOperationException($"The revision of study {d.StudyId} was not appended: {appended.Outcome}.");
    }

    /// <summary>The ledger document (the format <see cref="LedgerVerifier"/> and <c>delphi verify</c> read).</summary>
    public static JsonObject LedgerJson(long studyId, VisionDocument document, IReadOnlyList<LedgerEntry> entries,
        IReadOnlyDictionary<long, Signatory> signatories, LedgerHead head, IReadOnlyList<ServiceKey>? keys = null,
        IReadOnlyList<VisionDocument>? revisions = null)
    {
        var json = LedgerBody(studyId, document, entries, signatories, head);
        // The vision's later versions (issue 21), each chained to the one before; a ledger without them has no such field.
        if (revisions is { Count: > 0 })
            json[LedgerFormat.RevisionsField] = new JsonArray(revisions.Select(r => (JsonNode)new JsonObject
            {
                ["number"] = r.Number, ["sha256"] = r.DocumentHash, ["previous"] = r.PreviousHash, ["canonical"] = r.CanonicalJson,
            }).ToArray());
        // The service's keys, oldest first, each after the first signed by the one before (issue 19, key rotation).
        if (keys is not null) json["keys"] = new JsonArray(keys.Select(k => (JsonNode)k.ToJson()).ToArray());
        return json;
    }

    private static JsonObject LedgerBody(long studyId, VisionDocument document, IReadOnlyList<LedgerEntry> entries,
        IReadOnlyDictionary<long, Signatory> signatories, LedgerHead head) => new()
    {
        ["format"] = LedgerFormat.Format,
        ["studyId"] = studyId,
        ["document"] = new JsonObject { ["sha256"] = document.DocumentHash, ["canonical"] = document.CanonicalJson },
        ["entries"] = new JsonArray(entries.Select(e => (JsonNode)EntryJson(e, e.SignatoryId is { } id ? signatories.GetValueOrDefault(id) : null)).ToArray()),
        ["head"] = HeadJson(head),
        ["publicKey"] = KeyJson(head.PublicKey),
    };

    /// <summary>An entry: its hashed fields, its hash, and the disclosed name (not hashed; erasable).</summary>
    public static JsonObject EntryJson(LedgerEntry e, Signatory? s)
    {
        var json = e.Fields.ToJson();
        json["hash"] = e.EntryHash;
        // A measurement has no signatory, so nothing to disclose.
        if (e.SignatoryId is null) return json;
        json["disclosure"] = s is null || s.Erased || s.Name is null
            ? new JsonObject { ["erased"] = true }
            : new JsonObject { ["name"] = s.Name, ["nameSalt"] = s.NameSalt };
        return json;
    }

    public static JsonObject HeadJson(LedgerHead h) => new()
    {
        ["studyId"] = h.StudyId,
        ["sequence"] = h.Sequence,
        ["headHash"] = h.HeadHash,
        ["documentHash"] = h.DocumentHash,
        ["signature"] = h.Signature,
        ["keyFingerprint"] = h.KeyFingerprint,
        ["signedAt"] = RecordTime.Timestamp(h.SignedAt),
    };

    public static JsonObject KeyJson(string spkiBase64)
    {
        var spki = Convert.FromBase64String(spkiBase64);
        return new JsonObject
        {
            ["algorithm"] = LedgerFormat.Algorithm,
            ["spki"] = spkiBase64,
            ["pem"] = new string(PemEncoding.Write("PUBLIC KEY", spki)),
            ["fingerprint"] = LedgerFormat.Fingerprint(spki),
        };
    }

    /// <summary>The service's current public key (what signs new heads).</summary>
    public JsonObject CurrentKey() => KeyJson(Convert.ToBase64String(key.PublicKeySpki));

    /// <summary>
    /// A signatory's receipt: their entry with its hash, the head the service signed right after it (so the entry's
    /// place in the chain can be proven later, whatever happens to the server), and their withdrawal if any.
    /// Holds the e-mail salt, so only the link's holder gets it. Null when the link is unknown or not yet used.
    /// </summary>
    public async Task<(Signatory Signatory, JsonObject Receipt, LedgerEntry Entry, LedgerEntry? Withdrawal, LedgerHead Head)?> ReceiptAsync(string token, string baseUrl)
    {
        var signatory = await store.FindByTokenAsync(token);
        if (signatory is null || !signatory.Signed) return null;
        var entries = (await store.EntriesAsync(signatory.StudyId)).Where(e => e.SignatoryId == signatory.Id).ToList();
        var entry = entries.FirstOrDefault(e => e.Kind == LedgerFormat.Endorsement);
        if (entry is null) return null;
        var head = (await store.HeadAtAsync(signatory.StudyId, entry.Sequence))!;
        var withdrawal = entries.FirstOrDefault(e => e.Kind == LedgerFormat.Withdrawal);
        // The version the signatory signed (vision 1 or a later one, issue 21).
        var document = (await visions.DocumentsAsync(signatory.StudyId)).FirstOrDefault(d => d.DocumentHash == entry.DocumentHash)
            ?? (await visions.DocumentAsync(signatory.StudyId))!;
        JsonObject? withdrawn = null;
        if (withdrawal is not null)
        {
            var withdrawalHead = (await store.HeadAtAsync(signatory.StudyId, withdrawal.Sequence))!;
            withdrawn = new JsonObject
            {
                ["entry"] = EntryJson(withdrawal, signatory),
                ["head"] = HeadJson(withdrawalHead),
                ["publicKey"] = KeyJson(withdrawalHead.PublicKey),
            };
        }
        var receipt = new JsonObject
        {
            ["format"] = LedgerFormat.ReceiptFormat,
            ["studyId"] = signatory.StudyId,
            ["vision"] = TitleOf(document),
            ["documentHash"] = document.DocumentHash,
            ["verifyUrl"] = $"{baseUrl}/verify/{signatory.StudyId}",
            ["ledgerUrl"] = $"{baseUrl}/api/v1/studies/{signatory.StudyId}/ledger",
            ["signatory"] = new JsonObject
            {
                ["reference"] = signatory.Reference,
                ["organisation"] = signatory.Organisation,
                ["role"] = signatory.Role,
                ["name"] = signatory.Name,
                ["nameSalt"] = signatory.NameSalt,
                ["email"] = signatory.Email,
                ["salt"] = signatory.Salt,
                ["erased"] = signatory.Erased,
            },
            ["entry"] = EntryJson(entry, signatory),
            ["head"] = HeadJson(head),
            ["publicKey"] = KeyJson(head.PublicKey),
            ["withdrawal"] = withdrawn,
        };
        return (signatory, receipt, entry, withdrawal, head);
    }
}
