using System.Globalization;

namespace DelphiRounds.Answers;

/// <summary>
/// How a number that a person typed into the questionnaire is read: a decimal comma (12,5) or point (12.5), no
/// thousands separators, the same in every language, so a Dutch and an English participant typing the same digits
/// give the same answer. The API takes JSON numbers and needs none of this; both then meet the same answer rules.
/// </summary>
public static class TypedNumbers
{
    /// <summary>The number, null for an empty field; false when the text is not a number.</summary>
    public static bool TryRead(string? text, out double? value)
    {
        value = null;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0) return true;
        if (!double.TryParse(trimmed.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return false;
        value = v;
        return true;
    }
}
