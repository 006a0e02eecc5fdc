using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;
using DelphiRounds.Outbox;
using DelphiRounds.Records;
using DelphiRounds.Vision;

namespace DelphiRounds.Endorsement;

/// <summary>A signatory with their (erasable) identity: what the facilitator, the signing page and the receipt see.</summary>
public sealed record Signatory
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    /// <summary>The public reference in the ledger, e.g. <c>sg-3kq9x2mf</c>.</summary>
    public string Reference { get; init; } = "";
    public string Organisation { get; init; } = "";
    public string Role { get; init; } = "";
    /// <summary>SHA-256(salt || e-mail), lowercase hex.</summary>
    public string Commitment { get; init; } = "";
    /// <summary>SHA-256(name salt || name), lowercase hex.</summary>
    public string NameCommitment { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SpentAt { get; init; }
    public DateTimeOffset? WithdrawnAt { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    /// <summary>Hex salt of the e-mail commitment (never published; in the signatory's own receipt only).</summary>
    public string? Salt { get; init; }
    /// <summary>Hex salt of the name commitment (published with the name, so anyone can check it).</summary>
    public string? NameSalt { get; init; }
    public DateTimeOffset? ErasedAt { get; init; }
    /// <summary>The organisation of the panel they sign for; null for an outside party (not on the panel).</summary>
    public long? OrganisationId { get; init; }
    /// <summary>The mandate as registered (pre-filled on the signing page) or, once signed, as stated when signing.</summary>
    public string? Mandate { get; init; }
    /// <summary>For a second person (four eyes): the signatory whose signature they confirm; null for a signatory.</summary>
    public long? ConfirmsSignatoryId { get; init; }
    /// <summary>How many second persons are registered to confirm this signatory's signature (four eyes when above 0).</summary>
    public long Confirmers { get; init; }

    public bool Signed => SpentAt is not null;
    public bool Erased => ErasedAt is not null;
    public bool OnPanel => OrganisationId is not null;
    /// <summary>True for the second person of four eyes (their link confirms; it does not sign).</summary>
    public bool IsConfirmer => ConfirmsSignatoryId is not null;
    /// <summary>True when this signatory's signature counts only once a second person of the organisation confirms it.</summary>
    public bool FourEyes => Confirmers > 0;
}

/// <summary>One row of a study's ledger.</summary>
public sealed record LedgerEntry
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long Sequence { get; init; }
    public string Kind { get; init; } = "";
    /// <summary>Null for a measurement: the facilitator records it, no signatory.</summary>
    public long? SignatoryId { get; init; }
    public string SignatoryRef { get; init; } = "";
    public string Commitment { get; init; } = "";
    public string NameCommitment { get; init; } = "";
    public string Organisation { get; init; } = "";
    public string Role { get; init; } = "";
    public string Statement { get; init; } = "";
    public long? Withdraws { get; init; }
    public string? Reason { get; init; }
    public string DocumentHash { get; init; } = "";
    public string PreviousHash { get; init; } = "";
    public string EntryHash { get; init; } = "";
    public DateTimeOffset RecordedAt { get; init; }
    /// <summary>How it was signed: <see cref="LedgerFormat.Link"/> or <see cref="LedgerFormat.Passkey"/>; null for entries from before passkeys (by link).</summary>
    public string? Method { get; init; }
    /// <summary>For a passkey: the proof (credential, public key, authenticator data, client data, signature) as JSON.</summary>
    public string? Passkey { get; init; }

    public bool ByPasskey => Method == LedgerFormat.Passkey;

    /// <summary>The passkey proof as JSON, or null.</summary>
    public JsonObject? Proof => Passkey is null ? null : JsonNode.Parse(Passkey) as JsonObject;

    /// <summary>A commitment's or measurement's canonical JSON (hashed); null for endorsements and withdrawals.</summary>
    public string? Record { get; init; }

    /// <summary>The mandate the signatory stated (hashed; null on entries from before signing per organisation).</summary>
    public string? Mandate { get; init; }
    /// <summary>1 for an organisation of the panel, 0 for an outside party; null on older entries.</summary>
    public long? OnPanel { get; init; }
    /// <summary>1 when the endorsement counts only once a second person of the organisation confirms it.</summary>
    public long? FourEyes { get; init; }
    /// <summary>For a confirmation: the sequence of the endorsement it confirms.</summary>
    public long? Confirms { get; init; }

    public bool NeedsConfirmation => FourEyes == 1;

    /// <summary>The fields as hashed.</summary>
    public LedgerFormat.EntryFields Fields => new(Sequence, Kind, StudyId, DocumentHash, PreviousHash, SignatoryRef, Commitment, NameCommitment,
        Organisation, Role, Statement, Withdraws, Reason, RecordTime.Timestamp(RecordedAt), Method, Proof, Record,
        Mandate, OnPanel is null ? null : OnPanel != 0, FourEyes is null ? null : FourEyes != 0, Confirms);
}

/// <summary>A passkey a signatory registered (it signs only for them).</summary>
public sealed record StoredPasskey
{
    /// <summary>Base64url, as WebAuthn names it.</summary>
    public string CredentialId { get; init; } = "";
    public long SignatoryId { get; init; }
    /// <summary>The COSE key (base64), as the authenticator sent it.</summary>
    public string PublicKeyCose { get; init; } = "";
    /// <summary>The same key as SubjectPublicKeyInfo (base64), the form WebCrypto and .NET import.</summary>
    public string PublicKeySpki { get; init; } = "";
    /// <summary>COSE algorithm: -7 (ES256) or -257 (RS256).</summary>
    public int Algorithm { get; init; }
    public long SignCount { get; init; }
}

/// <summary>What a passkey check found: a problem for the signatory (nothing is appended), or the proof for the ledger.</summary>
public sealed record PasskeyVerdict(string? Problem, JsonObject? Proof = null, string? CredentialId = null, long SignCount = 0)
{
    public static PasskeyVerdict Refused(string problem) => new(problem);
}

/// <summary>
/// Checks a passkey assertion for the entry about to be appended (inside the append's transaction, so the
/// ledger position is the one the entry gets): the signatory, the frozen document, the entry's kind and
/// sequence, the passkeys the signatory registered, and (for a withdrawal) the endorsement it withdraws.
/// </summary>
public delegate Task<PasskeyVerdict> PasskeyCheck(Signatory signatory, VisionDocument document, string kind, long sequence,
    IReadOnlyList<StoredPasskey> registered, LedgerEntry? endorsement);

/// <summary>A head as stored.</summary>
public sealed record LedgerHead
{
    public long StudyId { get; init; }
    public long Sequence { get; init; }
    public string HeadHash { get; init; } = "";
    public string DocumentHash { get; init; } = "";
    public string Signature { get; init; } = "";
    public string PublicKey { get; init; } = "";
    public string KeyFingerprint { get; init; } = "";
    public DateTimeOffset SignedAt { get; init; }
}

/// <summary>What happened to a signature or withdrawal.</summary>
public enum LedgerOutcome { Appended, UnknownLink, NotFrozen, AlreadySpent, NotSigned, AlreadyWithdrawn, Erased, PasskeyRefused, PasskeyRequired, TooEarly,
    /// <summary>The link is a second person's (four eyes): it confirms, it does not sign or withdraw.</summary>
    ConfirmerLink,
    /// <summary>The link is a signatory's: it signs, it does not confirm.</summary>
    NotAConfirmer,
    /// <summary>No mandate was stated.</summary>
    MandateMissing }

/// <summary>Why a signatory was not registered (nothing stored): the field at fault.</summary>
public enum SignatoryRefusal
{
    None,
    /// <summary>organisationId: not an organisation of this study.</summary>
    NoSuchOrganisation,
    /// <summary>email: this person is registered for the study already (one signature per person).</summary>
    SamePerson,
    /// <summary>email / organisationId: this person is on the panel for another organisation (one organisation per person).</summary>
    InAnotherOrganisation,
    /// <summary>confirmer.email: the second person must be someone else than the signatory.</summary>
    ConfirmerSamePerson,
    /// <summary>confirmer.email: the second person is registered for the study already.</summary>
    ConfirmerRegistered,
    /// <summary>confirmer.email: the second person is on the panel for another organisation.</summary>
    ConfirmerInAnotherOrganisation,
}

/// <summary>A second person of the organisation who confirms a signature (four eyes).</summary>
public sealed record ConfirmerDetails(string Name, string Email, string Role);

/// <summary>The outcome of a registration: the signatory and their link token, the second person and theirs (four eyes), or a refusal.</summary>
public sealed record SignatoryRegistration(SignatoryRefusal Refusal, Signatory? Signatory = null, string? Token = null,
    Signatory? Confirmer = null, string? ConfirmerToken = null, string? InOrganisation = null);

/// <summary>The outcome of an append: the new entry and the head signed with it; for a refused passkey, why.</summary>
public sealed record LedgerAppend(LedgerOutcome Outcome, LedgerEntry? Entry, LedgerHead? Head, string? Problem = null);

/// <summary>
/// Signatories, their one-time links (stored only as SHA-256) and identities, and the append-only ledger with its
/// signed heads. An append and the spending of the link happen in one transaction.
/// </summary>
public sealed class EndorsementStore(Database db, TimeProvider time)
{
    public const string TokenPrefix = "dls_";

    private const string SignatoryColumns =
        """
        s.id, s.study_id, s.reference, s.organisation, s.role, s.commitment, s.name_commitment, s.created_at, s.spent_at, s.withdrawn_at,
        i.name, i.email, i.salt, i.name_salt, i.erased_at, s.organisation_id, s.mandate, s.confirms_signatory_id,
        (SELECT COUNT(*) FROM signatories c WHERE c.confirms_signatory_id = s.id) AS confirmers
        """;
    private const string SignatoryFrom = "signatories s LEFT JOIN signatory_identities i ON i.signatory_id = s.id";
    private const string EntryColumns =
        """
        e.id, e.study_id, e.sequence, e.kind, e.signatory_id, e.signatory_ref, e.commitment, e.name_commitment, e.organisation, e.role, e.statement,
        e.withdraws, e.reason, e.document_hash, e.previous_hash, e.entry_hash, e.recorded_at, e.method, e.passkey, e.record,
        x.mandate, x.on_panel, x.four_eyes, x.confirms
        """;
    /// <summary>An entry with its signing-per-organisation fields (kept beside it, in <c>ledger_entry_signing</c>).</summary>
    private const string EntryFrom = "ledger_entries e LEFT JOIN ledger_entry_signing x ON x.study_id = e.study_id AND x.sequence = e.sequence";
    private const string PasskeyColumns = "credential_id, signatory_id, public_key_cose, public_key_spki, algorithm, sign_count";
    private const string HeadColumns = "study_id, sequence, head_hash, document_hash, signature, public_key, key_fingerprint, signed_at";

    /// <summary>Registers a signatory; returns them with their signing token, which exists only in this result and the link sent.</summary>
    public async Task<(Signatory Signatory, string Token)> RegisterAsync(long studyId, string name, string organisation, string role, string email)
    {
        var result = await RegisterAsync(studyId, name, organisation, null, role, email, null, null, checkPerson: false);
        return (result.Signatory!, result.Token!);
    }

    /// <summary>
    /// Registers a signatory for an organisation of the panel (<paramref name="organisationId"/>) or, without it, for
    /// <paramref name="organisation"/> — linked to the panel's organisation of that name if there is one, else an outside
    /// party not on the panel — with the mandate to pre-fill and optionally a second person who confirms (four eyes).
    /// Refused, with nothing stored, for an organisation of another study, a person registered for the study already,
    /// or a panel member of another organisation. The tokens exist only in this result and the links sent.
    /// </summary>
    public Task<SignatoryRegistration> RegisterAsync(long studyId, string name, string? organisation, long? organisationId, string role, string email,
        string? mandate, ConfirmerDetails? confirmer, bool checkPerson = true)
    {
        var now = time.Now();
        return db.WriteAsync(async (c, tx) =>
        {
            string organisationName;
            if (organisationId is { } oid)
            {
                var found = await c.QuerySingleOrDefaultAsync<string?>(
                    "SELECT name FROM organisations WHERE id = @oid AND study_id = @studyId", new { oid, studyId }, tx);
                if (found is null) return new SignatoryRegistration(SignatoryRefusal.NoSuchOrganisation);
                organisationName = found;
            }
            else
            {
                organisationName = organisation!;
                var match = await c.QueryFirstOrDefaultAsync<OrganisationRow>(
                    "SELECT id, name FROM organisations WHERE study_id = @studyId AND name_key = @key",
                    new { studyId, key = Organisations.OrganisationStore.NameKey(organisation!) }, tx);
                if (match is not null) (organisationId, organisationName) = (match.Id, match.Name);
            }
            if (checkPerson)
            {
                if (await RegisteredAsync(c, tx, studyId, email)) return new SignatoryRegistration(SignatoryRefusal.SamePerson);
                if (await PanelOrganisationOfAsync(c, tx, studyId, email) is { } other && other.Id != organisationId)
                    return new SignatoryRegistration(SignatoryRefusal.InAnotherOrganisation, InOrganisation: other.Name);
                if (confirmer is not null)
                {
                    if (string.Equals(confirmer.Email.Trim(), email.Trim(), StringComparison.OrdinalIgnoreCase))
                        return new SignatoryRegistration(SignatoryRefusal.ConfirmerSamePerson);
                    if (await RegisteredAsync(c, tx, studyId, confirmer.Email)) return new SignatoryRegistration(SignatoryRefusal.ConfirmerRegistered);
                    if (await PanelOrganisationOfAsync(c, tx, studyId, confirmer.Email) is { } otherOfConfirmer && otherOfConfirmer.Id != organisationId)
                        return new SignatoryRegistration(SignatoryRefusal.ConfirmerInAnotherOrganisation, InOrganisation: otherOfConfirmer.Name);
                }
            }
            var (id, token) = await InsertSignatoryAsync(c, tx, studyId, name, organisationName, organisationId, role, email, mandate, null, now);
            long? confirmerId = null;
            string? confirmerToken = null;
            if (confirmer is not null)
                (confirmerId, confirmerToken) = await InsertSignatoryAsync(c, tx, studyId, confirmer.Name, organisationName, organisationId, confirmer.Role,
                    confirmer.Email, null, id, now);
            var signatory = await c.QuerySingleAsync<Signatory>($"SELECT {SignatoryColumns} FROM {SignatoryFrom} WHERE s.id = @id", new { id }, tx);
            var second = confirmerId is null ? null
                : await c.QuerySingleAsync<Signatory>($"SELECT {SignatoryColumns} FROM {SignatoryFrom} WHERE s.id = @id", new { id = confirmerId }, tx);
            return new SignatoryRegistration(SignatoryRefusal.None, signatory, token, second, confirmerToken);
        });
    }

    /// <summary>True when someone with this e-mail address is registered (and not erased) as a signatory or second person of the study.</summary>
    private static async Task<bool> RegisteredAsync(DbConnection c, DbTransaction tx, long studyId, string email) =>
        await c.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(*) FROM signatories s JOIN signatory_identities i ON i.signatory_id = s.id
            WHERE s.study_id = @studyId AND i.erased_at IS NULL AND LOWER(i.email) = @email
            """, new { studyId, email = email.Trim().ToLowerInvariant() }, tx) > 0;

    /// <summary>The organisation of the panel that a panel member with this e-mail address belongs to, if any.</summary>
    private static Task<OrganisationRow?> PanelOrganisationOfAsync(DbConnection c, DbTransaction tx, long studyId, string email) =>
        c.QueryFirstOrDefaultAsync<OrganisationRow?>(
            """
            SELECT o.id, o.name FROM participant_identities pi
            JOIN participants p ON p.id = pi.participant_id
            JOIN organisation_members m ON m.participant_id = p.id
            JOIN organisations o ON o.id = m.organisation_id
            WHERE p.study_id = @studyId AND pi.erased_at IS NULL AND LOWER(pi.email) = @email
            ORDER BY o.id
            """, new { studyId, email = email.Trim().ToLowerInvariant() }, tx);

    private static async Task<(long Id, string Token)> InsertSignatoryAsync(DbConnection c, DbTransaction tx, long studyId, string name, string organisation,
        long? organisationId, string role, string email, string? mandate, long? confirms, DateTimeOffset now)
    {
        var token = Secrets.NewToken(TokenPrefix);
        var salt = LedgerFormat.NewSalt();
        var nameSalt = LedgerFormat.NewSalt();
        var reference = "sg-" + Secrets.NewPseudonym()[2..];
        var id = await c.ExecuteScalarAsync<long>(
            """
            INSERT INTO signatories (study_id, reference, organisation, role, commitment, name_commitment, token_hash, created_at,
                                     organisation_id, mandate, confirms_signatory_id)
            VALUES (@studyId, @reference, @organisation, @role, @commitment, @nameCommitment, @tokenHash, @now,
                    @organisationId, @mandate, @confirms) RETURNING id
            """, new
            {
                studyId, reference, organisation, role, now, tokenHash = Secrets.Hash(token),
                commitment = LedgerFormat.Commitment(salt, email), nameCommitment = LedgerFormat.NameCommitment(nameSalt, name),
                organisationId, mandate, confirms,
            }, tx);
        await c.ExecuteAsync(
            "INSERT INTO signatory_identities (signatory_id, name, email, salt, name_salt) VALUES (@id, @name, @email, @salt, @nameSalt)",
            new { id, name, email, salt = Convert.ToHexStringLower(salt), nameSalt = Convert.ToHexStringLower(nameSalt) }, tx);
        return (id, token);
    }

    /// <summary>A new link for a signatory who has not signed (the old one stops working); null when signed, erased or unknown.</summary>
    public async Task<string?> ReissueAsync(long studyId, long signatoryId)
    {
        var token = Secrets.NewToken(TokenPrefix);
        var changed = await db.WriteAsync((c, tx) => c.ExecuteAsync(
            """
            UPDATE signatories SET token_hash = @hash
            WHERE id = @signatoryId AND study_id = @studyId AND spent_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM signatory_identities i WHERE i.signatory_id = signatories.id AND i.erased_at IS NOT NULL)
            """, new { hash = Secrets.Hash(token), signatoryId, studyId }, tx));
        return changed == 1 ? token : null;
    }

    public Task<Signatory?> FindAsync(long id) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Signatory>($"SELECT {SignatoryColumns} FROM {SignatoryFrom} WHERE s.id = @id", new { id }));

    public Task<Signatory?> FindByTokenAsync(string token) =>
        Secrets.LooksLike(token, TokenPrefix)
            ? db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Signatory>(
                $"SELECT {SignatoryColumns} FROM {SignatoryFrom} WHERE s.token_hash = @hash", new { hash = Secrets.Hash(token) }))
            : Task.FromResult<Signatory?>(null);

    public async Task<IReadOnlyList<Signatory>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Signatory>(
            $"SELECT {SignatoryColumns} FROM {SignatoryFrom} WHERE s.study_id = @studyId ORDER BY s.organisation, s.id", new { studyId }))).AsList();

    public async Task<IReadOnlyList<LedgerEntry>> EntriesAsync(long studyId, long? upTo = null) =>
        (await db.ReadAsync(c => c.QueryAsync<LedgerEntry>(
            $"SELECT {EntryColumns} FROM {EntryFrom} WHERE e.study_id = @studyId AND e.sequence <= @upTo ORDER BY e.sequence",
            new { studyId, upTo = upTo ?? long.MaxValue }))).AsList();

    public Task<LedgerHead?> LatestHeadAsync(long studyId) =>
        db.ReadAsync(c => c.QueryFirstOrDefaultAsync<LedgerHead>(
            $"SELECT {HeadColumns} FROM ledger_heads WHERE study_id = @studyId ORDER BY sequence DESC", new { studyId }));

    public Task<LedgerHead?> HeadAtAsync(long studyId, long sequence) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<LedgerHead>(
            $"SELECT {HeadColumns} FROM ledger_heads WHERE study_id = @studyId AND sequence = @sequence", new { studyId, sequence }));

    /// <summary>Signs the head of an empty ledger once (the first time anyone asks for the ledger).</summary>
    public Task EnsureGenesisHeadAsync(long studyId, string documentHash, Func<long, long, string, string, DateTimeOffset, SignedHead> sign) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ledger_heads WHERE study_id = @studyId", new { studyId }, tx) > 0) return;
            await InsertHeadAsync(c, tx, sign(studyId, 0, LedgerFormat.Genesis, documentHash, RecordTime.ToMilliseconds(time.GetUtcNow())));
        });

    /// <summary>
    /// Signs with a one-time link: spends the link (only if unspent: <c>UPDATE … WHERE spent_at IS NULL</c>,
    /// exactly one row) and appends the endorsement and its signed head, all in one transaction. With a
    /// <paramref name="passkey"/> check, the entry is signed by the signatory's passkey: the check runs for the
    /// sequence the entry gets, and when it refuses nothing is appended and the link stays unspent.
    /// </summary>
    public Task<LedgerAppend> SignAsync(string token, Func<Signatory, VisionDocument, string> statement,
        Func<long, long, string, string, DateTimeOffset, SignedHead> sign, PasskeyCheck? passkey = null, Func<Signatory, string>? mandate = null) =>
        db.WriteAsync(async (c, tx) =>
        {
            var signatory = await SignatoryByTokenAsync(c, tx, token);
            if (signatory is null) return new LedgerAppend(LedgerOutcome.UnknownLink, null, null);
            if (signatory.IsConfirmer) return new LedgerAppend(LedgerOutcome.ConfirmerLink, null, null);
            var stated = mandate?.Invoke(signatory);
            if (mandate is not null && string.IsNullOrWhiteSpace(stated)) return new LedgerAppend(LedgerOutcome.MandateMissing, null, null);
            var document = await VisionStore.DocumentForUpdateAsync(c, tx, db.Provider, signatory.StudyId);
            if (document is null) return new LedgerAppend(LedgerOutcome.NotFrozen, null, null);
            if (signatory.Erased) return new LedgerAppend(LedgerOutcome.Erased, null, null);
            if (signatory.Signed) return new LedgerAppend(LedgerOutcome.AlreadySpent, null, null);
            PasskeyVerdict? verdict = null;
            if (passkey is not null)
            {
                verdict = await CheckPasskeyAsync(c, tx, passkey, signatory, document, LedgerFormat.Endorsement, null);
                if (verdict.Problem is not null) return new LedgerAppend(LedgerOutcome.PasskeyRefused, null, null, verdict.Problem);
            }
            var now = RecordTime.ToMilliseconds(time.GetUtcNow());
            var spent = await c.ExecuteAsync(
                "UPDATE signatories SET spent_at = @now, mandate = COALESCE(@stated, mandate) WHERE id = @id AND spent_at IS NULL",
                new { now, id = signatory.Id, stated }, tx);
            if (spent != 1) return new LedgerAppend(LedgerOutcome.AlreadySpent, null, null);
            return await WithReceiptAsync(c, tx, signatory, await AppendAsync(c, tx, signatory, document, LedgerFormat.Endorsement, statement(signatory, document), null, null, now, sign, verdict,
                stated, signatory.FourEyes), now);
        });

    /// <summary>
    /// Four eyes: the second person confirms the signature of the signatory they were registered for, with their own
    /// one-time link (spent in the same transaction as the append). Only an endorsement in force that waits for it;
    /// before the signatory signed, or after they withdrew, nothing is appended.
    /// </summary>
    public Task<LedgerAppend> ConfirmAsync(string token, Func<Signatory, Signatory, VisionDocument, string> statement, string mandate,
        Func<long, long, string, string, DateTimeOffset, SignedHead> sign) =>
        db.WriteAsync(async (c, tx) =>
        {
            var confirmer = await SignatoryByTokenAsync(c, tx, token);
            if (confirmer is null) return new LedgerAppend(LedgerOutcome.UnknownLink, null, null);
            if (!confirmer.IsConfirmer) return new LedgerAppend(LedgerOutcome.NotAConfirmer, null, null);
            if (string.IsNullOrWhiteSpace(mandate)) return new LedgerAppend(LedgerOutcome.MandateMissing, null, null);
            var document = await VisionStore.DocumentForUpdateAsync(c, tx, db.Provider, confirmer.StudyId);
            if (document is null) return new LedgerAppend(LedgerOutcome.NotFrozen, null, null);
            if (confirmer.Erased) return new LedgerAppend(LedgerOutcome.Erased, null, null);
            if (confirmer.Signed) return new LedgerAppend(LedgerOutcome.AlreadySpent, null, null);
            var signatory = await c.QuerySingleAsync<Signatory>($"SELECT {SignatoryColumns} FROM {SignatoryFrom} WHERE s.id = @id",
                new { id = confirmer.ConfirmsSignatoryId }, tx);
            if (!signatory.Signed) return new LedgerAppend(LedgerOutcome.NotSigned, null, null);
            if (signatory.WithdrawnAt is not null) return new LedgerAppend(LedgerOutcome.AlreadyWithdrawn, null, null);
            var endorsement = await c.QuerySingleAsync<LedgerEntry>(
                $"SELECT {EntryColumns} FROM {EntryFrom} WHERE e.signatory_id = @id AND e.kind = @kind",
                new { id = signatory.Id, kind = LedgerFormat.Endorsement }, tx);
            var now = RecordTime.ToMilliseconds(time.GetUtcNow());
            var spent = await c.ExecuteAsync(
                "UPDATE signatories SET spent_at = @now, mandate = @mandate WHERE id = @id AND spent_at IS NULL",
                new { now, id = confirmer.Id, mandate = mandate.Trim() }, tx);
            if (spent != 1) return new LedgerAppend(LedgerOutcome.AlreadySpent, null, null);
            return await WithReceiptAsync(c, tx, confirmer, await AppendAsync(c, tx, confirmer, document, LedgerFormat.ConfirmationKind, statement(confirmer, signatory, document), null, null, now, sign,
                null, mandate.Trim(), false, endorsement.Sequence), now);
        });

    /// <summary>The endorsement a second person is to confirm (null before the signatory signed).</summary>
    public async Task<LedgerEntry?> EndorsementOfAsync(long signatoryId) =>
        await db.ReadAsync(c => c.QueryFirstOrDefaultAsync<LedgerEntry>(
            $"SELECT {EntryColumns} FROM {EntryFrom} WHERE e.signatory_id = @signatoryId AND e.kind = @kind",
            new { signatoryId, kind = LedgerFormat.Endorsement }));

    /// <summary>
    /// Withdraws a signatory's endorsement: appends a withdrawal entry pointing at it, once. It is signed the way the
    /// endorsement was: an endorsement made with a passkey is withdrawn only with an assertion of that same passkey
    /// (<paramref name="passkey"/>), one made by link only by link.
    /// </summary>
    public Task<LedgerAppend> WithdrawAsync(string token, Func<Signatory, VisionDocument, string> statement, string? reason,
        Func<long, long, string, string, DateTimeOffset, SignedHead> sign, PasskeyCheck? passkey = null) =>
        db.WriteAsync(async (c, tx) =>
        {
            var signatory = await SignatoryByTokenAsync(c, tx, token);
            if (signatory is null) return new LedgerAppend(LedgerOutcome.UnknownLink, null, null);
            if (signatory.IsConfirmer) return new LedgerAppend(LedgerOutcome.ConfirmerLink, null, null);
            var document = await VisionStore.DocumentForUpdateAsync(c, tx, db.Provider, signatory.StudyId);
            if (document is null) return new LedgerAppend(LedgerOutcome.NotFrozen, null, null);
            if (!signatory.Signed) return new LedgerAppend(LedgerOutcome.NotSigned, null, null);
            if (signatory.WithdrawnAt is not null) return new LedgerAppend(LedgerOutcome.AlreadyWithdrawn, null, null);
            var endorsement = await c.QuerySingleAsync<LedgerEntry>(
                $"SELECT {EntryColumns} FROM {EntryFrom} WHERE e.signatory_id = @id AND e.kind = @kind",
                new { id = signatory.Id, kind = LedgerFormat.Endorsement }, tx);
            PasskeyVerdict? verdict = null;
            if (endorsement.ByPasskey)
            {
                if (passkey is null) return new LedgerAppend(LedgerOutcome.PasskeyRequired, null, null);
                verdict = await CheckPasskeyAsync(c, tx, passkey, signatory, document, LedgerFormat.Withdrawal, endorsement);
                if (verdict.Problem is not null) return new LedgerAppend(LedgerOutcome.PasskeyRefused, null, null, verdict.Problem);
            }
            else if (passkey is not null)
            {
                return new LedgerAppend(LedgerOutcome.PasskeyRefused, null, null, "endorsement.passkey.error.byLink");
            }
            var now = RecordTime.ToMilliseconds(time.GetUtcNow());
            var changed = await c.ExecuteAsync(
                "UPDATE signatories SET withdrawn_at = @now WHERE id = @id AND spent_at IS NOT NULL AND withdrawn_at IS NULL",
                new { now, id = signatory.Id }, tx);
            if (changed != 1) return new LedgerAppend(LedgerOutcome.AlreadyWithdrawn, null, null);
            return await WithReceiptAsync(c, tx, signatory, await AppendAsync(c, tx, signatory, document, LedgerFormat.Withdrawal, statement(signatory, document), endorsement.Sequence, reason, now, sign, verdict), now);
        });

    private async Task<PasskeyVerdict> CheckPasskeyAsync(DbConnection c, DbTransaction tx, PasskeyCheck check, Signatory signatory,
        VisionDocument document, string kind, LedgerEntry? endorsement)
    {
        var next = await NextSequenceAsync(c, tx, signatory.StudyId);
        var registered = (await c.QueryAsync<StoredPasskey>(
            $"SELECT {PasskeyColumns} FROM signatory_passkeys WHERE signatory_id = @id", new { id = signatory.Id }, tx)).AsList();
        var verdict = await check(signatory, document, kind, next, registered, endorsement);
        if (verdict.Problem is null)
        {
            // The authenticator's counter moves on with every signature; a replayed assertion cannot go back.
            await c.ExecuteAsync("UPDATE signatory_passkeys SET sign_count = @count WHERE credential_id = @id AND signatory_id = @signatory",
                new { count = verdict.SignCount, id = verdict.CredentialId, signatory = signatory.Id }, tx);
        }
        return verdict;
    }

    private static async Task<long> NextSequenceAsync(DbConnection c, DbTransaction tx, long studyId) =>
        (await c.ExecuteScalarAsync<long?>("SELECT MAX(sequence) FROM ledger_entries WHERE study_id = @studyId", new { studyId }, tx) ?? 0) + 1;

    /// <summary>The sequence the next entry of a study's ledger gets (what a passkey signs for).</summary>
    public Task<long> NextSequenceAsync(long studyId) =>
        db.ReadAsync(async c => (await c.ExecuteScalarAsync<long?>("SELECT MAX(sequence) FROM ledger_entries WHERE study_id = @studyId", new { studyId }) ?? 0) + 1);

    /// <summary>The passkeys a signatory registered.</summary>
    public async Task<IReadOnlyList<StoredPasskey>> PasskeysAsync(long signatoryId) =>
        (await db.ReadAsync(c => c.QueryAsync<StoredPasskey>(
            $"SELECT {PasskeyColumns} FROM signatory_passkeys WHERE signatory_id = @signatoryId", new { signatoryId }))).AsList();

    /// <summary>True when any signatory registered this credential.</summary>
    public Task<bool> PasskeyExistsAsync(string credentialId) =>
        db.ReadAsync(async c => await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM signatory_passkeys WHERE credential_id = @credentialId", new { credentialId }) > 0);

    /// <summary>Keeps the registration options handed to the signatory's browser (until the new passkey comes back).</summary>
    public Task SavePasskeyOptionsAsync(long signatoryId, string? optionsJson) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE signatories SET passkey_options = @optionsJson WHERE id = @signatoryId",
            new { signatoryId, optionsJson }, tx));

    public Task<string?> PasskeyOptionsAsync(long signatoryId) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<string?>("SELECT passkey_options FROM signatories WHERE id = @signatoryId", new { signatoryId }));

    /// <summary>Registers a passkey for a signatory who has not signed, and forgets the options; false when the credential is taken or they signed.</summary>
    public Task<bool> AddPasskeyAsync(StoredPasskey passkey) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM signatory_passkeys WHERE credential_id = @CredentialId", passkey, tx) > 0) return false;
            var cleared = await c.ExecuteAsync("UPDATE signatories SET passkey_options = NULL WHERE id = @SignatoryId AND spent_at IS NULL", passkey, tx);
            if (cleared != 1) return false;
            await c.ExecuteAsync(
                """
                INSERT INTO signatory_passkeys (credential_id, signatory_id, public_key_cose, public_key_spki, algorithm, sign_count, registered_at)
                VALUES (@CredentialId, @SignatoryId, @PublicKeyCose, @PublicKeySpki, @Algorithm, @SignCount, @now)
                """, new { passkey.CredentialId, passkey.SignatoryId, passkey.PublicKeyCose, passkey.PublicKeySpki, passkey.Algorithm, passkey.SignCount, now = time.Now() }, tx);
            return true;
        });

    /// <summary>
    /// Anchoring outside the service (issue 19): queues the signatory's receipt e-mail in the append's own transaction, with the
    /// frozen document's hash, the entry and the head signed right after it; in the language of the request (Dutch otherwise).
    /// </summary>
    private static async Task<LedgerAppend> WithReceiptAsync(DbConnection c, DbTransaction tx, Signatory signatory, LedgerAppend appended, DateTimeOffset now)
    {
        if (appended.Outcome != LedgerOutcome.Appended || appended.Entry is not { } entry || appended.Head is not { } head) return appended;
        var language = System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en" ? "en" : "nl";
        await ReceiptMailStore.QueueAsync(c, tx, signatory.StudyId, signatory.Id, entry.Kind, language, entry.DocumentHash,
            entry.Sequence, entry.EntryHash, head.Sequence, head.HeadHash, head.KeyFingerprint, now);
        return appended;
    }

    private static Task<Signatory?> SignatoryByTokenAsync(DbConnection c, DbTransaction tx, string token) =>
        Secrets.LooksLike(token, TokenPrefix)
            ? c.QuerySingleOrDefaultAsync<Signatory>($"SELECT {SignatoryColumns} FROM {SignatoryFrom} WHERE s.token_hash = @hash",
                new { hash = Secrets.Hash(token) }, tx)
            : Task.FromResult<Signatory?>(null);

    private static Task<LedgerAppend> AppendAsync(DbConnection c, DbTransaction tx, Signatory signatory, VisionDocument document,
        string kind, string statement, long? withdraws, string? reason, DateTimeOffset now, Func<long, long, string, string, DateTimeOffset, SignedHead> sign,
        PasskeyVerdict? passkey = null, string? mandate = null, bool fourEyes = false, long? confirms = null) =>
        AppendEntryAsync(c, tx, new LedgerEntry
        {
            StudyId = signatory.StudyId, Kind = kind, SignatoryId = signatory.Id,
            SignatoryRef = signatory.Reference, Commitment = signatory.Commitment, NameCommitment = signatory.NameCommitment,
            Organisation = signatory.Organisation, Role = signatory.Role, Statement = statement, Withdraws = withdraws, Reason = reason,
            DocumentHash = document.DocumentHash,
            Method = passkey is null ? LedgerFormat.Link : LedgerFormat.Passkey, Passkey = passkey?.Proof?.ToJsonString(),
            // Signing per organisation: endorsements and confirmations say what mandate was stated and whether the organisation is on the panel.
            Mandate = mandate,
            OnPanel = kind is LedgerFormat.Endorsement or LedgerFormat.ConfirmationKind ? (signatory.OnPanel ? 1 : 0) : null,
            FourEyes = kind == LedgerFormat.Endorsement && fourEyes ? 1 : null,
            Confirms = confirms,
        }, now, sign);

    /// <summary>
    /// Appends a record that follows the signatures (issue 21) inside the caller's transaction, so that what the record is about
    /// and its ledger entry commit together or not at all: a commitment by <paramref name="by"/>, whose endorsement must be in
    /// force, or a measurement (<paramref name="by"/> null) in the name of <paramref name="organisation"/>'s facilitator.
    /// </summary>
    public static async Task<LedgerAppend> AppendRecordAsync(DbConnection c, DbTransaction tx, DatabaseProvider provider, long studyId,
        Signatory? by, string organisation, string kind, string statement, string record, DateTimeOffset now,
        Func<long, long, string, string, DateTimeOffset, SignedHead> sign)
    {
        var document = await VisionStore.DocumentForUpdateAsync(c, tx, provider, studyId);
        if (document is null) return new LedgerAppend(LedgerOutcome.NotFrozen, null, null);
        if (by is not null)
        {
            var state = await c.QuerySingleOrDefaultAsync<(DateTimeOffset? SpentAt, DateTimeOffset? WithdrawnAt)>(
                "SELECT spent_at, withdrawn_at FROM signatories WHERE id = @id AND study_id = @studyId", new { id = by.Id, studyId }, tx);
            if (state.SpentAt is null) return new LedgerAppend(LedgerOutcome.NotSigned, null, null);
            if (state.WithdrawnAt is not null) return new LedgerAppend(LedgerOutcome.AlreadyWithdrawn, null, null);
        }
        return await AppendEntryAsync(c, tx, new LedgerEntry
        {
            StudyId = studyId, Kind = kind, SignatoryId = by?.Id, SignatoryRef = by?.Reference ?? "", Commitment = by?.Commitment ?? "",
            NameCommitment = by?.NameCommitment ?? "", Organisation = by?.Organisation ?? organisation, Role = by?.Role ?? "facilitator",
            Statement = statement, DocumentHash = document.DocumentHash, Record = record,
        }, RecordTime.ToMilliseconds(now), sign);
    }

    private static async Task<LedgerAppend> AppendEntryAsync(DbConnection c, DbTransaction tx, LedgerEntry entry, DateTimeOffset now,
        Func<long, long, string, string, DateTimeOffset, SignedHead> sign)
    {
        var last = await c.QueryFirstOrDefaultAsync<LastEntry>(
            "SELECT sequence, entry_hash, recorded_at FROM ledger_entries WHERE study_id = @studyId ORDER BY sequence DESC LIMIT 1",
            new { studyId = entry.StudyId }, tx);
        // Times in the chain never go backwards, even if the clock does.
        if (last is not null && last.RecordedAt > now) now = last.RecordedAt;
        entry = entry with { Sequence = (last?.Sequence ?? 0) + 1, PreviousHash = last?.EntryHash ?? LedgerFormat.Genesis, RecordedAt = now };
        entry = entry with { EntryHash = entry.Fields.Hash() };
        var id = await c.ExecuteScalarAsync<long>(
            """
            INSERT INTO ledger_entries (study_id, sequence, kind, signatory_id, signatory_ref, commitment, name_commitment, organisation, role,
                                        statement, withdraws, reason, document_hash, previous_hash, entry_hash, recorded_at, method, passkey, record)
            VALUES (@StudyId, @Sequence, @Kind, @SignatoryId, @SignatoryRef, @Commitment, @NameCommitment, @Organisation, @Role,
                    @Statement, @Withdraws, @Reason, @DocumentHash, @PreviousHash, @EntryHash, @RecordedAt, @Method, @Passkey, @Record)
            RETURNING id
            """, entry, tx);
        if (entry.Mandate is not null || entry.OnPanel is not null || entry.FourEyes is not null || entry.Confirms is not null)
            await c.ExecuteAsync(
                """
                INSERT INTO ledger_entry_signing (study_id, sequence, mandate, on_panel, four_eyes, confirms)
                VALUES (@StudyId, @Sequence, @Mandate, @OnPanel, @FourEyes, @Confirms)
                """, entry, tx);
        var head = sign(entry.StudyId, entry.Sequence, entry.EntryHash, entry.DocumentHash, now);
        var stored = await InsertHeadAsync(c, tx, head);
        return new LedgerAppend(LedgerOutcome.Appended, entry with { Id = id }, stored);
    }

    private static async Task<LedgerHead> InsertHeadAsync(DbConnection c, DbTransaction tx, SignedHead h)
    {
        var head = new LedgerHead
        {
            StudyId = h.StudyId, Sequence = h.Sequence, HeadHash = h.HeadHash, DocumentHash = h.DocumentHash, Signature = h.Signature,
            PublicKey = h.PublicKey, KeyFingerprint = h.KeyFingerprint, SignedAt = h.SignedAt,
        };
        await c.ExecuteAsync(
            """
            INSERT INTO ledger_heads (study_id, sequence, head_hash, document_hash, signature, public_key, key_fingerprint, signed_at)
            VALUES (@StudyId, @Sequence, @HeadHash, @DocumentHash, @Signature, @PublicKey, @KeyFingerprint, @SignedAt)
            """, head, tx);
        return head;
    }

    /// <summary>Erases a signatory's personal data (name, e-mail and both salts); the ledger keeps its commitments and still verifies.
    /// Their receipt e-mails not sent yet are cancelled in the same transaction.</summary>
    public Task<bool> EraseAsync(long studyId, long signatoryId) =>
        db.WriteAsync(async (c, tx) =>
        {
            var now = time.Now();
            var erased = await c.ExecuteAsync(
                """
                UPDATE signatory_identities SET name = NULL, email = NULL, salt = NULL, name_salt = NULL, erased_at = @now
                WHERE signatory_id = @signatoryId AND erased_at IS NULL
                  AND signatory_id IN (SELECT id FROM signatories WHERE study_id = @studyId)
                """, new { studyId, signatoryId, now }, tx) == 1;
            if (erased) await ReceiptMailStore.CancelForSignatoryAsync(c, tx, signatoryId, now);
            return erased;
        });

    private sealed record OrganisationRow
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
    }

    private sealed record LastEntry
    {
        public long Sequence { get; init; }
        public string EntryHash { get; init; } = "";
        public DateTimeOffset RecordedAt { get; init; }
    }
}
