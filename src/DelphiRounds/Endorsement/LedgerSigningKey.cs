using System.Security.Cryptography;
using System.Text;
using DelphiRounds.Records;
using DelphiRounds.Vision;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Endorsement;

/// <summary>A head as the service signed it.</summary>
public sealed record SignedHead(long StudyId, long Sequence, string HeadHash, string DocumentHash, string Signature, string PublicKey, string KeyFingerprint, DateTimeOffset SignedAt);

/// <summary>
/// The service's ECDSA P-256 key that signs ledger heads. Read from <c>Endorsement:SigningKeyPath</c> on first
/// use (not at start-up, so tests and tools can point it elsewhere); generated there when the file is missing,
/// readable only by the owner. The public key and its fingerprint are published with every ledger.
/// </summary>
public sealed class LedgerSigningKey(IOptions<EndorsementOptions> options, ILogger<LedgerSigningKey> logger) : IDisposable
{
    private readonly Lazy<ECDsa> _key = new(() => LoadOrCreate(options.Value.SigningKeyPath!, logger), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Where the key lives (resolved).</summary>
    public string Path => options.Value.SigningKeyPath!;

    /// <summary>The public key as SubjectPublicKeyInfo (DER).</summary>
    public byte[] PublicKeySpki => _key.Value.ExportSubjectPublicKeyInfo();

    /// <summary>The public key in PEM.</summary>
    public string PublicKeyPem => _key.Value.ExportSubjectPublicKeyInfoPem();

    /// <summary>Lowercase hex SHA-256 of the public key's SubjectPublicKeyInfo.</summary>
    public string Fingerprint => LedgerFormat.Fingerprint(PublicKeySpki);

    /// <summary>Signs a study's head (canonical JSON of studyId, sequence, headHash, documentHash).</summary>
    public SignedHead SignHead(long studyId, long sequence, string headHash, string documentHash, DateTimeOffset now)
    {
        var payload = Encoding.UTF8.GetBytes(CanonicalJson.Write(LedgerFormat.HeadPayload(studyId, sequence, headHash, documentHash)));
        var signature = _key.Value.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var spki = PublicKeySpki;
        return new SignedHead(studyId, sequence, headHash, documentHash, Convert.ToBase64String(signature),
            Convert.ToBase64String(spki), LedgerFormat.Fingerprint(spki), now);
    }

    private static ECDsa LoadOrCreate(string path, ILogger logger)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            var write = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) write.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, write))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(fresh.ExportPkcs8PrivateKeyPem());
            }
            try
            {
                // Never overwrite: when another process made the key first, theirs is the key.
                File.Move(temp, path, overwrite: false);
                logger.LogWarning("Created the ledger signing key {Path} (ECDSA P-256). Back it up: ledgers signed with it stay verifiable with its public key.", path);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException($"Endorsement:SigningKeyPath: {path} does not hold an ECDSA private key in PEM.", e);
        }
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != "1.2.840.10045.3.1.7")
        {
            key.Dispose();
            throw new InvalidOperationException($"Endorsement:SigningKeyPath: {path} is not an ECDSA P-256 key.");
        }
        return key;
    }

    public void Dispose()
    {
        if (_key.IsValueCreated) _key.Value.Dispose();
    }
}
