using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>Every refusal the contract asks for, each naming the field at fault.</summary>
public class InputRuleTests
{
    private const string Ok = """{"participant": "p01", "value": 5}""";

    private static string Rating(string responses, string extra = "") =>
        $$"""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{{responses}}]{{extra}}}""";

    [Theory]
    // Rating answers: whole numbers on the scale.
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "p01", "value": 5}, {"participant": "p02", "value": 6}, {"participant": "p03", "value": 4}, {"participant": "p04", "value": 9}]}""",
        "responses[3].value", "9 is outside the scale 1..7")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "p01", "value": 0}]}""", "responses[0].value", "outside the scale")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "p01", "value": 4.5}]}""", "responses[0].value", "not a whole number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "p01", "value": "5"}]}""", "responses[0].value", "must be a number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "p01", "value": null}]}""", "responses[0].value", "must be a number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "p01"}]}""", "responses[0].value", "required")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"value": 3}]}""", "responses[0].participant", "required")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": 7, "value": 3}]}""", "responses[0].participant", "must be a string")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "p01", "group": 3, "value": 3}]}""", "responses[0].group", "must be a string")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [5]}""", "responses[0]", "must be an object")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": {"p01": 5}}""", "responses", "must be an array")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}}""", "responses", "required")]
    // One answer per participant, in each round.
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "p01", "value": 5}, {"participant": "p01", "value": 6}]}""", "responses[1].participant", "twice")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "previousRound": [{"participant": "p01", "value": 5}, {"participant": "p01", "value": 6}]}""", "previousRound[1].participant", "twice")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "previousRound": [{"participant": "p01", "value": 8}]}""", "previousRound[0].value", "outside the scale")]
    // The scale.
    [InlineData("""{"kind": "rating", "responses": []}""", "scale", "required")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 2}, "responses": []}""", "scale", "at least 3")]
    [InlineData("""{"kind": "rating", "scale": {"min": 5, "max": 1}, "responses": []}""", "scale", "above max")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1.5, "max": 7}, "responses": []}""", "scale.min", "whole number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1}, "responses": []}""", "scale.max", "required")]
    [InlineData("""{"kind": "rating", "scale": [1, 7], "responses": []}""", "scale", "must be an object")]
    [InlineData("""{"kind": "rating", "scale": {"min": 0, "max": 100000}, "responses": []}""", "scale", "at most")]
    // Quantile method and kind.
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "quantileMethod": 10, "responses": []}""", "quantileMethod", "1 to 9")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "quantileMethod": 0, "responses": []}""", "quantileMethod", "1 to 9")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "quantileMethod": 6.5, "responses": []}""", "quantileMethod", "whole number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "quantileMethod": "7", "responses": []}""", "quantileMethod", "must be a number")]
    [InlineData("""{"kind": "likert", "responses": []}""", "kind", "not an item kind")]
    [InlineData("""{"responses": []}""", "kind", "required")]
    // Numeric answers are finite.
    [InlineData("""{"kind": "numeric", "responses": [{"participant": "p01", "value": 1e999}]}""", "responses[0].value", "finite")]
    // Criteria.
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"minAgreement": 0.7}}""", "criteria.minAgreement", "agreementBand")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [6]}}""", "criteria.agreementBand", "[low, high]")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [7, 6]}}""", "criteria.agreementBand", "above the high end")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [6, "7"]}}""", "criteria.agreementBand[1]", "must be a number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"maxIqr": "1"}}""", "criteria.maxIqr", "must be a number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"requireEveryGroup": "yes"}}""", "criteria.requireEveryGroup", "true or false")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"minGroupSize": 2.5}}""", "criteria.minGroupSize", "whole number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"minGroupSize": -1}}""", "criteria.minGroupSize", "negative")]
    // Rankings.
    [InlineData("""{"kind": "ranking", "rankings": [{"participant": "p1", "ranks": {"a": 1, "b": 2, "c": 2}}]}""", "rankings[0].ranks.b", "proper rank")]
    [InlineData("""{"kind": "ranking", "rankings": [{"participant": "p1", "ranks": {"a": 1, "b": 2}}, {"participant": "p2", "ranks": {"a": 1, "c": 2}}]}""", "rankings[0].ranks", "'c'")]
    [InlineData("""{"kind": "ranking", "rankings": [{"participant": "p1", "ranks": {"a": 1, "b": 2}}, {"participant": "p1", "ranks": {"a": 1, "b": 2}}]}""", "rankings[1].participant", "twice")]
    [InlineData("""{"kind": "ranking", "rankings": [{"participant": "p1", "ranks": {"a": 1, "b": "2"}}]}""", "rankings[0].ranks.b", "must be a number")]
    [InlineData("""{"kind": "ranking", "rankings": [{"participant": "p1", "ranks": {"a": 1, "a": 2}}]}""", "rankings[0].ranks.a", "twice")]
    [InlineData("""{"kind": "ranking", "rankings": [{"participant": "p1", "ranks": {}}]}""", "rankings[0].ranks", "no options")]
    [InlineData("""{"kind": "ranking", "rankings": [{"participant": "p1"}]}""", "rankings[0].ranks", "required")]
    [InlineData("""{"kind": "ranking"}""", "rankings", "required")]
    [InlineData("""{"kind": "ranking", "rankings": [{"participant": "p1", "ranks": {"heat network": 1, "b": 1}}]}""", "rankings[0].ranks['heat network']", "proper rank")]
    // Criteria of version 2 (the default).
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"disagreementBand": [1, 2]}}""", "criteria.disagreementBand", "needs criteria.agreementBand")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [5, 7], "disagreementBand": [1, 5]}}""", "criteria.disagreementBand", "overlaps criteria.agreementBand [5, 7]")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [2, 3], "disagreementBand": [1, 7]}}""", "criteria.disagreementBand", "overlaps")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [6, 8]}}""", "criteria.agreementBand", "outside the scale 1..7")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [6, 7], "disagreementBand": [0, 2]}}""", "criteria.disagreementBand", "outside the scale 1..7")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [6, 7], "disagreementBand": [2, 1]}}""", "criteria.disagreementBand", "above the high end")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"agreementBand": [6, 7], "disagreementBand": "1-2"}}""", "criteria.disagreementBand", "must be an array")]
    [InlineData("""{"kind": "numeric", "responses": [], "criteria": {"maxMedianShift": 0}}""", "criteria.maxMedianShift", "not above 0")]
    [InlineData("""{"kind": "numeric", "responses": [], "criteria": {"maxMedianShift": -2.5}}""", "criteria.maxMedianShift", "not above 0")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"maxNetChange": 15}}""", "criteria.maxNetChange", "0 to 1")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"maxNetChange": -0.1}}""", "criteria.maxNetChange", "0 to 1")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"minPole": 1.5}}""", "criteria.minPole", "0 to 1")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"minPole": "a quarter"}}""", "criteria.minPole", "must be a number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"version": 3}}""", "criteria.version", "use 1 or 2")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"version": 0}}""", "criteria.version", "use 1 or 2")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"version": 1.5}}""", "criteria.version", "whole number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"version": "2"}}""", "criteria.version", "must be a number")]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [], "criteria": {"version": 1, "minAgreement": 0.7}}""", "criteria.minAgreement", "agreementBand")]
    // The document itself.
    [InlineData("""{"kind": "rating", "kind": "numeric", "responses": []}""", "kind", "twice")]
    public void Bad_input_is_refused_naming_the_field(string json, string field, string problem)
    {
        var refused = Assert.Throws<AnalysisInputException>(() => AnalysisJson.Analyze(json));
        Assert.Equal(field, refused.Field);
        Assert.Contains(problem, refused.Problem);
        Assert.Equal($"{field}: {refused.Problem}", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Theory]
    [InlineData("""{"kind": "rating", """, "line 1")]
    [InlineData("{\n  \"kind\": \"rating\",\n  \"responses\": [1 2]\n}", "line 3")]
    [InlineData("", "not valid JSON")]
    [InlineData("""{"kind": "rating"} {}""", "not valid JSON")]
    [InlineData("""{"kind": NaN}""", "not valid JSON")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    public void Malformed_json_is_refused_with_its_position(string json, string problem)
    {
        var refused = Assert.Throws<AnalysisInputException>(() => AnalysisJson.Parse(json));
        Assert.Equal("", refused.Field);
        Assert.Contains(problem, refused.Problem);
        Assert.DoesNotContain('\n', refused.Problem);
    }

    [Fact]
    public void A_rating_of_five_point_zero_counts_as_five()
    {
        var analysis = AnalyzerV2.Analyze(AnalysisJson.Parse(Rating("""{"participant": "p01", "value": 5.0}, {"participant": "p02", "value": 5e0}""")).ItemV2!);
        Assert.Equal(2, analysis.Overall.Distribution![5]);
    }

    [Fact]
    public void Whole_number_fields_accept_a_trailing_point_zero()
    {
        var item = AnalysisJson.Parse("""{"kind": "rating", "scale": {"min": 1.0, "max": 7.0}, "quantileMethod": 6.0, "responses": [], "criteria": {"version": 1.0}}""").Item!;
        Assert.Equal(new RatingScale(1, 7), item.Scale);
        Assert.Equal(6, item.QuantileMethod);
    }

    [Fact]
    public void Optional_fields_may_be_null()
    {
        var item = AnalysisJson.Parse(Rating(Ok, """, "quantileMethod": null, "previousRound": null, "criteria": null""")).ItemV2!;
        Assert.Equal(7, item.QuantileMethod);
        Assert.Null(item.PreviousRound);
        Assert.Null(item.Criteria);
    }

    [Fact]
    public void Numeric_answers_need_not_be_whole_or_on_a_scale()
    {
        var analysis = AnalysisJson.Analyze("""{"kind": "numeric", "responses": [{"participant": "a", "value": -12.5}, {"participant": "b", "value": 1e6}]}""");
        Assert.Contains("\"n\":2", analysis);
    }

    [Fact]
    public void Version_1_keeps_ignoring_the_criteria_of_version_2()
    {
        // Before version 2 existed these fields were unknown and ignored; a study locked under version 1 keeps that.
        var analysis = AnalysisJson.Analyze(Rating(Ok, """, "criteria": {"version": 1, "agreementBand": [5, 7], "disagreementBand": [1, 6], "maxMedianShift": 0}"""));
        Assert.Contains("\"agreementInBand\":1", analysis);
        Assert.DoesNotContain("disagreementInBand", analysis);
    }

    [Fact]
    public void Typed_version_2_input_is_checked_as_strictly_as_json()
    {
        var overlapping = V2.Rating(V2.YesNo with { DisagreementBand = (1, 6) }, V2.Answers(4));
        Assert.Equal("criteria.disagreementBand", Assert.Throws<AnalysisInputException>(() => AnalyzerV2.Analyze(overlapping)).Field);
        var pole = V2.Rating(V2.YesNo with { MinPole = double.NaN }, V2.Answers(4));
        Assert.Equal("criteria.minPole", Assert.Throws<AnalysisInputException>(() => AnalyzerV2.Analyze(pole)).Field);
        var answer = V2.Rating(V2.YesNo, V2.Answers(4, 8));
        Assert.Equal("responses[1].value", Assert.Throws<AnalysisInputException>(() => AnalyzerV2.Analyze(answer)).Field);
    }

    [Fact]
    public void Typed_input_is_checked_as_strictly_as_json()
    {
        var refused = Assert.Throws<AnalysisInputException>(() => Analyzer.Analyze(Build.Numeric(1, double.NaN)));
        Assert.Equal("responses[1].value", refused.Field);
        refused = Assert.Throws<AnalysisInputException>(() => Analyzer.Analyze(Build.Rating(new RatingScale(1, 2), 1)));
        Assert.Equal("scale", refused.Field);
        refused = Assert.Throws<AnalysisInputException>(() => Analyzer.Analyze(Build.Rating(3) with { QuantileMethod = 12 }));
        Assert.Equal("quantileMethod", refused.Field);
    }
}
