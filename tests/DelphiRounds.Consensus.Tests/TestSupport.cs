using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>Comparisons to a tolerance and builders shared by the tests.</summary>
internal static class Check
{
    public const double Tolerance = 1e-9;

    /// <summary>Equal within <paramref name="tolerance"/>, absolute or relative (as the reference checker judges).</summary>
    public static bool Close(double expected, double actual, double tolerance = Tolerance) =>
        expected == actual || Math.Abs(expected - actual) <= tolerance || Math.Abs(expected - actual) <= tolerance * Math.Abs(expected);

    public static void Near(double expected, double? actual, double tolerance = Tolerance, string what = "value")
    {
        Assert.True(actual is { } a && Close(expected, a, tolerance), $"{what}: expected {expected:R}, got {(actual is { } v ? v.ToString("R") : "null")}");
    }

    public static void Same(double? expected, double? actual, string what)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{what}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }
        Near(expected.Value, actual, Tolerance, what);
    }

    /// <summary>Every field of two analyses equal to 1e-9 (abs or rel); nulls must match exactly.</summary>
    public static void Same(ItemAnalysis expected, ItemAnalysis actual, string context = "")
    {
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.QuantileMethod, actual.QuantileMethod);
        Assert.Equal(expected.AgreementBand, actual.AgreementBand);
        Same(expected.Overall, actual.Overall, $"{context}overall");
        Assert.Equal(expected.Groups.Keys.Order(StringComparer.Ordinal), actual.Groups.Keys.Order(StringComparer.Ordinal));
        foreach (var (group, statistics) in expected.Groups) Same(statistics, actual.Groups[group], $"{context}group {group}");
        Assert.Equal(expected.Stability, actual.Stability);
        Assert.Equal(expected.Consensus?.Reached, actual.Consensus?.Reached);
        Assert.Equal(expected.Consensus?.Reasons, actual.Consensus?.Reasons);
    }

    public static void Same(Statistics expected, Statistics actual, string what)
    {
        Assert.True(expected.N == actual.N, $"{what}.n: expected {expected.N}, got {actual.N}");
        Same(expected.Mean, actual.Mean, $"{what}.mean");
        Same(expected.Sd, actual.Sd, $"{what}.sd");
        Same(expected.Cv, actual.Cv, $"{what}.cv");
        Same(expected.Median, actual.Median, $"{what}.median");
        Same(expected.Q1, actual.Q1, $"{what}.q1");
        Same(expected.Q3, actual.Q3, $"{what}.q3");
        Same(expected.Iqr, actual.Iqr, $"{what}.iqr");
        Same(expected.Min, actual.Min, $"{what}.min");
        Same(expected.Max, actual.Max, $"{what}.max");
        Same(expected.AgreementInBand, actual.AgreementInBand, $"{what}.agreementInBand");
        Same(expected.TastleWierman, actual.TastleWierman, $"{what}.tastleWierman");
        Same(expected.VanDerEijkA, actual.VanDerEijkA, $"{what}.vanDerEijkA");
        Same(expected.BimodalityCoefficient, actual.BimodalityCoefficient, $"{what}.bimodalityCoefficient");
        if (expected.Distribution is null) Assert.Null(actual.Distribution);
        else Assert.Equal(expected.Distribution.OrderBy(d => d.Key), actual.Distribution!.OrderBy(d => d.Key));
    }

    private static string Show(double? value) => value is { } v ? v.ToString("R") : "null";
}

/// <summary>Short ways to write inputs in tests.</summary>
internal static class Build
{
    public static readonly RatingScale SevenPoint = new(1, 7);

    public static ItemInput Rating(params double[] values) => Rating(SevenPoint, values);

    public static ItemInput Rating(RatingScale scale, params double[] values) => new()
    {
        Kind = ItemKind.Rating,
        Scale = scale,
        Responses = values.Select((v, i) => new Response($"p{i + 1:00}", null, v)).ToList(),
    };

    public static ItemInput Numeric(params double[] values) => new()
    {
        Kind = ItemKind.Numeric,
        Responses = values.Select((v, i) => new Response($"p{i + 1:00}", null, v)).ToList(),
    };

    public static RankingResponse Ranking(string participant, params (string Option, double Rank)[] ranks) =>
        new(participant, null, ranks.ToDictionary(r => r.Option, r => r.Rank));
}

/// <summary>Short ways to write version 2 inputs: answers as (group, value), participants p01, p02, … in order.</summary>
internal static class V2
{
    /// <summary>1–7 with "yes" at 6–7 and "no" at 1–2, a shared share of 0.75 for either.</summary>
    public static readonly ConsensusCriteriaV2 YesNo = new() { AgreementBand = (6, 7), DisagreementBand = (1, 2), MinAgreement = 0.75 };

    public static List<Response> Answers(params (string? Group, double Value)[] answers) =>
        answers.Select((a, i) => new Response($"p{i + 1:00}", a.Group, a.Value)).ToList();

    public static List<Response> Answers(params double[] values) => Answers(values.Select(v => ((string?)null, v)).ToArray());

    public static ItemInputV2 Rating(ConsensusCriteriaV2? criteria, List<Response> responses, List<Response>? previous = null) => new()
    {
        Kind = ItemKind.Rating,
        Scale = Build.SevenPoint,
        Responses = responses,
        PreviousRound = previous,
        Criteria = criteria,
    };

    public static ItemInputV2 Numeric(ConsensusCriteriaV2? criteria, List<Response> responses, List<Response>? previous = null) => new()
    {
        Kind = ItemKind.Numeric,
        Responses = responses,
        PreviousRound = previous,
        Criteria = criteria,
    };

    public static ItemAnalysisV2 Analyze(ItemInputV2 input) => AnalyzerV2.Analyze(input);
}
