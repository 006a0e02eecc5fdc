using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using DelphiRounds.Kernel;

namespace DelphiRounds.Endorsement;

/// <summary>The names of the files in an evidence bundle (what <c>delphi verify BUNDLE.zip</c> reads).</summary>
public static class EvidenceBundleNames
{
    public const string Ledger = "ledger.json";
    public const string Document = "document.json";
    public const string Keys = "keys.json";
    public const string KeysPem = "public-keys.pem";
    public const string Script = "ledger-check.js";
    public const string Page = "verify.html";
    public const string Readme = "README.md";
}

/// <summary>
/// The checking script the verification page runs in the visitor's browser (<c>wwwroot/js/ledger-check.js</c>), read once:
/// its bytes go into evidence bundles and its SHA-256 is shown on the page, so anyone can compare it with the source.
/// </summary>
public sealed class LedgerCheckScript(IWebHostEnvironment environment)
{
    public const string WebPath = "/js/ledger-check.js";

    private readonly Lazy<byte[]> _bytes = new(() =>
    {
        var file = environment.WebRootFileProvider.GetFileInfo(WebPath.TrimStart('/'));
        if (!file.Exists) throw new InvalidOperationException($"wwwroot{WebPath} is missing: the verification page cannot check in the browser.");
        using var stream = file.CreateReadStream();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public byte[] Bytes => _bytes.Value;

    /// <summary>Lowercase hex SHA-256 of the script as served.</summary>
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Bytes));

    /// <summary>The words the script writes, in one language, as the JSON its <c>data-texts</c> attribute carries.</summary>
    public static string Texts(string language)
    {
        var table = JsonStringLocalizerFactory.Table(language == "en" ? "en" : "nl");
        var texts = new JsonObject();
        foreach (var (key, value) in table.Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal)))
            texts[key[Prefix.Length..]] = value;
        return texts.ToJsonString();
    }

    private const string Prefix = "verify.check.";
}

/// <summary>
/// A study's evidence bundle (.zip): the frozen document, the ledger, the service's public keys, the checking script, an
/// offline page that runs that script on the ledger when opened from disk (file://), and a README in Dutch and English.
/// It verifies without the service: <c>scripts/delphi verify bundle.zip</c>, or <c>verify.html</c> in any browser.
/// </summary>
public static class EvidenceBundle
{
    public static byte[] Build(LedgerSnapshot ledger, LedgerCheckScript script, string baseUrl)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            var at = ledger.Head.SignedAt;
            void Add(string name, byte[] bytes)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = at;
                using var stream = entry.Open();
                stream.Write(bytes);
            }
            void AddText(string name, string text) => Add(name, new UTF8Encoding(false).GetBytes(text));

            var keys = ledger.Json["keys"]?.DeepClone() as JsonArray ?? [ledger.Json["publicKey"]!.DeepClone()];
            AddText(EvidenceBundleNames.Ledger, ledger.Json.ToJsonString(Indented));
            AddText(EvidenceBundleNames.Document, ledger.Document.CanonicalJson);
            AddText(EvidenceBundleNames.Keys, keys.ToJsonString(Indented));
            AddText(EvidenceBundleNames.KeysPem, string.Join("\n", keys.Select(k => k!["pem"]!.GetValue<string>() + "\n")));
            Add(EvidenceBundleNames.Script, script.Bytes);
            AddText(EvidenceBundleNames.Page, OfflinePage(ledger, keys));
            AddText(EvidenceBundleNames.Readme, Readme(ledger, keys, script.Sha256, baseUrl));
        }
        return output.ToArray();
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static IEnumerable<string> Fingerprints(JsonArray keys) => keys.Select(k => k!["fingerprint"]!.GetValue<string>());

    private static string OfflinePage(LedgerSnapshot ledger, JsonArray keys)
    {
        var h = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(h.Encode(ledger.Vision.Title)).Append(" · ").Append(h.Encode(T("nl", "verify.bundle.title"))).Append("</title>\n")
            .Append("<style>body{font-family:system-ui,sans-serif;line-height:1.5;max-width:46rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}")
            .Append("code{overflow-wrap:anywhere}pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f3f3;padding:.5rem}")
            .Append("[data-browser-verifies=true] [data-browser-verdict]{color:#0b6b2b}[data-browser-verifies=false] [data-browser-verdict]{color:#a4001d}</style>\n")
            .Append("</head>\n<body>\n<main>\n<h1>").Append(h.Encode(ledger.Vision.Title)).Append("</h1>\n")
            .Append("<p>SHA-256: <code>").Append(ledger.Document.DocumentHash).Append("</code></p>\n");
        foreach (var language in new[] { "nl", "en" })
        {
            html.Append("<section lang=\"").Append(language).Append("\" aria-labelledby=\"bundle-").Append(language).Append("\">\n")
                .Append("<h2 id=\"bundle-").Append(language).Append("\">").Append(h.Encode(T(language, "verify.bundle.title"))).Append("</h2>\n")
                .Append("<p>").Append(h.Encode(T(language, "verify.bundle.offlineIntro"))).Append("</p>\n")
                .Append("<p>").Append(h.Encode(T(language, "verify.bundle.compareKey"))).Append("</p>\n<ul>\n");
            foreach (var fp in Fingerprints(keys)) html.Append("<li><code>").Append(fp).Append("</code></li>\n");
            html.Append("</ul>\n");
            AppendCheckBox(html, language, "", "", 3);
            AppendProofMeaning(html, language);
            html.Append("</section>\n");
        }
        html.Append("<script type=\"application/json\" id=\"delphi-ledger\">").Append(ledger.Json.ToJsonString()).Append("</script>\n")
            .Append("<script src=\"").Append(EvidenceBundleNames.Script).Append("\"></script>\n</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The box the checking script fills (the same on the verification page and the offline page).</summary>
    public static void AppendCheckBox(StringBuilder html, string language, string ledgerUrl, string trustedKeys, int level)
    {
        string H(int n) => "h" + (level + n).ToString(CultureInfo.InvariantCulture);
        var h = HtmlEncoder.Default;
        var id = "browser-check-" + language;
        html.Append("<section data-browser-check hidden aria-labelledby=\"").Append(id).Append("\" data-ledger-url=\"").Append(h.Encode(ledgerUrl))
            .Append("\" data-trusted-keys=\"").Append(h.Encode(trustedKeys)).Append("\" data-texts=\"").Append(h.Encode(LedgerCheckScript.Texts(language))).Append("\">\n")
            .Append('<').Append(H(0)).Append(" id=\"").Append(id).Append("\">").Append(h.Encode(T(language, "verify.check.title"))).Append("</").Append(H(0)).Append(">\n")
            .Append("<p>").Append(h.Encode(T(language, "verify.check.intro"))).Append("</p>\n")
            .Append("<div role=\"status\"><p><strong data-browser-verdict>").Append(h.Encode(T(language, "verify.check.running"))).Append("</strong></p>\n")
            .Append("<p data-browser-summary></p></div>\n")
            .Append('<').Append(H(1)).Append('>').Append(h.Encode(T(language, "verify.check.checked"))).Append("</").Append(H(1)).Append(">\n<ul data-browser-checked></ul>\n")
            // The program's own line (the same words as scripts/delphi verify) is technical proof: folded away, as on the rest of the page.
            .Append("<details class=\"technical-proof\"><summary>").Append(h.Encode(T(language, "verify.check.technicalSummary"))).Append("</summary>\n")
            .Append("<p>").Append(h.Encode(T(language, "verify.check.technical"))).Append("</p>\n<pre><code data-browser-message></code></pre>\n</details>\n")
            .Append("</section>\n");
    }

    /// <summary>What each kind of signature proves and what it does not, in plain words (offline page).</summary>
    private static void AppendProofMeaning(StringBuilder html, string language)
    {
        var h = HtmlEncoder.Default;
        html.Append("<h3>").Append(h.Encode(T(language, "verify.check.proves"))).Append("</h3>\n<ul>\n");
        foreach (var key in ProofMeaningKeys) html.Append("<li>").Append(h.Encode(T(language, key))).Append("</li>\n");
        html.Append("</ul>\n");
    }

    /// <summary>The lines that say what each kind of signature proves and what it does not.</summary>
    public static readonly string[] ProofMeaningKeys = ["verify.check.provesPasskey", "verify.check.provesLink", "verify.check.provesChain", "verify.check.provesNot"];

    private static string T(string language, string key) => JsonStringLocalizerFactory.Table(language)[key];

    private static string Readme(LedgerSnapshot ledger, JsonArray keys, string scriptSha256, string baseUrl)
    {
        var fingerprints = string.Join("\n", Fingerprints(keys).Select(f => "    " + f));
        // The bundle holds the version in force: the organisations that signed that text (issue 21).
        var inForce = ledger.InForceOnCurrentVersion.Select(e => e.Organisation).Distinct().Count();
        var byPasskey = ledger.InForceOnCurrentVersion.Where(e => e.ByPasskey).Select(e => e.Organisation).Distinct().Count();
        return string.Create(CultureInfo.InvariantCulture, $"""
            # Bewijspakket / Evidence bundle — {ledger.Vision.Title}

            Studie / study {ledger.StudyId} · {baseUrl}/verify/{ledger.StudyId}
            Vingerafdruk van de tekst / document SHA-256: {ledger.Document.DocumentHash}
            Laatste ondertekende stand / signed head: vermelding / entry {ledger.Head.Sequence}, {ledger.Head.HeadHash}
            Sleutels van de dienst / the service's keys (oudste eerst / oldest first):
            {fingerprints}

            ## Nederlands

            In dit pakket staat alles om zelf te controleren wie de visie heeft ondertekend. U hebt geen internet en geen
            website van de dienst nodig.

            - `document.json`: de vastgestelde tekst. De vingerafdruk (SHA-256) staat hierboven.
            - `ledger.json`: het register. Elke vermelding bevat de vingerafdruk van de vorige. De dienst ondertekent de laatste stand.
            - `keys.json` en `public-keys.pem`: de openbare sleutels van de dienst. Elke nieuwe sleutel is ondertekend met de vorige.
            - `verify.html`: open dit bestand in uw browser (dubbelklikken). Uw browser rekent dan alles zelf na met `ledger-check.js`.
            - `ledger-check.js`: het controleprogramma, SHA-256 {scriptSha256}.

            Controleren op de opdrachtregel: `scripts/delphi verify bewijspakket.zip` (of `scripts/delphi verify ledger.json`).
            Vergelijk de sleutel van de dienst met de vingerafdruk in uw ontvangstbewijs: `scripts/delphi verify bewijspakket.zip --key VINGERAFDRUK`.

            Wat het bewijst: {inForce} organisaties onderschrijven de tekst; {byPasskey} daarvan tekenden met een eigen sleutel
            (toegangssleutel). Zo'n handtekening is op het apparaat van de ondertekenaar gemaakt: ook de dienst kan haar niet namaken.
            Een handtekening met een eenmalige link rust op de sleutel van de dienst: de dienst had die vermelding zelf kunnen maken.
            Na de laatste handtekening van de dienst is niets veranderd of weggehaald.
            Wat het niet bewijst: dat iemand echt namens de organisatie mocht tekenen. Dat controleert de organisator.

            ## English

            This bundle holds everything needed to check who signed the vision, without internet and without the service's website.

            - `document.json`: the frozen text. Its fingerprint (SHA-256) is above.
            - `ledger.json`: the record. Each entry holds the fingerprint of the one before; the service signs the latest state.
            - `keys.json` and `public-keys.pem`: the service's public keys. Each new key is signed with the one before.
            - `verify.html`: open this file in your browser (double-click). Your browser then checks everything itself with `ledger-check.js`.
            - `ledger-check.js`: the checking program, SHA-256 {scriptSha256}.

            On the command line: `scripts/delphi verify evidence.zip` (or `scripts/delphi verify ledger.json`).
            Compare the service's key with the fingerprint in your receipt: `scripts/delphi verify evidence.zip --key FINGERPRINT`.

            What it proves: {inForce} organisations endorse the text; {byPasskey} of them signed with their own key (passkey).
            Such a signature was made on the signatory's device: not even the service can forge it. A signature by one-time link
            rests on the service's key: the service could have made that entry itself. Nothing was changed or removed after the
            service's last signature.
            What it does not prove: that a person was really allowed to sign for the organisation. The organiser checks that.

            """);
    }
}
