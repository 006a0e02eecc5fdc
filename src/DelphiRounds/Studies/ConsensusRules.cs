using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DelphiRounds.Consensus;

namespace DelphiRounds.Studies;

/// <summary>
/// A study's consensus criteria, fixed before round 1 and locked when it opens. Stored as canonical
/// JSON (keys in a fixed order, no whitespace) whose SHA-256 is shown to everyone.
/// </summary>
public sealed record ConsensusRules
{
    /// <summary>Rating items: consensus needs an interquartile range of at most this many scale points.</summary>
    public double MaxIqr { get; init; } = 1;
    /// <summary>Numeric and year items: consensus needs an interquartile range of at most this share of the item's allowed range (0.1: 10 points on 0–100%).</summary>
    public double MaxIqrShareOfRange { get; init; } = 0.1;
    /// <summary>Ranking items: consensus needs Kendall's W of at least this (0.7: strong agreement).</summary>
    public double MinKendallW { get; init; } = 0.7;
    /// <summary>Rating items: how many categories at the agreeing end of the scale count as agreement (e.g. 2 → 6–7 on 1–7).</summary>
    public int AgreementTopCategories { get; init; } = 2;
    /// <summary>Rating items: consensus needs at least this share of answers in the agreement band.</summary>
    public double MinAgreement { get; init; } = 0.7;
    /// <summary>Answers count as stable when at most this share of the panel changed its answer since the last round.</summary>
    public double MaxChangedFraction { get; init; } = 0.15;
    /// <summary>Consensus must also hold within every stakeholder group that has at least <see cref="MinGroupSize"/> answers.</summary>
    public bool RequireEveryGroup { get; init; } = true;
    /// <summary>Smallest stakeholder group whose figures are judged (and shown).</summary>
    public int MinGroupSize { get; init; } = 3;
    /// <summary>The study stops after this many rating rounds, whatever the verdicts.</summary>
    public int MaxRounds { get; init; } = 4;
    /// <summary>Hyndman–Fan quantile type used for median and quartiles (7 = R's and spreadsheets' default).</summary>
    public int QuantileMethod { get; init; } = 7;

    public static ConsensusRules Default { get; } = new();

    private static readonly JsonSerializerOptions Canonical = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The canonical JSON: properties in declaration order, camelCase, no whitespace.</summary>
    public string ToCanonicalJson() => JsonSerializer.Serialize(this, Canonical);

    public static ConsensusRules FromJson(string json) =>
        JsonSerializer.Deserialize<ConsensusRules>(json, Canonical) ?? Default;

    /// <summary>Lowercase hex SHA-256 of the canonical JSON.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToCanonicalJson())));


    /// <summary>The analyze contract's criteria for one rating item on <paramref name="scale"/>.</summary>
    public ConsensusCriteria ForRating(RatingScale scale) => new()
    {
        MaxIqr = MaxIqr,
        AgreementBand = (Math.Max(scale.Min, scale.Max - AgreementTopCategories + 1), scale.Max),
        MinAgreement = MinAgreement,
        MaxChangedFraction = MaxChangedFraction,
        RequireEveryGroup = RequireEveryGroup,
        MinGroupSize = MinGroupSize,
    };
}
