namespace DelphiRounds.Studies;

/// <summary>
/// Whose voice counts in a study's figures (issue 18): one voice per person, or one voice per organisation.
/// The one place that says which unit a study has; pages and the report ask here.
/// </summary>
public static class VoiceUnits
{
    public const string Person = "person";
    public const string Organisation = "organisation";

    /// <summary>
    /// The study's unit of voice. Until the study carries its own unit (issue 18 item 3), every study counts one
    /// voice per person — as it always has.
    /// </summary>
    public static string Of(Study study) => Person;
}
