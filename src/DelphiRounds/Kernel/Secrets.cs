using System.Security.Cryptography;
using System.Text;

namespace DelphiRounds.Kernel;

/// <summary>
/// Random bearer secrets (invitation links, API tokens, signing links). A secret is shown once and
/// stored only as its SHA-256: it carries 256 random bits, so a fast hash is enough to make the
/// stored value useless to someone who reads the database.
/// </summary>
public static class Secrets
{
    /// <summary>Prefix of a facilitator's personal API token.</summary>
    public const string FacilitatorTokenPrefix = "dlf_";
    /// <summary>Prefix of a participant's invitation token.</summary>
    public const string ParticipantTokenPrefix = "dlp_";

    /// <summary>A new random secret: the prefix and 43 URL-safe characters (256 bits).</summary>
    public static string NewToken(string prefix) => prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The stored form of a secret: lowercase hex SHA-256 of its UTF-8 bytes.</summary>
    public static string Hash(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A short random pseudonym for answers and exports, e.g. <c>p-3kq9x2mf</c>.</summary>
    public static string NewPseudonym()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        Span<char> chars = stackalloc char[8];
        for (var i = 0; i < chars.Length; i++) chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        return "p-" + new string(chars);
    }

    /// <summary>A readable random password for a new facilitator account.</summary>
    public static string NewPassword() => Base64Url(RandomNumberGenerator.GetBytes(15));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>True when <paramref name="token"/> looks like a secret with the prefix (cheap check before a lookup).</summary>
    public static bool LooksLike(string? token, string prefix) =>
        token is not null && token.Length == prefix.Length + 43 && token.StartsWith(prefix, StringComparison.Ordinal)
        && token.AsSpan(prefix.Length).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;
}
