using System.ComponentModel.DataAnnotations;

namespace DelphiRounds.Live;

/// <summary>How live aggregates are pushed. Bound from the <c>Live</c> section.</summary>
public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>Changed items are pushed at most this often, all changed items of a round in one message.</summary>
    [Range(10, 10_000)]
    public int PushIntervalMs { get; set; } = 100;

    /// <summary>Stakeholder-group figures are withheld below this many answers (anonymity); never less than 3.</summary>
    [Range(3, 100)]
    public int MinGroupAnswersShown { get; set; } = 3;
}
