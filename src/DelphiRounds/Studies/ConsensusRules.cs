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

    // Version 2's criteria. Each is null in a study locked under version 1 and then left out of the canonical
    // JSON, so a study locked before version 2 existed keeps the exact JSON (and hash) it was locked with.

    /// <summary>1 or 2 (the analyze contract's <c>criteria.version</c>). Absent in studies from before version 2: those are version 1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Version { get; init; }
    /// <summary>Version 2, rating items: how many categories at the "no" end of the scale count as disagreement (2 → 1–2).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? DisagreementBottomCategories { get; init; }
    /// <summary>Version 2, rating items: stable when the net change of the distribution is at most this (0.15).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxNetChange { get; init; }
    /// <summary>Version 2, numeric and year items: stable when the median moved at most this share of the item's allowed range (0.05).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxMedianShiftShareOfRange { get; init; }
    /// <summary>Version 2: the share of answers each camp needs for a polarised panel (0.25).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MinPole { get; init; }
    /// <summary>Version 2, ranking items: stable when Kendall's W moved at most this since the previous round (0.05).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxKendallWChange { get; init; }
    /// <summary>Version 2: the first round that can reach consensus; round 1 is answered before anyone saw the panel's figures.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MinRoundForConsensus { get; init; }
    /// <summary>
    /// Version 2: the k of threshold release (issue 15) — no figure anyone sees changes by fewer than this many
    /// people's answers, none is shown for fewer. At least <see cref="MinReleaseK"/>; locked and hashed with the rest
    /// when round 1 opens, so it cannot be lowered while the panel answers.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ReleaseK { get; init; }
    /// <summary>Version 2: rules of single items (by item id) that differ from the study's; locked with the rest.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SortedDictionary<string, ItemRules>? Items { get; init; }
    /// <summary>
    /// Whose voice counts (issue 18): <c>person</c> (one voice per person, what null means and what every study
    /// locked before this existed keeps) or <c>organisation</c> (one voice per organisation: the median of its members'
    /// answers, the mean rank for rankings). Locked and hashed with the rest when round 1 opens. Stored only for
    /// <c>organisation</c>, so rules with one voice per person keep the canonical JSON (and hash) they always had.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Unit { get; init; }

    /// <summary>The unit of voice these rules lock: one per person unless they say organisation.</summary>
    [JsonIgnore]
    public VoiceUnit VoiceUnit => Unit == "organisation" ? VoiceUnit.Organisation : VoiceUnit.Person;

    /// <summary>The name of the unit of voice: <c>person</c> or <c>organisation</c>.</summary>
    [JsonIgnore]
    public string UnitName => Voices.Name(VoiceUnit);

    /// <summary>These rules with one voice per <paramref name="unit"/>; one voice per person is stored as no unit at all.</summary>
    public ConsensusRules WithUnit(VoiceUnit unit) => this with { Unit = unit == VoiceUnit.Organisation ? "organisation" : null };

    /// <summary>
    /// Whose answers the verdict of an item that asks the self-rated expertise rests on: <c>all</c> (the default, also
    /// when absent) or <c>experts</c> (those who rated themselves 4 or 5). Absent in studies locked before it existed,
    /// which keeps their canonical JSON and hash.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VerdictBasis { get; init; }
    /// <summary>
    /// Under <c>verdictBasis: experts</c>: the items (ids) that asked the expertise when round 1 opened, written into the
    /// rules at the lock so that the hash covers which verdicts rest on the experts alone. Not set by the facilitator.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long[]? ExpertItems { get; init; }

    public const string BasisAll = "all";
    public const string BasisExperts = "experts";

    /// <summary>True when the locked rules say this item's verdict rests on the experts' answers alone.</summary>
    public bool VerdictFromExperts(long itemId) => VerdictBasis == BasisExperts && ExpertItems is { } ids && ids.Contains(itemId);

    /// <summary>The smallest k of threshold release: with two, each of two new answers is the difference less the other, which the one who gave it knows.</summary>
    public const int MinReleaseK = 3;

    /// <summary>The k of threshold release these rules lock (a study made before it was part of the rules: <see cref="MinReleaseK"/>).</summary>
    [JsonIgnore]
    public int EffectiveReleaseK => Math.Max(MinReleaseK, ReleaseK ?? MinReleaseK);

    /// <summary>The version that applies: a study without one was made under version 1.</summary>
    [JsonIgnore]
    public int RulesVersion => Version ?? 1;

    /// <summary>The rules a new study starts with: version 2.</summary>
    public static ConsensusRules Default { get; } = new ConsensusRules().AsVersion2();

    /// <summary>The rules of a study made before version 2 (what stored criteria without a version mean).</summary>
    public static ConsensusRules Version1 { get; } = new();

    /// <summary>These rules under version 2, with version 2's defaults for every criterion not set yet.</summary>
    public ConsensusRules AsVersion2() => this with
    {
        Version = 2,
        DisagreementBottomCategories = DisagreementBottomCategories ?? 2,
        MaxNetChange = MaxNetChange ?? 0.15,
        MaxMedianShiftShareOfRange = MaxMedianShiftShareOfRange ?? 0.05,
        MinPole = MinPole ?? 0.25,
        MaxKendallWChange = MaxKendallWChange ?? StoppingRule.DefaultMaxKendallWChange,
        MinRoundForConsensus = MinRoundForConsensus ?? 2,
        ReleaseK = ReleaseK ?? MinReleaseK,
    };

    /// <summary>The rules for one item: the study's, with the item's own where it has them.</summary>
    public ItemRules? For(long itemId) => Items?.GetValueOrDefault(itemId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A ranking item's smallest Kendall's W of a consensus: its own rule, else the study's.</summary>
    public double MinKendallWFor(long itemId) => For(itemId)?.MinKendallW ?? MinKendallW;

    /// <summary>A ranking item's largest change of Kendall's W that counts as stable: its own rule, else the study's (0.05 by default).</summary>
    public double MaxKendallWChangeFor(long itemId) => For(itemId)?.MaxKendallWChange ?? MaxKendallWChange ?? StoppingRule.DefaultMaxKendallWChange;

    private static readonly JsonSerializerOptions Canonical = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The canonical JSON: properties in declaration order, camelCase, no whitespace.</summary>
    public string ToCanonicalJson() => JsonSerializer.Serialize(this, Canonical);

    /// <summary>Stored criteria; without a <c>version</c> they are version 1 (studies made before version 2).</summary>
    public static ConsensusRules FromJson(string json) =>
        JsonSerializer.Deserialize<ConsensusRules>(json, Canonical) ?? Version1;

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

/// <summary>
/// Version 2: where one item's rules differ from the study's (a band, the largest IQR, the largest shift of
/// the median). Every field is optional; a missing one takes the study's value.
/// </summary>
public sealed record ItemRules
{
    /// <summary>[low, high] of the answers that agree with the statement.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[]? AgreementBand { get; init; }
    /// <summary>[low, high] of the answers that reject it; must not overlap the agreement band.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[]? DisagreementBand { get; init; }
    /// <summary>The largest interquartile range of a consensus, in the item's unit or scale points.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxIqr { get; init; }
    /// <summary>Numeric and year items: the largest shift of the median that still counts as stable, in the item's unit.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxMedianShift { get; init; }
    /// <summary>Ranking items: the smallest Kendall's W of a consensus on the order.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MinKendallW { get; init; }
    /// <summary>Ranking items: the largest change of Kendall's W since the previous round that still counts as stable.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxKendallWChange { get; init; }
}
