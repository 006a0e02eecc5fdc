using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Endorsement;

namespace DelphiRounds.Cli.Verify;

/// <summary>
/// <c>delphi verify FILE|-</c>: checks an endorsement ledger (as downloaded from
/// <c>GET /api/v1/studies/{id}/ledger</c>) or a signatory's receipt offline, with the very verifier the
/// verification page runs (<see cref="LedgerVerifier"/>). No network, no database.
/// </summary>
public static class VerifyCommand
{
    public const string Usage = "usage: delphi verify FILE [--key FINGERPRINT]...   (a ledger, a receipt or an evidence bundle .zip; FILE may be - for standard input)";

    /// <summary>
    /// Exit code 0 and <c>ledger verifies: N entries, head signed by FINGERPRINT</c> on <paramref name="stdout"/>;
    /// 1 and one line naming the first thing that is broken (e.g. <c>entry 7 (sequence 7): previous hash does not match</c>);
    /// 2 with a message on <paramref name="stderr"/> when the file cannot be read or is not JSON (or not a bundle).
    /// <c>--key FINGERPRINT</c> (repeatable): a service key known from elsewhere (a receipt e-mail, the verification page);
    /// the head must be signed by it or by a key it introduced.
    /// </summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var trusted = new List<string>();
        string? path = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--key" && i + 1 < args.Length && LedgerFormat.IsHash(args[i + 1].ToLowerInvariant()))
            {
                trusted.Add(args[++i].ToLowerInvariant());
                continue;
            }
            if (path is not null || args[i].StartsWith("--", StringComparison.Ordinal))
            {
                stderr.WriteLine(Usage);
                return 2;
            }
            path = args[i];
        }
        if (path is null)
        {
            stderr.WriteLine(Usage);
            return 2;
        }
        string text;
        string? bundleDocument = null;
        try
        {
            if (path != "-" && Directory.Exists(path))
            {
                stderr.WriteLine($"{path}: is a directory, not a file");
                return 2;
            }
            if (path != "-" && IsZip(path))
            {
                using var zip = System.IO.Compression.ZipFile.OpenRead(path);
                var ledgerEntry = zip.GetEntry(EvidenceBundleNames.Ledger);
                if (ledgerEntry is null)
                {
                    stderr.WriteLine($"{path}: a zip without {EvidenceBundleNames.Ledger}, not an evidence bundle");
                    return 2;
                }
                using (var reader = new StreamReader(ledgerEntry.Open())) text = reader.ReadToEnd();
                if (zip.GetEntry(EvidenceBundleNames.Document) is { } doc)
                {
                    using var reader = new StreamReader(doc.Open());
                    bundleDocument = reader.ReadToEnd();
                }
            }
            else
            {
                text = path == "-" ? stdin.ReadToEnd() : File.ReadAllText(path);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            stderr.WriteLine($"{path}: no such file");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            stderr.WriteLine($"{path}: cannot be read ({e.Message.ReplaceLineEndings(" ")})");
            return 2;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text.TrimStart('\uFEFF'), documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            stderr.WriteLine($"{path}: not JSON ({e.Message.ReplaceLineEndings(" ")})");
            return 2;
        }

        LedgerVerification result;
        try
        {
            var isReceipt = root is JsonObject o && o["format"] is JsonValue f && f.GetValueKind() == JsonValueKind.String
                && f.GetValue<string>() == LedgerFormat.ReceiptFormat;
            result = isReceipt ? LedgerVerifier.VerifyReceipt(root) : LedgerVerifier.Verify(root, trusted.Count > 0 ? trusted : null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            // A JSON object with duplicate keys, or values JSON cannot carry canonically.
            stdout.WriteLine($"ledger: cannot be checked ({e.Message.ReplaceLineEndings(" ")})");
            return 1;
        }
        // The bundle holds the vision in force: after a reflection round (issue 21) that is the ledger's last revision.
        // (Read only from a ledger that verified, so its shape is sound.)
        static string? InForce(JsonNode? ledger) =>
            (ledger!["revisions"] is JsonArray { Count: > 0 } revisions ? revisions[^1]!["sha256"] : ledger["document"]?["sha256"])?.GetValue<string>();
        if (result.Verifies && bundleDocument is not null
            && DelphiRounds.Records.CanonicalJson.Sha256(bundleDocument.TrimEnd('\n')) != InForce(root))
        {
            stdout.WriteLine($"bundle: {EvidenceBundleNames.Document} is not the ledger's frozen document (its SHA-256 differs)");
            return 1;
        }
        stdout.WriteLine(result.Message);
        return result.Verifies ? 0 : 1;
    }

    private static bool IsZip(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return stream.Read(magic) == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4;
    }
}
