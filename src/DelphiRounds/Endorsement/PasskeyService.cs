using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Kernel;
using Fido2NetLib;
using Fido2NetLib.Exceptions;
using Fido2NetLib.Objects;
using DelphiRounds.Vision;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Endorsement;

/// <summary>
/// The site a passkey belongs to (WebAuthn's relying party): the origin the browser reports and its host name.
/// From <c>Site:PublicBaseUrl</c> when set, else from the request (the host the signatory opened).
/// </summary>
public sealed record RelyingParty(string Origin, string RpId)
{
    public static RelyingParty For(HttpRequest request, IOptions<SiteOptions> site)
    {
        var origin = !string.IsNullOrWhiteSpace(site.Value.PublicBaseUrl)
            ? new Uri(site.Value.PublicBaseUrl).GetLeftPart(UriPartial.Authority)
            : $"{request.Scheme}://{request.Host}";
        return new RelyingParty(origin, new Uri(origin).Host);
    }
}

/// <summary>
/// Signing with a passkey (WebAuthn, checked with the Fido2 library): a signatory registers a passkey of their own
/// on the signing page, then their browser signs the entry's challenge
/// (<see cref="LedgerFormat.PasskeyChallenge"/>: the frozen document, organisation, signatory and ledger position).
/// The check runs inside the append's transaction (<see cref="PasskeyCheck"/>), so the position signed for is the
/// one the entry gets; whatever it refuses appends nothing and leaves the link unspent.
/// Problems are text keys (<c>endorsement.passkey.error.*</c>) for the page to show.
/// </summary>
public sealed class PasskeyService(EndorsementStore store, VisionStore visions)
{
    private const ulong TimeoutMs = 300_000;

    private static readonly PubKeyCredParam[] Algorithms =
    [
        new(COSE.Algorithm.ES256, PublicKeyCredentialType.PublicKey),
        new(COSE.Algorithm.RS256, PublicKeyCredentialType.PublicKey),
    ];

    private static Fido2 Fido(RelyingParty rp) => new(new Fido2Configuration
    {
        RPID = rp.RpId,
        RPName = "DelphiRounds",
        Origins = new HashSet<string> { rp.Origin },
        Timeout = (uint)TimeoutMs,
    }, null);

    /// <summary>Options for registering a new passkey (JSON for the browser), kept until it comes back; or a problem.</summary>
    public async Task<(string? Json, string? Problem)> RegistrationOptionsAsync(string token, RelyingParty rp)
    {
        if (await store.FindByTokenAsync(token) is not { Erased: false } s) return (null, "endorsement.passkey.error.link");
        if (s.Signed) return (null, "endorsement.passkey.error.spent");
        var existing = await store.PasskeysAsync(s.Id);
        var options = Fido(rp).RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = Encoding.UTF8.GetBytes(s.Reference), Name = s.Reference, DisplayName = $"{s.Role}, {s.Organisation}" },
            ExcludeCredentials = existing.Select(p => new PublicKeyCredentialDescriptor(LedgerFormat.FromBase64Url(p.CredentialId)!)).ToList(),
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Discouraged,
                UserVerification = UserVerificationRequirement.Preferred,
            },
            AttestationPreference = AttestationConveyancePreference.None,
            PubKeyCredParams = Algorithms,
        });
        var json = options.ToJson();
        await store.SavePasskeyOptionsAsync(s.Id, json);
        return (json, null);
    }

    /// <summary>Checks and keeps a new passkey (the browser's <c>navigator.credentials.create</c> result, JSON); null when registered, else a problem.</summary>
    public async Task<string?> RegisterAsync(string token, RelyingParty rp, string? attestationJson)
    {
        if (await store.FindByTokenAsync(token) is not { Erased: false } s) return "endorsement.passkey.error.link";
        if (s.Signed) return "endorsement.passkey.error.spent";
        if (await store.PasskeyOptionsAsync(s.Id) is not { } optionsJson) return "endorsement.passkey.error.noRegistration";
        AuthenticatorAttestationRawResponse? raw;
        try { raw = JsonSerializer.Deserialize<AuthenticatorAttestationRawResponse>(attestationJson ?? ""); }
        catch (JsonException) { return "endorsement.passkey.error.malformed"; }
        if (raw?.Response?.AttestationObject is null || raw.Response.ClientDataJson is null) return "endorsement.passkey.error.malformed";
        RegisteredPublicKeyCredential credential;
        try
        {
            credential = await Fido(rp).MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = raw,
                OriginalOptions = CredentialCreateOptions.FromJson(optionsJson),
                IsCredentialIdUniqueToUserCallback = async (args, _) => !await store.PasskeyExistsAsync(LedgerFormat.Base64Url(args.CredentialId)),
            });
        }
        catch (Exception e) when (e is Fido2VerificationException or CborContentException or FormatException or ArgumentException or InvalidOperationException or CryptographicException)
        {
            return OriginProblem(raw.Response.ClientDataJson, rp, "webauthn.create") ?? "endorsement.passkey.error.registration";
        }
        if (CoseKey.ToSpki(credential.PublicKey) is not { } key) return "endorsement.passkey.error.algorithm";
        var added = await store.AddPasskeyAsync(new StoredPasskey
        {
            CredentialId = LedgerFormat.Base64Url(credential.Id), SignatoryId = s.Id, PublicKeyCose = Convert.ToBase64String(credential.PublicKey),
            PublicKeySpki = Convert.ToBase64String(key.Spki), Algorithm = key.Algorithm, SignCount = credential.SignCount,
        });
        return added ? null : "endorsement.passkey.error.registration";
    }

    /// <summary>
    /// The options for signing an entry of <paramref name="kind"/> (JSON for the browser): the challenge for the
    /// position the entry would get now, and the passkeys that may sign it; or a problem.
    /// </summary>
    public async Task<(string? Json, string? Problem)> AssertionOptionsAsync(string token, RelyingParty rp, string? kind)
    {
        if (await store.FindByTokenAsync(token) is not { } s || (s.Erased && !s.Signed)) return (null, "endorsement.passkey.error.link");
        if ((await visions.DocumentAsync(s.StudyId))?.DocumentHash is not { } documentHash) return (null, "endorsement.passkey.error.link");
        IReadOnlyList<StoredPasskey> allowed;
        if (kind == LedgerFormat.Endorsement)
        {
            if (s.Signed) return (null, "endorsement.passkey.error.spent");
            allowed = await store.PasskeysAsync(s.Id);
        }
        else if (kind == LedgerFormat.Withdrawal)
        {
            if (!s.Signed || s.WithdrawnAt is not null) return (null, "endorsement.passkey.error.spent");
            var endorsement = (await store.EntriesAsync(s.StudyId)).First(e => e.SignatoryId == s.Id && e.Kind == LedgerFormat.Endorsement);
            if (!endorsement.ByPasskey) return (null, "endorsement.passkey.error.byLink");
            var id = endorsement.Proof!["credentialId"]!.GetValue<string>();
            allowed = (await store.PasskeysAsync(s.Id)).Where(p => p.CredentialId == id).ToList();
        }
        else
        {
            return (null, "endorsement.passkey.error.kind");
        }
        if (allowed.Count == 0) return (null, "endorsement.passkey.error.noPasskey");
        var sequence = await store.NextSequenceAsync(s.StudyId);
        var options = Options(rp, LedgerFormat.PasskeyChallenge(kind!, documentHash, s.Organisation, s.Reference, sequence), allowed);
        return (options.ToJson(), null);
    }

    private static AssertionOptions Options(RelyingParty rp, byte[] challenge, IEnumerable<StoredPasskey> allowed) => new()
    {
        Challenge = challenge,
        RpId = rp.RpId,
        Timeout = TimeoutMs,
        AllowCredentials = allowed.Select(p => new PublicKeyCredentialDescriptor(LedgerFormat.FromBase64Url(p.CredentialId)!)).ToList(),
        UserVerification = UserVerificationRequirement.Preferred,
    };

    /// <summary>
    /// The check of a passkey assertion (the browser's <c>navigator.credentials.get</c> result, JSON) for the entry
    /// the store is about to append: a passkey this signatory registered (for a withdrawal: the one that signed the
    /// endorsement), this entry's challenge, this site's origin, and a signature that verifies.
    /// </summary>
    public static PasskeyCheck Check(string? assertionJson, RelyingParty rp) => async (signatory, document, kind, sequence, registered, endorsement) =>
    {
        AuthenticatorAssertionRawResponse? raw;
        try { raw = JsonSerializer.Deserialize<AuthenticatorAssertionRawResponse>(assertionJson ?? ""); }
        catch (JsonException) { return PasskeyVerdict.Refused("endorsement.passkey.error.malformed"); }
        if (raw?.Response?.ClientDataJson is not { } clientDataJson || raw.Response.AuthenticatorData is null || raw.Response.Signature is null
            || (raw.RawId ?? LedgerFormat.FromBase64Url(raw.Id)) is not { Length: > 0 } rawId)
            return PasskeyVerdict.Refused("endorsement.passkey.error.malformed");
        var credentialId = LedgerFormat.Base64Url(rawId);
        if (registered.FirstOrDefault(p => p.CredentialId == credentialId) is not { } passkey)
            return PasskeyVerdict.Refused("endorsement.passkey.error.notYours");
        if (endorsement is not null && endorsement.Proof?["credentialId"]?.GetValue<string>() != credentialId)
            return PasskeyVerdict.Refused("endorsement.passkey.error.otherPasskey");

        var challenge = LedgerFormat.PasskeyChallenge(kind, document.DocumentHash, signatory.Organisation, signatory.Reference, sequence);
        var clientData = ClientData(clientDataJson);
        if (clientData is null) return PasskeyVerdict.Refused("endorsement.passkey.error.malformed");
        if (OriginProblem(clientDataJson, rp, "webauthn.get") is { } originProblem) return PasskeyVerdict.Refused(originProblem);
        if (clientData["challenge"]?.GetValueKind() != JsonValueKind.String || clientData["challenge"]!.GetValue<string>() != LedgerFormat.Base64Url(challenge))
            return PasskeyVerdict.Refused("endorsement.passkey.error.challenge");

        VerifyAssertionResult result;
        try
        {
            result = await Fido(rp).MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = raw,
                OriginalOptions = Options(rp, challenge, [passkey]),
                StoredPublicKey = Convert.FromBase64String(passkey.PublicKeyCose),
                StoredSignatureCounter = (uint)passkey.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) =>
                    Task.FromResult(args.UserHandle is null || args.UserHandle.Length == 0 || args.UserHandle.SequenceEqual(Encoding.UTF8.GetBytes(signatory.Reference))),
            });
        }
        catch (Fido2VerificationException e) when (e.Code == Fido2ErrorCode.InvalidSignCount)
        {
            return PasskeyVerdict.Refused("endorsement.passkey.error.replayed");
        }
        catch (Exception e) when (e is Fido2VerificationException or CborContentException or FormatException or ArgumentException or InvalidOperationException or CryptographicException)
        {
            return PasskeyVerdict.Refused("endorsement.passkey.error.invalid");
        }

        var proof = new JsonObject
        {
            ["credentialId"] = credentialId,
            ["algorithm"] = passkey.Algorithm,
            ["publicKey"] = passkey.PublicKeySpki,
            ["rpId"] = rp.RpId,
            ["origin"] = rp.Origin,
            ["authenticatorData"] = LedgerFormat.Base64Url(raw.Response.AuthenticatorData),
            ["clientDataJSON"] = LedgerFormat.Base64Url(clientDataJson),
            ["signature"] = LedgerFormat.Base64Url(raw.Response.Signature),
        };
        // The ledger's own verifier must accept what is appended: the proof stands on its own, without the service.
        var fields = new LedgerFormat.EntryFields(sequence, kind, signatory.StudyId, document.DocumentHash, "", signatory.Reference,
            "", "", signatory.Organisation, signatory.Role, "", null, null, "", LedgerFormat.Passkey, proof);
        if (LedgerVerifier.CheckPasskey(proof, fields) is not null) return PasskeyVerdict.Refused("endorsement.passkey.error.invalid");
        return new PasskeyVerdict(null, proof, credentialId, result.SignCount);
    };

    private static JsonObject? ClientData(byte[] bytes)
    {
        try { return JsonNode.Parse(bytes) as JsonObject; }
        catch (JsonException) { return null; }
    }

    /// <summary>A problem when the client data is not of <paramref name="type"/> or comes from another origin than this site's.</summary>
    private static string? OriginProblem(byte[] clientDataJson, RelyingParty rp, string type)
    {
        var clientData = ClientData(clientDataJson);
        if (clientData is null) return "endorsement.passkey.error.malformed";
        string? Text(string name) => clientData[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        if (Text("type") != type) return "endorsement.passkey.error.malformed";
        return Text("origin") == rp.Origin ? null : "endorsement.passkey.error.origin";
    }
}

/// <summary>A COSE public key (as an authenticator sends it) as SubjectPublicKeyInfo, for ES256 (P-256) and RS256.</summary>
public static class CoseKey
{
    public static (byte[] Spki, int Algorithm)? ToSpki(byte[] cose)
    {
        try
        {
            var reader = new CborReader(cose, CborConformanceMode.Lax);
            var fields = new Dictionary<long, object>();
            var count = reader.ReadStartMap();
            for (var i = 0; count is null ? reader.PeekState() != CborReaderState.EndMap : i < count; i++)
            {
                var label = reader.ReadInt64();
                fields[label] = reader.PeekState() switch
                {
                    CborReaderState.ByteString => reader.ReadByteString(),
                    CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger => reader.ReadInt64(),
                    _ => SkipValue(reader),
                };
            }
            long Int(long label) => fields.TryGetValue(label, out var v) && v is long l ? l : 0;
            byte[]? Bytes(long label) => fields.TryGetValue(label, out var v) ? v as byte[] : null;
            switch (Int(1), Int(3))
            {
                case (2, -7) when Int(-1) == 1 && Bytes(-2) is { Length: 32 } x && Bytes(-3) is { Length: 32 } y:
                    using (var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } }))
                        return (ecdsa.ExportSubjectPublicKeyInfo(), -7);
                case (3, -257) when Bytes(-1) is { } n && Bytes(-2) is { } e:
                    using (var rsa = RSA.Create(new RSAParameters { Modulus = n, Exponent = e }))
                        return (rsa.ExportSubjectPublicKeyInfo(), -257);
                default:
                    return null;
            }
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or CryptographicException)
        {
            return null;
        }
    }

    private static object SkipValue(CborReader reader)
    {
        reader.SkipValue();
        return "";
    }
}
