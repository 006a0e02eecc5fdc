namespace DelphiRounds.Pages;

/// <summary>A labelled text field with its hint and its error message next to it (partial <c>_TextField</c>).</summary>
public sealed record TextField(
    string Name, string Label, string? Value, string? Error,
    string? Hint = null, bool Multiline = false, bool Required = false, string? InputMode = null, string Type = "text", string? Id = null, string? AutoComplete = null)
{
    public string FieldId => Id ?? "field-" + Name.ToLowerInvariant().Replace('.', '-');
}
