using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;

namespace DelphiRounds.Testing;

/// <summary>One e-mail as the app wrote it, decoded: who it went to, what it is for, and its personal link.</summary>
public sealed record Mail(string File, string To, string Subject, IReadOnlyDictionary<string, string> Headers, string Text, string Html)
{
    public string Purpose => Headers.GetValueOrDefault("X-Delphi-Purpose", "");
    public long StudyId => long.Parse(Headers.GetValueOrDefault("X-Delphi-Study", "0"), System.Globalization.CultureInfo.InvariantCulture);
    public int? Round => Headers.TryGetValue("X-Delphi-Round", out var r) ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The invitation link in the plain-text part.</summary>
    public string Link => Regex.Match(Text, @"https?://\S+/p/dlp_[A-Za-z0-9_-]{43}").Value;

    /// <summary>The token at the end of the link.</summary>
    public string Token => Link[(Link.LastIndexOf('/') + 1)..];
}

/// <summary>
/// Reads the <c>.eml</c> files the app writes to its pickup folder (or raw messages caught by a test SMTP
/// server): headers unfolded, encoded words and quoted-printable bodies decoded.
/// </summary>
public static partial class Mailbox
{
    public static IReadOnlyList<Mail> Read(string folder) =>
        Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.eml").Select(f => Parse(File.ReadAllText(f), f)).ToList()
            : [];

    /// <summary>Waits until the study's outbox has nothing pending (GET …/outbox), then returns its counts.</summary>
    public static async Task<System.Text.Json.JsonElement> WaitUntilSentAsync(HttpClient facilitator, long studyId, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var counts = await (await facilitator.GetAsync($"/api/v1/studies/{studyId}/outbox")).ReadAsync();
            if (counts.GetProperty("pending").GetInt32() == 0) return counts;
            if (DateTime.UtcNow > until) throw new TimeoutException($"outbox of study {studyId} still pending: {counts}");
            await Task.Delay(50);
        }
    }

    public static Mail Parse(string raw, string file = "")
    {
        var (headers, body) = Split(raw);
        var to = Address(headers.TryGetValue("X-Receiver", out var receiver) ? receiver : headers.GetValueOrDefault("To", ""));
        var subject = DecodeWords(headers.GetValueOrDefault("Subject", ""));
        string text = "", html = "";
        var type = headers.GetValueOrDefault("Content-Type", "text/plain");
        if (type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = BoundaryPattern().Match(type).Groups[1].Value;
            foreach (var part in body.Split("--" + boundary).Skip(1))
            {
                if (part.StartsWith("--", StringComparison.Ordinal)) break;
                var (ph, pb) = Split(part.TrimStart('\r', '\n'));
                var decoded = Decode(pb, ph.GetValueOrDefault("Content-Transfer-Encoding", "7bit"));
                var partType = ph.GetValueOrDefault("Content-Type", "text/plain");
                if (partType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase)) text = decoded;
                else if (partType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase)) html = decoded;
            }
        }
        else text = Decode(body, headers.GetValueOrDefault("Content-Transfer-Encoding", "7bit"));
        return new Mail(file, to, subject, headers, text, html);
    }

    private static (Dictionary<string, string> Headers, string Body) Split(string raw)
    {
        var end = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headerText = end < 0 ? raw : raw[..end];
        var body = end < 0 ? "" : raw[(end + 4)..];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? last = null;
        foreach (var line in headerText.Split("\r\n"))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && last is not null) headers[last] += " " + line.Trim();
            else if (line.IndexOf(':') is > 0 and var colon)
            {
                last = line[..colon];
                headers[last] = line[(colon + 1)..].Trim();
            }
        }
        return (headers, body);
    }

    private static string Decode(string body, string encoding) => encoding.Trim().ToLowerInvariant() switch
    {
        "quoted-printable" => QuotedPrintable(body),
        "base64" => Encoding.UTF8.GetString(Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))))),
        _ => body,
    };

    private static string QuotedPrintable(string s)
    {
        s = s.Replace("=\r\n", "");
        var bytes = new List<byte>();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '=' && i + 2 < s.Length && Uri.IsHexDigit(s[i + 1]) && Uri.IsHexDigit(s[i + 2]))
            {
                bytes.Add(Convert.ToByte(s.Substring(i + 1, 2), 16));
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string DecodeWords(string s) => EncodedWord().Replace(Regex.Replace(s, @"\?=\s+=\?", "?==?"), m =>
    {
        var payload = m.Groups[2].Value;
        return m.Groups[1].Value.Equals("B", StringComparison.OrdinalIgnoreCase)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(payload))
            : QuotedPrintable(payload.Replace('_', ' '));
    });

    private static string Address(string header) =>
        AngleAddress().Match(header) is { Success: true } m ? m.Groups[1].Value : header.Trim();

    [GeneratedRegex("boundary=\"?([^\";]+)\"?", RegexOptions.IgnoreCase)]
    private static partial Regex BoundaryPattern();

    [GeneratedRegex(@"=\?[Uu][Tt][Ff]-8\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();

    [GeneratedRegex("<([^>]+)>")]
    private static partial Regex AngleAddress();
}
