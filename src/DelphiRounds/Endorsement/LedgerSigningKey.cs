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
    private readonly Lock _gate = new();
    private (ECDsa Key, DateTime Written, long Length)? _loaded;

    /// <summary>
    /// The key in the file now: read again when the file changed (after <c>delphi key rotate</c>, a running server signs
    /// new heads with the new key without a restart). Keys read before are left to the garbage collector, not disposed,
    /// since a signature may be under way with one.
    /// </summary>
    private ECDsa Key
    {
        get
        {
            lock (_gate)
            {
                var path = options.Value.SigningKeyPath!;
                var file = new FileInfo(path);
                if (_loaded is { } l && file.Exists && file.LastWriteTimeUtc == l.Written && file.Length == l.Length) return l.Key;
                var key = LoadOrCreate(path, logger);
                file.Refresh();
                _loaded = (key, file.LastWriteTimeUtc, file.Length);
                return key;
            }
        }
    }

    /// <summary>Where the key lives (resolved).</summary>
    public string Path => options.Value.SigningKeyPath!;

    /// <summary>The public key as SubjectPublicKeyInfo (DER).</summary>
    public byte[] PublicKeySpki => Key.ExportSubjectPublicKeyInfo();

    /// <summary>The public key in PEM.</summary>
    public string PublicKeyPem => Key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Lowercase hex SHA-256 of the public key's SubjectPublicKeyInfo.</summary>
    public string Fingerprint => LedgerFormat.Fingerprint(PublicKeySpki);

    /// <summary>Signs a study's head (canonical JSON of studyId, sequence, headHash, documentHash).</summary>
    public SignedHead SignHead(long studyId, long sequence, string headHash, string documentHash, DateTimeOffset now)
    {
        var payload = Encoding.UTF8.GetBytes(CanonicalJson.Write(LedgerFormat.HeadPayload(studyId, sequence, headHash, documentHash)));
        var key = Key; // one key for the signature and the key it names, even if the file changes meanwhile
        var signature = key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var spki = key.ExportSubjectPublicKeyInfo();
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

    /// <summary>
    /// Prepares a rotation: a new P-256 key is made and the current key signs it (<see cref="LedgerFormat.RotationPayload"/>).
    /// Returns the new key as it goes into the key list and the step that puts it in place of the current key file (the old
    /// file is kept beside it as <c>NAME.retired-FINGERPRINT16.pem</c>). Store the new key first, then install it: a head is
    /// then never signed by a key the list does not hold.
    /// </summary>
    public (ServiceKey Next, Action Install) PrepareRotation(ServiceKey current, DateTimeOffset now)
    {
        var old = Key;
        if (LedgerFormat.Fingerprint(old.ExportSubjectPublicKeyInfo()) != current.Fingerprint)
            throw new InvalidOperationException($"The key in {Path} is not the service's last published key ({current.Fingerprint}); rotate only from that key.");
        using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = Convert.ToBase64String(fresh.ExportSubjectPublicKeyInfo());
        var fingerprint = LedgerFormat.Fingerprint(fresh.ExportSubjectPublicKeyInfo());
        var at = RecordTime.Timestamp(RecordTime.ToMilliseconds(now));
        var payload = Encoding.UTF8.GetBytes(CanonicalJson.Write(LedgerFormat.RotationPayload(current.Fingerprint, fingerprint, spki, at)));
        var signature = old.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var temp = Path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        WritePrivate(temp, fresh.ExportPkcs8PrivateKeyPem());
        var next = new ServiceKey
        {
            Fingerprint = fingerprint, Spki = spki, PreviousFingerprint = current.Fingerprint, IntroducedAt = at,
            RotationSignature = Convert.ToBase64String(signature),
        };
        return (next, () =>
        {
            var retired = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!,
                System.IO.Path.GetFileNameWithoutExtension(Path) + ".retired-" + current.Fingerprint[..16] + ".pem");
            File.Copy(Path, retired, overwrite: true);
            File.Move(temp, Path, overwrite: true);
        });
    }

    /// <summary>The current key as the first (root) key of the key list.</summary>
    public ServiceKey AsRoot(DateTimeOffset now) => new()
    {
        Fingerprint = Fingerprint, Spki = Convert.ToBase64String(PublicKeySpki), IntroducedAt = RecordTime.Timestamp(RecordTime.ToMilliseconds(now)),
    };

    private static void WritePrivate(string path, string pem)
    {
        var write = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) write.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, write);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        writer.Write(pem);
    }

    public void Dispose()
    {
        _loaded?.Key.Dispose();
    }
}
