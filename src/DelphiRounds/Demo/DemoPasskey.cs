using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DelphiRounds.Endorsement;

namespace DelphiRounds.Demo;

/// <summary>
/// Passkeys for the demo's fictional signatories: a software key that answers an entry's challenge exactly as a browser's
/// authenticator would (authenticator data, client data, signature), so the demo's ledger holds real passkey signatures
/// that every verifier checks (server, browser, <c>delphi verify</c>). ES256 (P-256, DER signature) by default, RS256
/// (RSA PKCS#1 v1.5) when asked: the two algorithms the service accepts. A signatory keeps one key, so a withdrawal is
/// signed by the same passkey as the endorsement. Demo and test data only: a real signatory's passkey lives on their own
/// device and goes through <see cref="PasskeyService"/>.
/// </summary>
public sealed class DemoPasskey(string origin, int algorithm = -7) : IDisposable
{
    private readonly ConcurrentDictionary<long, (AsymmetricAlgorithm Key, string CredentialId)> _keys = new();
    private uint _counter;

    /// <summary>The check <see cref="EndorsementService.SignAsync"/> and <see cref="EndorsementService.WithdrawAsync"/> take.</summary>
    public PasskeyCheck Check => (signatory, document, kind, sequence, _, _) =>
    {
        var (key, credentialId) = _keys.GetOrAdd(signatory.Id, _ => (algorithm == -257 ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256),
            LedgerFormat.Base64Url(RandomNumberGenerator.GetBytes(16))));
        var rpId = new Uri(origin).Host;
        var challenge = LedgerFormat.PasskeyChallenge(kind, document.DocumentHash, signatory.Organisation, signatory.Reference, sequence);
        var clientData = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["type"] = "webauthn.get", ["challenge"] = LedgerFormat.Base64Url(challenge), ["origin"] = origin, ["crossOrigin"] = false,
        }.ToJsonString());
        var counter = Interlocked.Increment(ref _counter);
        // User present and verified, then the signature counter (big-endian).
        var authenticatorData = SHA256.HashData(Encoding.UTF8.GetBytes(rpId))
            .Concat(new byte[] { 0x05, (byte)(counter >> 24), (byte)(counter >> 16), (byte)(counter >> 8), (byte)counter }).ToArray();
        var signed = authenticatorData.Concat(SHA256.HashData(clientData)).ToArray();
        var signature = key switch
        {
            ECDsa ec => ec.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            RSA rsa => rsa.SignData(signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new InvalidOperationException("unknown key type"),
        };
        var proof = new JsonObject
        {
            ["credentialId"] = credentialId,
            ["algorithm"] = algorithm,
            ["publicKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            ["rpId"] = rpId,
            ["origin"] = origin,
            ["authenticatorData"] = LedgerFormat.Base64Url(authenticatorData),
            ["clientDataJSON"] = LedgerFormat.Base64Url(clientData),
            ["signature"] = LedgerFormat.Base64Url(signature),
        };
        return Task.FromResult(new PasskeyVerdict(null, proof, credentialId, counter));
    };

    public void Dispose()
    {
        foreach (var (key, _) in _keys.Values) key.Dispose();
    }
}
