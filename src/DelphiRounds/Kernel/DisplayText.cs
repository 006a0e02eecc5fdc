using FluentValidation;

namespace DelphiRounds.Kernel;

/// <summary>
/// Characters that change how text is displayed without being seen: direction embeddings and overrides
/// (U+202A–U+202E), direction isolates (U+2066–U+2069) and zero-width characters and marks (U+200B–U+200F).
/// In a name or an organisation they let one party pass for another ("‮gro.etinuretaw" read backwards), so
/// names are refused; in free text (items, rationales, answers) they serve no honest purpose and are removed.
/// The one rule every validator and every service uses.
/// </summary>
public static class DisplayText
{
    /// <summary>A text without direction or zero-width characters (what <see cref="HasControls"/> finds), as a regular expression.</summary>
    public const string PlainNamePattern = "^[^\\u200B-\\u200F\\u202A-\\u202E\\u2066-\\u2069]*$";

    public static bool IsControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or >= '\u200B' and <= '\u200F';

    /// <summary>True when <paramref name="text"/> holds a direction or zero-width character.</summary>
    public static bool HasControls(string? text) => text is not null && text.AsSpan().IndexOfAnyInRange('\u200B', '\u2069') >= 0 && text.Any(IsControl);

    /// <summary>The text without direction and zero-width characters; <paramref name="stripped"/> says whether any were removed.</summary>
    public static string? Strip(string? text, out bool stripped)
    {
        stripped = HasControls(text);
        return stripped ? new string(text!.Where(c => !IsControl(c)).ToArray()) : text;
    }

    public static string? Strip(string? text) => Strip(text, out _);

    /// <summary>The API's message for a name that holds such characters (field first, as every API message).</summary>
    public static string RefusedMessage(string field) =>
        $"{field}: direction overrides and zero-width characters (U+202A–U+202E, U+2066–U+2069, U+200B–U+200F) are not allowed in names; type the name as it should be read.";

    /// <summary>The API's notice that such characters were removed from free text.</summary>
    public static string StrippedNotice(string field) =>
        $"{field}: direction overrides and zero-width characters were removed from the text.";

    /// <summary>Refuses a name or an organisation holding direction or zero-width characters.</summary>
    /// <remarks>A regular expression (<see cref="PlainNamePattern"/>), so the OpenAPI document carries the rule as the field's <c>pattern</c>.</remarks>
    public static IRuleBuilderOptions<T, string?> PlainName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Matches(PlainNamePattern)
            .WithMessage("{PropertyName}: direction overrides and zero-width characters (U+202A–U+202E, U+2066–U+2069, U+200B–U+200F) are not allowed in names; type the name as it should be read.");
}
