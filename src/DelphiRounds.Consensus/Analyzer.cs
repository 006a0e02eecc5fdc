using System.Globalization;

namespace DelphiRounds.Consensus;

/// <summary>
/// The analyze contract: statistics, agreement, stability and the consensus verdict of one item
/// (rating or numeric), and Kendall's W for a ranking. Refuses bad input with an
/// <see cref="AnalysisInputException"/> that names the field, e.g. <c>responses[3].value</c>.
/// </summary>
public static class Analyzer
{
    /// <summary>
    /// The widest rating scale accepted. Far beyond any questionnaire (0..1000 is per mille) and small
    /// enough that a typo like max 70000 is refused instead of printing a 70,000-key distribution.
    /// </summary>
    public const int MaxCategories = 1001;

    /// <summary>Analyses a rating or numeric item.</summary>
    /// <exception cref="AnalysisInputException">The input breaks a rule of the contract.</exception>
    public static ItemAnalysis Analyze(ItemInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Validate(input);
        return AnalyzeVoices<ItemInput, ConsensusCriteria, ItemAnalysis>(input, AnalyzeValidated);
    }

    /// <summary>
    /// What both versions of the contract do with validated input: analyse it (<paramref name="analyze"/>, the version's
    /// own figures) per person, or with one voice per organisation the organisations' answers as people's are (the figures
    /// say what they count, and how many people's answers they were made of); a year item without coefficients of variation.
    /// </summary>
    internal static TAnalysis AnalyzeVoices<TInput, TCriteria, TAnalysis>(TInput input, Func<TInput, TAnalysis> analyze)
        where TInput : ItemInputBase<TCriteria> where TCriteria : ConsensusCriteriaBase where TAnalysis : ItemAnalysisBase
    {
        ItemAnalysisBase analysis = input.Unit == VoiceUnit.Organisation
            ? (ItemAnalysisBase)analyze(Voices.ByOrganisation<TInput, TCriteria>(input)) with { Unit = VoiceUnit.Organisation, People = input.Responses.Count }
            : (ItemAnalysisBase)analyze(input) with { Unit = input.Unit };
        return ItemAnalysisBase.NoCvForYears(input.Year, (TAnalysis)analysis);
    }

    private static ItemAnalysis AnalyzeValidated(ItemInput input)
    {

        var band = input.Criteria?.AgreementBand;
        int method = input.QuantileMethod;

        var (overall, groupStatistics) = ComputePanel(input.Responses, method, input.ScaleIfRating, band);
        var stability = input.PreviousRound is null ? null : ComputeStability(input.Responses, input.PreviousRound);
        return new ItemAnalysis
        {
            Kind = input.Kind,
            QuantileMethod = method,
            Overall = overall,
            Groups = groupStatistics,
            Stability = stability,
            Consensus = input.Criteria is null ? null : ConsensusJudge.Judge(overall, groupStatistics, stability, input.Criteria),
            AgreementBand = band,
        };
    }

    /// <summary>Analyses a ranking item: Kendall's W corrected for ties, its χ² test and the mean rank per option.</summary>
    /// <exception cref="AnalysisInputException">The input breaks a rule of the contract.</exception>
    public static RankingAnalysis AnalyzeRanking(RankingInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var options = ValidateRanking(input);
        if (input.Unit == VoiceUnit.Organisation)
        {
            return Kendall.Analyze(Voices.ByOrganisation(input.Rankings), options) with
            {
                Unit = VoiceUnit.Organisation, People = input.Rankings.Count,
            };
        }
        return Kendall.Analyze(input.Rankings, options) with { Unit = input.Unit };
    }

    /// <summary>The statistics of the whole panel and of every group present in <paramref name="responses"/>.</summary>
    internal static (Statistics Overall, Dictionary<string, Statistics> Groups) ComputePanel(
        IReadOnlyList<Response> responses, int method, RatingScale? scale, (double Low, double High)? band)
    {
        var overall = Compute(responses.Select(r => r.Value).ToArray(), method, scale, band);
        var groups = new Dictionary<string, Statistics>(StringComparer.Ordinal);
        foreach (var (group, values) in ByGroup(responses)) groups.Add(group, Compute(values.ToArray(), method, scale, band));
        return (overall, groups);
    }

    /// <summary>The answers of each group, groups in ordinal order; answers without a group are left out.</summary>
    internal static SortedDictionary<string, List<double>> ByGroup(IEnumerable<Response> responses)
    {
        var groups = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var response in responses)
        {
            if (response.Group is null) continue;
            if (!groups.TryGetValue(response.Group, out var values)) groups.Add(response.Group, values = []);
            values.Add(response.Value);
        }
        return groups;
    }

    /// <summary>
    /// The statistics of one set of answers, computed directly from the values (sorting a copy): the
    /// reference the incremental aggregates are checked against.
    /// </summary>
    internal static Statistics Compute(double[] values, int method, RatingScale? scale, (double Low, double High)? band)
    {
        int n = values.Length;
        if (n == 0) return Describe.Empty(scale);

        var sorted = (double[])values.Clone();
        Array.Sort(sorted);

        var sum = new CompensatedSum();
        foreach (var x in sorted) sum.Add(x);
        double mean = sum.Value / n;
        // A second pass corrects the last bits of the mean, as R's mean() does.
        var residual = new CompensatedSum();
        foreach (var x in sorted) residual.Add(x - mean);
        mean += residual.Value / n;

        CompensatedSum c2 = default, c3 = default, c4 = default;
        foreach (var x in sorted)
        {
            double d = x - mean;
            double d2 = d * d;
            c2.Add(d2);
            c3.Add(d2 * d);
            c4.Add(d2 * d2);
        }

        int[]? counts = null;
        if (scale is not null)
        {
            counts = new int[scale.Categories];
            foreach (var x in sorted) counts[(int)x - scale.Min]++;
        }
        int? inBand = null;
        if (band is { } b)
        {
            int k = 0;
            foreach (var x in sorted) if (InBand(x, b)) k++;
            inBand = k;
        }

        var summary = new Summary(n, mean, c2.Value, c3.Value, c4.Value, sorted[0], sorted[^1], k => sorted[k - 1]);
        return Describe.From(summary, method, scale, counts, inBand);
    }

    internal static Stability ComputeStability(IReadOnlyList<Response> current, IReadOnlyList<Response> previous)
    {
        var before = new Dictionary<string, double>(previous.Count, StringComparer.Ordinal);
        foreach (var response in previous) before[response.Participant] = response.Value;

        var differences = new List<double>();
        foreach (var response in current)
        {
            if (before.TryGetValue(response.Participant, out var old)) differences.Add(response.Value - old);
        }
        if (differences.Count == 0) return new Stability(0, null, null, null);

        int changed = 0;
        var absolute = new CompensatedSum();
        foreach (var d in differences)
        {
            if (d != 0) changed++;
            absolute.Add(Math.Abs(d));
        }
        return new Stability(
            differences.Count,
            (double)changed / differences.Count,
            absolute.Value / differences.Count,
            SignedRank.TwoSidedP(differences));
    }

    private static void Validate(ItemInput input)
    {
        ValidateAnswers(input);
        if (input.Criteria is not null) ValidateCriteria(input.Criteria);
    }

    /// <summary>The rules of the contract for everything of an item but its criteria, which differ by version.</summary>
    internal static void ValidateAnswers<TCriteria>(ItemInputBase<TCriteria> input) where TCriteria : ConsensusCriteriaBase
    {
        if (input.Kind == ItemKind.Ranking) throw new AnalysisInputException("kind", "a ranking item has rankings, not responses");
        if (!Enum.IsDefined(input.Kind)) throw new AnalysisInputException("kind", $"{input.Kind} is not an item kind");
        if (input.Kind == ItemKind.Rating) ValidateScale(input.Scale);
        if (!Quantiles.IsMethod(input.QuantileMethod))
        {
            throw new AnalysisInputException("quantileMethod", $"{input.QuantileMethod} is not a Hyndman–Fan type; use 1 to 9 (7 is R's default)");
        }
        if (input.Responses is null) throw new AnalysisInputException("responses", "is required");

        ValidateResponses(input.Responses, "responses", input.ScaleIfRating);
        if (input.PreviousRound is not null) ValidateResponses(input.PreviousRound, "previousRound", input.ScaleIfRating);
    }

    private static void ValidateScale(RatingScale? scale)
    {
        if (scale is null) throw new AnalysisInputException("scale", "is required for a rating item");
        if (scale.Min > scale.Max) throw new AnalysisInputException("scale", $"min {scale.Min} is above max {scale.Max}");
        long categories = (long)scale.Max - scale.Min + 1;
        if (categories < 3)
        {
            throw new AnalysisInputException("scale", $"{scale.Min}..{scale.Max} has {categories} categories; agreement A needs at least 3");
        }
        if (categories > MaxCategories)
        {
            throw new AnalysisInputException("scale", $"{scale.Min}..{scale.Max} has {categories} categories; at most {MaxCategories} are supported");
        }
    }

    private static void ValidateResponses(IReadOnlyList<Response> responses, string name, RatingScale? scale)
    {
        var seen = new Dictionary<string, int>(responses.Count, StringComparer.Ordinal);
        for (int i = 0; i < responses.Count; i++)
        {
            var field = $"{name}[{i}]";
            var response = responses[i] ?? throw new AnalysisInputException(field, "is missing");
            if (response.Participant is null) throw new AnalysisInputException($"{field}.participant", "is required");
            if (!seen.TryAdd(response.Participant, i))
            {
                throw new AnalysisInputException($"{field}.participant",
                    $"'{response.Participant}' answers twice (also {name}[{seen[response.Participant]}]); one answer per participant");
            }
            CheckValue(response.Value, $"{field}.value", scale);
        }
    }

    /// <summary>The rules for one answer: finite; for a rating also a whole number on the scale (5.0 is 5).</summary>
    internal static void CheckValue(double value, string field, RatingScale? scale)
    {
        if (!double.IsFinite(value)) throw new AnalysisInputException(field, $"{Show(value)} is not a finite number");
        if (scale is null) return;
        if (value != Math.Floor(value))
        {
            throw new AnalysisInputException(field, $"{Show(value)} is not a whole number; a rating is a point of the scale {scale.Min}..{scale.Max}");
        }
        if (value < scale.Min || value > scale.Max)
        {
            throw new AnalysisInputException(field, $"{Show(value)} is outside the scale {scale.Min}..{scale.Max}");
        }
    }

    private static void ValidateCriteria(ConsensusCriteria criteria)
    {
        ValidateSharedBounds(criteria);
        if (criteria.AgreementBand is { } band) ValidateBand(band, "criteria.agreementBand");
        ValidateSharedNeeds(criteria);
    }

    // The shared rules come in two parts because version 2 checks its own bounds and bands between them,
    // and of several faults the one named first must stay the same.
    internal static void ValidateSharedBounds(ConsensusCriteriaBase criteria)
    {
        Finite(criteria.MaxIqr, "criteria.maxIqr");
        Finite(criteria.MinAgreement, "criteria.minAgreement");
        Finite(criteria.MaxChangedFraction, "criteria.maxChangedFraction");
    }

    internal static void ValidateSharedNeeds(ConsensusCriteriaBase criteria)
    {
        if (criteria.MinAgreement is not null && criteria.AgreementBand is null)
        {
            throw new AnalysisInputException("criteria.minAgreement", "needs criteria.agreementBand: the share of answers in which band?");
        }
        if (criteria.MinGroupSize < 0)
        {
            throw new AnalysisInputException("criteria.minGroupSize", $"{criteria.MinGroupSize} is negative");
        }
    }

    /// <summary>Bands are inclusive at both ends: an answer on an end counts as in the band.</summary>
    internal static bool InBand(double value, (double Low, double High) band) => value >= band.Low && value <= band.High;

    internal static void ValidateBand((double Low, double High) band, string field)
    {
        if (!double.IsFinite(band.Low) || !double.IsFinite(band.High))
        {
            throw new AnalysisInputException(field, "both ends must be finite numbers");
        }
        if (band.Low > band.High)
        {
            throw new AnalysisInputException(field, $"the low end {Show(band.Low)} is above the high end {Show(band.High)}");
        }
    }

    internal static void Finite(double? value, string field)
    {
        if (value is { } v && !double.IsFinite(v)) throw new AnalysisInputException(field, $"{Show(v)} is not a finite number");
    }

    private static List<string> ValidateRanking(RankingInput input)
    {
        if (input.Rankings is null) throw new AnalysisInputException("rankings", "is required");
        var options = new List<string>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < input.Rankings.Count; i++)
        {
            var field = $"rankings[{i}]";
            var ranking = input.Rankings[i] ?? throw new AnalysisInputException(field, "is missing");
            if (ranking.Participant is null) throw new AnalysisInputException($"{field}.participant", "is required");
            if (!seen.TryAdd(ranking.Participant, i))
            {
                throw new AnalysisInputException($"{field}.participant",
                    $"'{ranking.Participant}' ranks twice (also rankings[{seen[ranking.Participant]}]); one ranking per participant");
            }
            if (ranking.Ranks is null) throw new AnalysisInputException($"{field}.ranks", "is required");
            if (ranking.Ranks.Count == 0) throw new AnalysisInputException($"{field}.ranks", "ranks no options");
            foreach (var (option, rank) in ranking.Ranks)
            {
                if (option is null) throw new AnalysisInputException($"{field}.ranks", "has an option without a name");
                if (!double.IsFinite(rank)) throw new AnalysisInputException(OptionField(field, option), $"{Show(rank)} is not a finite number");
                if (known.Add(option)) options.Add(option);
            }
        }

        for (int i = 0; i < input.Rankings.Count; i++)
        {
            var field = $"rankings[{i}]";
            var ranks = input.Rankings[i].Ranks;
            foreach (var option in options)
            {
                if (!ranks.ContainsKey(option))
                {
                    throw new AnalysisInputException($"{field}.ranks", $"does not rank option '{option}'; every participant ranks every option");
                }
            }
            CheckMidRanks(ranks, field);
        }
        return options;
    }

    /// <summary>
    /// Ranks must be what R's <c>rank()</c> would give back: 1..n, tied options sharing the mean of the
    /// places they occupy (1, 2.5, 2.5, 4). Anything else would make W meaningless.
    /// </summary>
    private static void CheckMidRanks(IReadOnlyDictionary<string, double> ranks, string field)
    {
        var proper = Kendall.MidRanks(ranks.Values.ToArray());
        int index = 0;
        foreach (var (option, rank) in ranks)
        {
            double expected = proper[index++];
            if (rank != expected)
            {
                var all = string.Join(", ", ranks.Values.Select(Show));
                throw new AnalysisInputException(OptionField(field, option),
                    $"{Show(rank)} is not a proper rank among {all}: ranks run 1..{ranks.Count} and tied options share the mean of their places ({Show(expected)} here)");
            }
        }
    }

    internal static string OptionField(string field, string option) =>
        option.Length > 0 && option.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? $"{field}.ranks.{option}"
            : $"{field}.ranks['{option.Replace("'", "\\'", StringComparison.Ordinal)}']";

    internal static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
