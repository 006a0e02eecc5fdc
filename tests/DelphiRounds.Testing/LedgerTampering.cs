using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DelphiRounds.Endorsement;
using DelphiRounds.Records;

namespace DelphiRounds.Testing;

/// <summary>
/// What an attacker without the service's key can do to a published ledger (issue 19): change text, drop entries, swap
/// signatures, re-hash the chain after a change, or sign the head with a key of their own. Each returns a changed copy.
/// </summary>
public static class LedgerTampering
{
    public static JsonObject Copy(JsonObject ledger) => JsonNode.Parse(ledger.ToJsonString())!.AsObject();

    /// <summary>Recomputes every entry's hash and link from <paramref name="from"/> (0-based) on, as an attacker can; the head stays.</summary>
    public static JsonObject Rehash(JsonObject ledger, int from)
    {
        var entries = ledger["entries"]!.AsArray();
        for (var i = from; i < entries.Count; i++)
        {
            var entry = entries[i]!.AsObject();
            if (i > 0) entry["previousHash"] = entries[i - 1]!["hash"]!.GetValue<string>();
            var hashed = JsonNode.Parse(entry.ToJsonString())!.AsObject();
            hashed.Remove("hash");
            hashed.Remove("disclosure");
            entry["hash"] = CanonicalJson.Hash(hashed);
        }
        return ledger;
    }

    /// <summary>A copy whose head is signed by a key the service never had (the published public key replaced by it).</summary>
    public static JsonObject SignedByUnknownKey(JsonObject ledger)
    {
        var copy = Copy(ledger);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var head = copy["head"]!.AsObject();
        var payload = Encoding.UTF8.GetBytes(CanonicalJson.Write(LedgerFormat.HeadPayload(
            head["studyId"]!.GetValue<long>(), head["sequence"]!.GetValue<long>(), head["headHash"]!.GetValue<string>(), head["documentHash"]!.GetValue<string>())));
        head["signature"] = Convert.ToBase64String(stranger.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        var spki = stranger.ExportSubjectPublicKeyInfo();
        head["keyFingerprint"] = LedgerFormat.Fingerprint(spki);
        copy["publicKey"] = EndorsementService.KeyJson(Convert.ToBase64String(spki));
        return copy;
    }

    /// <summary>A copy with another frozen document (and its correct SHA-256): the entries signed the old one.</summary>
    public static JsonObject ChangedDocument(JsonObject ledger)
    {
        var copy = Copy(ledger);
        var document = JsonNode.Parse(copy["document"]!["canonical"]!.GetValue<string>())!.AsObject();
        document["changedAfterSigning"] = "Een zin die niemand heeft ondertekend.";
        var canonical = CanonicalJson.Write(document);
        copy["document"] = new JsonObject { ["sha256"] = CanonicalJson.Sha256(canonical), ["canonical"] = canonical };
        return copy;
    }

    /// <summary>A copy without the entry at <paramref name="index"/> (0-based).</summary>
    public static JsonObject RemovedEntry(JsonObject ledger, int index)
    {
        var copy = Copy(ledger);
        copy["entries"]!.AsArray().RemoveAt(index);
        return copy;
    }

    /// <summary>A copy in which the passkey signatures of two entries are swapped; with <paramref name="rehash"/>, the chain re-hashed after.</summary>
    public static JsonObject SwappedPasskeySignatures(JsonObject ledger, int a, int b, bool rehash)
    {
        var copy = Copy(ledger);
        var entries = copy["entries"]!.AsArray();
        var first = entries[a]!["passkey"]!.AsObject();
        var second = entries[b]!["passkey"]!.AsObject();
        (first["signature"], second["signature"]) = (second["signature"]!.GetValue<string>(), first["signature"]!.GetValue<string>());
        return rehash ? Rehash(copy, Math.Min(a, b)) : copy;
    }
}

/// <summary><c>scripts/delphi</c> as a process, as a person runs it (it builds the CLI first when sources changed).</summary>
public static class DelphiScript
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("DelphiRounds.sln not found above the test's folder.");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(dir.FullName, "scripts", "delphi"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
