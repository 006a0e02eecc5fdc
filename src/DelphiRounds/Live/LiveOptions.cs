using System.ComponentModel.DataAnnotations;

namespace DelphiRounds.Live;

/// <summary>How live aggregates are pushed. Bound from the <c>Live</c> section.</summary>
public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>Changed items are pushed at most this often, all changed items of a round in one message.</summary>
    [Range(10, 10_000)]
    public int PushIntervalMs { get; set; } = 100;

    /// <summary>
    /// The widest the tick gets under load: when a tick's fan-out does not finish within the tick, the next tick is
    /// wider (up to this), and narrower again, down to <see cref="PushIntervalMs"/>, once it does (see <see cref="AdaptiveTick"/>).
    /// </summary>
    [Range(10, 10_000)]
    public int MaxPushIntervalMs { get; set; } = 250;

    /// <summary>For tests only: every tick that pushes something waits this long as well, as a fan-out too slow for its tick would.</summary>
    [Range(0, 10_000)]
    public int TestSlowFanOutMs { get; set; }

    /// <summary>Stakeholder-group figures are withheld below this many answers (anonymity); never less than 3.</summary>
    [Range(3, 100)]
    public int MinGroupAnswersShown { get; set; } = 3;

    /// <summary>
    /// <c>coalesced</c> (default): incremental aggregates, one push per round per tick with every changed item.
    /// <c>naive</c>: the benchmark's baseline — on every answer, recompute the item from the database and push it to everyone.
    /// </summary>
    [RegularExpression("^(coalesced|naive)$")]
    public string Variant { get; set; } = LiveVariants.Coalesced;

    public bool Naive => Variant == LiveVariants.Naive;

    /// <summary>
    /// For the benchmark only: participants' pushes also carry <c>acceptedTimestamp</c> (the server's monotonic
    /// clock at acceptance), from which the load generator measures push latency. Off: only facilitators get it.
    /// </summary>
    public bool TimestampsToParticipants { get; set; }
}

/// <summary>The values of <see cref="LiveOptions.Variant"/>.</summary>
public static class LiveVariants
{
    public const string Coalesced = "coalesced";
    public const string Naive = "naive";
}
