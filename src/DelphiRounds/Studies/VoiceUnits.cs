namespace DelphiRounds.Studies;

/// <summary>
/// Whose voice counts in a study's figures (issue 18): one voice per person, or one voice per organisation.
/// The one place that says which unit a study has; pages and the report ask here.
/// </summary>
public static class VoiceUnits
{
    public const string Person = "person";
    public const string Organisation = "organisation";

    /// <summary>The study's unit of voice, as its rules (locked with round 1) say: one voice per person unless they say otherwise.</summary>
    public static string Of(Study study) => study.Rules.VoiceUnit == DelphiRounds.Consensus.VoiceUnit.Organisation ? Organisation : Person;
}
