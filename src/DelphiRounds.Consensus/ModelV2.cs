namespace DelphiRounds.Consensus;

/// <summary>
/// The consensus criteria of version 2 of the analyze contract: consensus for and against, stability by
/// net change (rating) or median shift (numeric) beside the changed fraction, and the share each camp needs
/// to call a panel polarised. Every bound is optional; a criterion that is not given is not judged. Equality passes.
/// </summary>
public sealed record ConsensusCriteriaV2 : ConsensusCriteriaBase
{
    /// <summary>Inclusive band [low, high] of the "no" end; needs <see cref="ConsensusCriteriaBase.AgreementBand"/> and must not overlap it.</summary>
    public (double Low, double High)? DisagreementBand { get; init; }
    /// <summary>Stability of a rating item: the net change of the distribution may be at most this (e.g. 0.15).</summary>
    public double? MaxNetChange { get; init; }
    /// <summary>Stability of a numeric item: the median may move at most this much, in the item's unit; above 0.</summary>
    public double? MaxMedianShift { get; init; }
    /// <summary>The share of answers each camp needs for the panel to count as polarised.</summary>
    public double MinPole { get; init; } = 0.25;
}

/// <summary>Input for a rating or numeric item judged under version 2 of the consensus rules.</summary>
public sealed record ItemInputV2 : ItemInputBase<ConsensusCriteriaV2>;

/// <summary>Which way a panel agrees.</summary>
public enum ConsensusDirection
{
    /// <summary>Agreement in the agreement band (or, with only a largest IQR, agreement on a value).</summary>
    For,
    /// <summary>Agreement in the disagreement band: the panel rejects the statement.</summary>
    Against,
}

/// <summary>Version 2's verdict for one item.</summary>
public enum ConsensusVerdict
{
    /// <summary>Consensus in the agreement band.</summary>
    ConsensusFor,
    /// <summary>Consensus in the disagreement band.</summary>
    ConsensusAgainst,
    /// <summary>No consensus, but the stability criteria hold: the panel agrees to disagree.</summary>
    StableDissent,
    /// <summary>Neither: ask again next round.</summary>
    Continue,
}

/// <summary>
/// How answers moved between two rounds under version 2: the version 1 figures over the pairs, plus
/// the net change of the whole distribution (rating) or the shift of the median (numeric).
/// </summary>
/// <param name="Pairs">Participants present in both rounds.</param>
/// <param name="ChangedFraction">Share of the pairs whose answer changed; null with no pairs.</param>
/// <param name="MeanAbsoluteChange">Mean absolute change over the pairs; null with no pairs.</param>
/// <param name="WilcoxonP">Two-sided Wilcoxon signed-rank p; null when no pair changed.</param>
/// <param name="NetChange">Rating only: half the sum over categories of the change in share; null otherwise or when a round has no answers.</param>
/// <param name="MedianShift">Numeric only: the absolute change of the median; null otherwise or when a round has no answers.</param>
/// <param name="Stable">Whether every stability criterion with a figure holds; null when none is left to judge.</param>
public sealed record StabilityV2(
    int Pairs, double? ChangedFraction, double? MeanAbsoluteChange, double? WilcoxonP,
    double? NetChange, double? MedianShift, bool? Stable);

/// <summary>Version 2's consensus: its direction, why it is not reached (prose), and how fragile it is.</summary>
/// <param name="Direction">For, against, or null (no consensus, a split panel, or no agreement criterion).</param>
/// <param name="Reasons">One readable line per failing criterion; prefixed <c>for: </c> / <c>against: </c> when there is a disagreement band.</param>
/// <param name="FlipsWithoutOne">How many single answers, each removed alone, would change the direction.</param>
/// <param name="FlipsWithoutGroup">The groups, sorted by name, whose removal would change the direction.</param>
public sealed record ConsensusResultV2(
    ConsensusDirection? Direction, IReadOnlyList<string> Reasons, int FlipsWithoutOne, IReadOnlyList<string> FlipsWithoutGroup)
{
    /// <summary>True when the panel agrees either way.</summary>
    public bool Reached => Direction is not null;
}

/// <summary>Where the panel is divided: whether both camps are large, and which groups stand in each.</summary>
/// <param name="Polarised">Both bands hold at least the smallest pole's share of answers, with at least 4 answers.</param>
/// <param name="For">Groups (with enough answers) whose median lies in the agreement band, sorted.</param>
/// <param name="Against">Groups (with enough answers) whose median lies in the disagreement band, sorted.</param>
public sealed record Dissensus(bool Polarised, IReadOnlyList<string> For, IReadOnlyList<string> Against);

/// <summary>Who left since the previous round, and whether the direction depends on them.</summary>
/// <param name="Dropped">Participants of the previous round with no answer now.</param>
/// <param name="DirectionWithDropouts">The direction judged with their previous answers added back; only meaningful with criteria.</param>
public sealed record Attrition(int Dropped, ConsensusDirection? DirectionWithDropouts);

/// <summary>The analysis of a rating or numeric item under version 2 of the consensus rules.</summary>
public sealed record ItemAnalysisV2 : ItemAnalysisBase
{
    /// <summary>The criteria's disagreement band; null without one (then the shares below are null too).</summary>
    public (double Low, double High)? DisagreementBand { get; init; }
    /// <summary>The panel's share of answers in the disagreement band; null without a band or without answers.</summary>
    public double? DisagreementInBand { get; init; }
    /// <summary>Each group's share of answers in the disagreement band, keyed like <see cref="ItemAnalysisBase.Groups"/>; empty without a band.</summary>
    public required IReadOnlyDictionary<string, double?> GroupDisagreementInBand { get; init; }
    /// <summary>Present only when a previous round was given.</summary>
    public StabilityV2? Stability { get; init; }
    /// <summary>Present only when criteria were given.</summary>
    public ConsensusResultV2? Consensus { get; init; }
    /// <summary>Present only when both bands were given.</summary>
    public Dissensus? Dissensus { get; init; }
    /// <summary>Present only when a previous round was given.</summary>
    public Attrition? Attrition { get; init; }
    /// <summary>Present only when criteria were given.</summary>
    public ConsensusVerdict? Verdict { get; init; }
}
