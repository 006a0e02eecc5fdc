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
    public const string Usage = "usage: delphi verify FILE   (a ledger or a receipt; FILE may be - for standard input)";

    /// <summary>
    /// Exit code 0 and <c>ledger verifies: N entries, head signed by FINGERPRINT</c> on <paramref name="stdout"/>;
    /// 1 and one line naming the first thing that is broken (e.g. <c>entry 7 (sequence 7): previous hash does not match</c>);
    /// 2 with a message on <paramref name="stderr"/> when the file cannot be read or is not JSON.
    /// </summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length != 1)
        {
            stderr.WriteLine(Usage);
            return 2;
        }
        var path = args[0];
        string text;
        try
        {
            if (path != "-" && Directory.Exists(path))
            {
                stderr.WriteLine($"{path}: is a directory, not a file");
                return 2;
            }
            text = path == "-" ? stdin.ReadToEnd() : File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            stderr.WriteLine($"{path}: no such file");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
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
            result = isReceipt ? LedgerVerifier.VerifyReceipt(root) : LedgerVerifier.Verify(root);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            // A JSON object with duplicate keys, or values JSON cannot carry canonically.
            stdout.WriteLine($"ledger: cannot be checked ({e.Message.ReplaceLineEndings(" ")})");
            return 1;
        }
        stdout.WriteLine(result.Message);
        return result.Verifies ? 0 : 1;
    }
}
