namespace DelphiRounds.Consensus;

/// <summary>The kind of an item as the statistics see it.</summary>
public enum ItemKind
{
    /// <summary>Ordered integer categories <c>scale.min..scale.max</c>.</summary>
    Rating,
    /// <summary>Any real number (a percentage, PJ/year, a year).</summary>
    Numeric,
    /// <summary>A ranking of options; analysed with Kendall's W.</summary>
    Ranking,
}

/// <summary>The categories of a rating item, both ends inclusive.</summary>
public sealed record RatingScale(int Min, int Max)
{
    /// <summary>Number of categories on the scale.</summary>
    public int Categories => Max - Min + 1;
}

/// <summary>One participant's answer to a rating or numeric item.</summary>
/// <param name="Participant">Pseudonymous participant id.</param>
/// <param name="Group">Stakeholder group slug, or null when the participant belongs to none.</param>
/// <param name="Value">The answer.</param>
public sealed record Response(string Participant, string? Group, double Value)
{
    /// <summary>The organisation the participant answers for; needed only when the item counts one voice per organisation.</summary>
    public string? Organisation { get; init; }
}

/// <summary>
/// The criteria both versions of the consensus rules read the same way. Every bound is optional; a criterion
/// that is not given is not judged. Equality passes.
/// </summary>
public abstract record ConsensusCriteriaBase
{
    /// <summary>Agreement fails when <c>iqr &gt; MaxIqr</c>.</summary>
    public double? MaxIqr { get; init; }
    /// <summary>Inclusive band [low, high] of values that count as agreement (with the statement: the "yes" end).</summary>
    public (double Low, double High)? AgreementBand { get; init; }
    /// <summary>Agreement fails when the share of answers in the band is below this; needs <see cref="AgreementBand"/>.</summary>
    public double? MinAgreement { get; init; }
    /// <summary>The share of pairs whose answer changed between rounds may be at most this (whole panel only).</summary>
    public double? MaxChangedFraction { get; init; }
    /// <summary>Also judge every stakeholder group with at least <see cref="MinGroupSize"/> answers.</summary>
    public bool RequireEveryGroup { get; init; }
    /// <summary>Smallest group that is judged when <see cref="RequireEveryGroup"/> is set (and, in version 2, that can be a pole).</summary>
    public int MinGroupSize { get; init; } = 1;

    /// <summary>A size of 0 or less still leaves out a group without answers: it has nothing to judge.</summary>
    internal int SmallestJudgedGroup => Math.Max(1, MinGroupSize);
}

/// <summary>
/// The consensus criteria of version 1 of the analyze contract: consensus fails on a breach of any bound,
/// and a changed fraction above <see cref="ConsensusCriteriaBase.MaxChangedFraction"/> fails it too.
/// </summary>
public sealed record ConsensusCriteria : ConsensusCriteriaBase;

/// <summary>The answers to a rating or numeric item, and the criteria of one version of the consensus rules.</summary>
/// <typeparam name="TCriteria">The version's criteria.</typeparam>
public abstract record ItemInputBase<TCriteria> where TCriteria : ConsensusCriteriaBase
{
    /// <summary>Rating or numeric.</summary>
    public required ItemKind Kind { get; init; }
    /// <summary>Required for <see cref="ItemKind.Rating"/>, absent for numeric.</summary>
    public RatingScale? Scale { get; init; }
    /// <summary>Hyndman–Fan type 1–9 (R's numbering). Default 7.</summary>
    public int QuantileMethod { get; init; } = 7;
    /// <summary>This round's answers.</summary>
    public required IReadOnlyList<Response> Responses { get; init; }
    /// <summary>The previous round's answers (with their groups then); null in a first round.</summary>
    public IReadOnlyList<Response>? PreviousRound { get; init; }
    /// <summary>Null for no criteria: then there is no consensus (nor, in version 2, fragility or verdict).</summary>
    public TCriteria? Criteria { get; init; }
    /// <summary>
    /// Whose voice counts: one per person (the default when null) or one per organisation (see <see cref="Voices"/>).
    /// Null when the input does not say; the output then does not say either.
    /// </summary>
    public VoiceUnit? Unit { get; init; }
    /// <summary>
    /// Numeric answers that are calendar years (an extension of the contract: input field <c>"year": true</c>).
    /// A year has no meaningful zero, so its coefficient of variation means nothing: <c>cv</c> is null throughout.
    /// </summary>
    public bool Year { get; init; }

    /// <summary>A numeric item has no categories, whatever scale it was given.</summary>
    internal RatingScale? ScaleIfRating => Kind == ItemKind.Rating ? Scale : null;
}

/// <summary>Input for a rating or numeric item judged under version 1 of the consensus rules.</summary>
public sealed record ItemInput : ItemInputBase<ConsensusCriteria>;

/// <summary>
/// The statistics of one set of answers (the whole panel or one stakeholder group).
/// A value that is undefined (the SD of one answer, anything of zero answers) is null.
/// </summary>
public sealed record Statistics
{
    public int N { get; init; }
    public double? Mean { get; init; }
    public double? Sd { get; init; }
    public double? Cv { get; init; }
    public double? Median { get; init; }
    public double? Q1 { get; init; }
    public double? Q3 { get; init; }
    public double? Iqr { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    /// <summary>Count per category, every category of the scale present, ascending (rating only).</summary>
    public IReadOnlyDictionary<int, int>? Distribution { get; init; }
    /// <summary>Share of answers in the agreement band (only when the criteria give a band).</summary>
    public double? AgreementInBand { get; init; }
    /// <summary>Tastle–Wierman consensus (rating only).</summary>
    public double? TastleWierman { get; init; }
    /// <summary>Van der Eijk's agreement A (rating only).</summary>
    public double? VanDerEijkA { get; init; }
    public double? BimodalityCoefficient { get; init; }
}

/// <summary>How answers moved between two rounds, over the participants present in both.</summary>
public sealed record Stability(int Pairs, double? ChangedFraction, double? MeanAbsoluteChange, double? WilcoxonP);

/// <summary>Whether the criteria hold, and one readable line per criterion that fails.</summary>
public sealed record ConsensusResult(bool Reached, IReadOnlyList<string> Reasons);

/// <summary>What both versions of the consensus rules report of a rating or numeric item.</summary>
public abstract record ItemAnalysisBase
{
    /// <summary>Rating or numeric.</summary>
    public required ItemKind Kind { get; init; }
    /// <summary>Hyndman–Fan type used for median and quartiles.</summary>
    public required int QuantileMethod { get; init; }
    /// <summary>The whole panel's statistics.</summary>
    public required Statistics Overall { get; init; }
    /// <summary>Every group present in the answers, by slug, in ordinal order.</summary>
    public required IReadOnlyDictionary<string, Statistics> Groups { get; init; }

    /// <summary>
    /// The analysis of a year item (<paramref name="year"/>) with null coefficients of variation for the panel and every
    /// group, where sd / mean means nothing; any other analysis as it is. Shared by both versions of the contract.
    /// </summary>
    internal static TAnalysis NoCvForYears<TAnalysis>(bool year, TAnalysis analysis) where TAnalysis : ItemAnalysisBase
    {
        if (!year) return analysis;
        return (TAnalysis)((ItemAnalysisBase)analysis with
        {
            Overall = analysis.Overall with { Cv = null },
            Groups = analysis.Groups.ToDictionary(g => g.Key, g => g.Value with { Cv = null }, StringComparer.Ordinal),
        });
    }
    /// <summary>
    /// The criteria's agreement band that <see cref="Statistics.AgreementInBand"/> refers to; null without one.
    /// Lets a writer tell "no band" (field absent) from "a band but no answers" (field null).
    /// </summary>
    public (double Low, double High)? AgreementBand { get; init; }
    /// <summary>The unit of voice the figures count, as the input stated it (null: not stated, one per person).</summary>
    public VoiceUnit? Unit { get; init; }
    /// <summary>With one voice per organisation: how many people's answers the organisations' answers were made of.</summary>
    public int? People { get; init; }
}

/// <summary>The analysis of a rating or numeric item under version 1 of the consensus rules: the analyze contract's output.</summary>
public sealed record ItemAnalysis : ItemAnalysisBase
{
    /// <summary>Present only when a previous round was given.</summary>
    public Stability? Stability { get; init; }
    /// <summary>Present only when criteria were given.</summary>
    public ConsensusResult? Consensus { get; init; }
}

/// <summary>One participant's ranking; ties carry mid-ranks (2.5, 2.5).</summary>
public sealed record RankingResponse(string Participant, string? Group, IReadOnlyDictionary<string, double> Ranks)
{
    /// <summary>The organisation the participant ranks for; needed only with one voice per organisation.</summary>
    public string? Organisation { get; init; }
}

/// <summary>Input for a ranking item.</summary>
public sealed record RankingInput(IReadOnlyList<RankingResponse> Rankings)
{
    /// <summary>Whose voice counts (null: not stated, one per person).</summary>
    public VoiceUnit? Unit { get; init; }
}

/// <summary>Kendall's W (tie-corrected) with its χ² test, as <c>irr::kendall(correct = TRUE)</c>.</summary>
public sealed record RankingAnalysis
{
    /// <summary>Raters.</summary>
    public required int M { get; init; }
    /// <summary>Options.</summary>
    public required int N { get; init; }
    public double? KendallW { get; init; }
    public double? ChiSquare { get; init; }
    public required int Df { get; init; }
    public double? PValue { get; init; }
    /// <summary>Mean rank per option, in the order the options were first seen.</summary>
    public required IReadOnlyDictionary<string, double> MeanRanks { get; init; }
    /// <summary>The unit of voice the raters are, as the input stated it (null: not stated, one per person).</summary>
    public VoiceUnit? Unit { get; init; }
    /// <summary>With one voice per organisation: how many people's rankings the organisations' rankings were made of.</summary>
    public int? People { get; init; }
}

/// <summary>The stopping rule's verdict for one item after a round closes.</summary>
public enum StoppingVerdict
{
    /// <summary>The criteria hold: the item has reached consensus.</summary>
    Consensus,
    /// <summary>Answers no longer move, but the criteria fail: the panel agrees to disagree.</summary>
    StableDissent,
    /// <summary>Neither: ask again next round.</summary>
    Continue,
}

/// <summary>A refusal of bad input, naming the field at fault with a JSON path such as <c>responses[3].value</c>.</summary>
public sealed class AnalysisInputException(string field, string message)
    : Exception($"{field}: {message}")
{
    /// <summary>Path of the field at fault, e.g. <c>responses[3].value</c> (empty for the whole document).</summary>
    public string Field { get; } = field;
    /// <summary>What is wrong with it, without the path.</summary>
    public string Problem { get; } = message;
}
