using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace DelphiRounds.Testing;

/// <summary>
/// A WebAuthn authenticator in software (an ECDSA P-256 key, "none" attestation), answering the same JSON a browser
/// sends after <c>navigator.credentials.create/get</c>: for HTTP tests that need real passkey signatures, including
/// ones a browser would never make (another origin, an old counter). Browser tests use Chromium's virtual authenticator.
/// </summary>
public sealed class SoftAuthenticator : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(16);
    public string CredentialIdText => Base64Url(CredentialId);

    /// <summary>The signature counter; a test may set it back to replay an old one.</summary>
    public uint Counter { get; set; }

    public byte[] PublicKeySpki => _key.ExportSubjectPublicKeyInfo();

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }

    /// <summary>The answer to registration options (<c>PublicKeyCredentialCreationOptions</c> as JSON).</summary>
    public JsonObject Register(JsonObject options, string origin, string? rpId = null)
    {
        rpId ??= options["rp"]?["id"]?.GetValue<string>() ?? new Uri(origin).Host;
        var clientData = ClientData("webauthn.create", options["challenge"]!.GetValue<string>(), origin);
        var p = _key.ExportParameters(false);
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1); cose.WriteInt32(2);      // kty: EC2
        cose.WriteInt32(3); cose.WriteInt32(-7);     // alg: ES256
        cose.WriteInt32(-1); cose.WriteInt32(1);     // crv: P-256
        cose.WriteInt32(-2); cose.WriteByteString(p.Q.X!);
        cose.WriteInt32(-3); cose.WriteByteString(p.Q.Y!);
        cose.WriteEndMap();
        var authData = new List<byte>();
        authData.AddRange(SHA256.HashData(Encoding.UTF8.GetBytes(rpId)));
        authData.Add(0x41); // user present, attested credential data
        authData.AddRange(BigEndian(Counter));
        authData.AddRange(new byte[16]); // AAGUID
        authData.Add((byte)(CredentialId.Length >> 8));
        authData.Add((byte)CredentialId.Length);
        authData.AddRange(CredentialId);
        authData.AddRange(cose.Encode());
        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt"); attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt"); attestation.WriteStartMap(0); attestation.WriteEndMap();
        attestation.WriteTextString("authData"); attestation.WriteByteString(authData.ToArray());
        attestation.WriteEndMap();
        return new JsonObject
        {
            ["id"] = CredentialIdText,
            ["rawId"] = CredentialIdText,
            ["type"] = "public-key",
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url(clientData),
                ["attestationObject"] = Base64Url(attestation.Encode()),
                ["transports"] = new JsonArray("internal"),
            },
            ["clientExtensionResults"] = new JsonObject(),
        };
    }

    /// <summary>The answer to assertion options: signs <paramref name="challenge"/> (base64url) as the browser would for <paramref name="origin"/>.</summary>
    public JsonObject Sign(string challenge, string origin, string? rpId = null)
    {
        rpId ??= new Uri(origin).Host;
        Counter++;
        var clientData = ClientData("webauthn.get", challenge, origin);
        var authData = SHA256.HashData(Encoding.UTF8.GetBytes(rpId)).Concat(new byte[] { 0x01 }).Concat(BigEndian(Counter)).ToArray();
        var signature = _key.SignData(authData.Concat(SHA256.HashData(clientData)).ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new JsonObject
        {
            ["id"] = CredentialIdText,
            ["rawId"] = CredentialIdText,
            ["type"] = "public-key",
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url(clientData),
                ["authenticatorData"] = Base64Url(authData),
                ["signature"] = Base64Url(signature),
            },
            ["clientExtensionResults"] = new JsonObject(),
        };
    }

    private static byte[] ClientData(string type, string challenge, string origin) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["challenge"] = challenge, ["origin"] = origin, ["crossOrigin"] = false }.ToJsonString());

    private static byte[] BigEndian(uint n) => [(byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n];

    public void Dispose() => _key.Dispose();
}
