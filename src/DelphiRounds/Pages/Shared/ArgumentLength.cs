namespace DelphiRounds.Pages;

/// <summary>
/// How much of an argument a reader takes in at once: participants see the first <see cref="ShownCharacters"/>
/// characters (cut at a word) with "read more"; the facilitator sees longer ones flagged in the report.
/// </summary>
public static class ArgumentLength
{
    public const int ShownCharacters = 600;

    public static bool IsLong(string? text) => text is { Length: > ShownCharacters };

    /// <summary>The text up to <see cref="ShownCharacters"/>, cut after the last whole word, with an ellipsis.</summary>
    public static string Shortened(string text)
    {
        if (!IsLong(text)) return text;
        var cut = text.LastIndexOfAny([' ', '\n', '\t'], ShownCharacters);
        return text[..(cut > ShownCharacters / 2 ? cut : ShownCharacters)].TrimEnd() + " …";
    }
}
