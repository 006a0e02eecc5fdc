using System.Globalization;
using System.Text;

namespace DelphiRounds.Kernel;

/// <summary>URL- and export-friendly identifiers made from names: "Woningcorporaties en huurders" → "woningcorporaties-huurders".</summary>
public static class Slug
{
    public static string From(string name)
    {
        var normalized = name.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(normalized.Length);
        var dash = false;
        foreach (var ch in normalized)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsAsciiLetterOrDigit(ch))
            {
                if (dash && sb.Length > 0) sb.Append('-');
                sb.Append(char.ToLowerInvariant(ch));
                dash = false;
            }
            else dash = true;
        }
        var slug = sb.ToString();
        return slug.Length == 0 ? "group" : slug.Length > 60 ? slug[..60].TrimEnd('-') : slug;
    }
}
