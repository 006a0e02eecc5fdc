using System.Text.Json;
using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>The contract's JSON shapes, and exports that reproduce the aggregate.</summary>
public class JsonTests
{
    private static JsonElement Output(string inputJson) => JsonDocument.Parse(AnalysisJson.Analyze(inputJson)).RootElement;

    [Fact]
    public void No_answers_yet_gives_null_figures_and_an_all_zero_distribution()
    {
        var output = Output("""{"kind": "rating", "scale": {"min": 1, "max": 5}, "responses": [], "criteria": {"maxIqr": 1, "agreementBand": [4, 5], "minAgreement": 0.5}}""");
        Assert.Equal(0, output.GetProperty("n").GetInt32());
        foreach (var name in new[] { "mean", "sd", "cv", "median", "q1", "q3", "iqr", "min", "max", "agreementInBand", "tastleWierman", "vanDerEijkA", "bimodalityCoefficient" })
        {
            Assert.Equal(JsonValueKind.Null, output.GetProperty(name).ValueKind);
        }
        Assert.Equal("""{"1":0,"2":0,"3":0,"4":0,"5":0}""", output.GetProperty("distribution").GetRawText());
        Assert.False(output.GetProperty("consensus").GetProperty("reached").GetBoolean());
        Assert.Equal(JsonValueKind.Object, output.GetProperty("groups").ValueKind);
    }

    [Fact]
    public void Agreement_in_band_appears_only_with_a_band()
    {
        const string responses = """[{"participant": "a", "group": "g", "value": 6}, {"participant": "b", "value": 2}]""";
        var without = Output($$$"""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": {{{responses}}}, "criteria": {"maxIqr": 1}}""");
        Assert.False(without.TryGetProperty("agreementInBand", out _));
        Assert.False(without.GetProperty("groups").GetProperty("g").TryGetProperty("agreementInBand", out _));

        var with = Output($$$"""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": {{{responses}}}, "criteria": {"agreementBand": [6, 7]}}""");
        Assert.Equal(0.5, with.GetProperty("agreementInBand").GetDouble());
        Assert.Equal(1, with.GetProperty("groups").GetProperty("g").GetProperty("agreementInBand").GetDouble());
    }

    [Fact]
    public void Stability_and_consensus_appear_only_when_asked_for()
    {
        var plain = Output("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "a", "value": 6}]}""");
        Assert.False(plain.TryGetProperty("stability", out _));
        Assert.False(plain.TryGetProperty("consensus", out _));

        var full = Output("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "a", "value": 6}], "previousRound": [], "criteria": {"version": 1}}""");
        Assert.Equal("""{"pairs":0,"changedFraction":null,"meanAbsoluteChange":null,"wilcoxonP":null}""", full.GetProperty("stability").GetRawText());
        Assert.Equal("""{"reached":true,"reasons":[]}""", full.GetProperty("consensus").GetRawText());
    }

    [Theory]
    [InlineData("""{"version": 1}""")]
    [InlineData("""{"version": 2, "maxIqr": 3}""")]
    public void Years_have_no_coefficient_of_variation_but_every_other_figure_of_a_numeric_item(string criteria)
    {
        const string responses = """[{"participant": "a", "group": "g", "value": 2028}, {"participant": "b", "group": "g", "value": 2030}, {"participant": "c", "group": "g", "value": 2031}, {"participant": "d", "value": 2035}]""";
        var asNumbers = Output($$$"""{"kind": "numeric", "responses": {{{responses}}}, "criteria": {{{criteria}}}}""");
        var asYears = Output($$$"""{"kind": "numeric", "year": true, "responses": {{{responses}}}, "criteria": {{{criteria}}}}""");

        Assert.True(asNumbers.GetProperty("cv").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, asYears.GetProperty("cv").ValueKind);
        Assert.Equal(JsonValueKind.Null, asYears.GetProperty("groups").GetProperty("g").GetProperty("cv").ValueKind);
        foreach (var name in new[] { "n", "mean", "sd", "median", "q1", "q3", "iqr", "min", "max" })
        {
            Assert.Equal(asNumbers.GetProperty(name).GetRawText(), asYears.GetProperty(name).GetRawText());
        }
        Assert.Equal(asNumbers.GetProperty("consensus").GetRawText(), asYears.GetProperty("consensus").GetRawText());
    }

    [Theory]
    [InlineData("""{"kind": "rating", "scale": {"min": 1, "max": 5}, "year": true, "responses": []}""")]
    [InlineData("""{"kind": "numeric", "year": "yes", "responses": []}""")]
    public void Year_is_refused_on_a_rating_and_when_not_true_or_false(string input)
    {
        var refused = Assert.Throws<AnalysisInputException>(() => AnalysisJson.Analyze(input));
        Assert.Equal("year", refused.Field);
    }

    [Fact]
    public void A_year_input_written_back_keeps_saying_so()
    {
        var input = new ItemInputV2 { Kind = ItemKind.Numeric, Year = true, Responses = [new Response("a", null, 2030), new Response("b", null, 2032)] };
        var written = AnalysisJson.WriteInput(input);
        Assert.True(JsonDocument.Parse(written).RootElement.GetProperty("year").GetBoolean());
        Assert.Equal(JsonValueKind.Null, Output(written).GetProperty("cv").ValueKind);
    }

    [Fact]
    public void Numeric_items_have_no_distribution_or_ordinal_agreement()
    {
        var output = Output("""{"kind": "numeric", "quantileMethod": 6, "responses": [{"participant": "a", "value": 35.5}, {"participant": "b", "value": 40}, {"participant": "c", "value": 52.25}]}""");
        Assert.Equal("numeric", output.GetProperty("kind").GetString());
        Assert.Equal(6, output.GetProperty("quantileMethod").GetInt32());
        Assert.Equal(40, output.GetProperty("median").GetDouble());
        Assert.Equal(JsonValueKind.Null, output.GetProperty("distribution").ValueKind);
        Assert.Equal(JsonValueKind.Null, output.GetProperty("tastleWierman").ValueKind);
        Assert.Equal(JsonValueKind.Null, output.GetProperty("vanDerEijkA").ValueKind);
    }

    [Fact]
    public void Answers_without_a_group_count_for_the_panel_only()
    {
        var output = Output("""{"kind": "rating", "scale": {"min": 1, "max": 7}, "responses": [{"participant": "a", "group": "housing", "value": 6}, {"participant": "b", "group": null, "value": 2}, {"participant": "c", "value": 3}]}""");
        Assert.Equal(3, output.GetProperty("n").GetInt32());
        Assert.Equal(["housing"], output.GetProperty("groups").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Undefined_figures_are_null_never_NaN()
    {
        // One answer: no sd, no cv, no bimodality; a mean of 0: no cv.
        var output = Output("""{"kind": "numeric", "responses": [{"participant": "a", "value": -1}, {"participant": "b", "value": 1}]}""");
        Assert.Equal(JsonValueKind.Null, output.GetProperty("cv").ValueKind);
        var one = AnalysisJson.Analyze("""{"kind": "numeric", "responses": [{"participant": "a", "value": 3}]}""");
        Assert.DoesNotContain("NaN", one);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(one).RootElement.GetProperty("sd").ValueKind);
    }

    [Fact]
    public void Numbers_round_trip_at_full_precision()
    {
        var output = Output("""{"kind": "numeric", "responses": [{"participant": "a", "value": 0.1}, {"participant": "b", "value": 0.2}, {"participant": "c", "value": 0.30000000000000004}]}""");
        Assert.Equal(0.30000000000000004, output.GetProperty("max").GetDouble());
        Assert.Equal("0.1", output.GetProperty("min").GetRawText());
    }

    [Fact]
    public void Exported_input_reproduces_the_analysis()
    {
        var random = new Random(5);
        string[] groups = ["grid-operators", "housing", "residents", "municipality", "port-industry"];
        for (int sample = 0; sample < 200; sample++)
        {
            bool rating = random.Next(2) == 0;
            int n = random.Next(0, 30);
            var responses = Enumerable.Range(0, n).Select(i => new Response(
                $"p{i}", random.Next(4) == 0 ? null : groups[random.Next(groups.Length)],
                rating ? random.Next(1, 8) : Math.Round(random.NextDouble() * 100, random.Next(0, 16)) - 20)).ToList();
            var input = new ItemInput
            {
                Kind = rating ? ItemKind.Rating : ItemKind.Numeric,
                Scale = rating ? Build.SevenPoint : null,
                QuantileMethod = random.Next(1, 10),
                Responses = responses,
                PreviousRound = random.Next(2) == 0 ? null : responses.Where(_ => random.Next(2) == 0).Select(r => r with { Value = rating ? random.Next(1, 8) : r.Value + random.Next(-1, 2) * 0.1 }).ToList(),
                Criteria = random.Next(2) == 0 ? null : new ConsensusCriteria
                {
                    MaxIqr = random.Next(0, 3),
                    AgreementBand = random.Next(2) == 0 ? null : (5, 7),
                    MaxChangedFraction = 0.15,
                    RequireEveryGroup = random.Next(2) == 0,
                    MinGroupSize = random.Next(0, 4),
                },
            };
            var request = AnalysisJson.Parse(AnalysisJson.WriteInput(input, indented: random.Next(2) == 0));
            if (input.Criteria is null)
            {
                // Without criteria there is no version to pin: the export is read under version 2,
                // whose statistics are version 1's.
                var v2 = AnalyzerV2.Analyze(request.ItemV2!);
                var v1 = Analyzer.Analyze(input);
                Check.Same(v1.Overall, v2.Overall, $"sample {sample}: overall");
                foreach (var (group, statistics) in v1.Groups) Check.Same(statistics, v2.Groups[group], $"sample {sample}: group {group}");
                Assert.Equal(v1.Groups.Count, v2.Groups.Count);
                continue;
            }
            var parsed = request.Item!;
            Check.Same(Analyzer.Analyze(input), Analyzer.Analyze(parsed), $"sample {sample}: ");
            Assert.Equal(AnalysisJson.Write(Analyzer.Analyze(input)), AnalysisJson.Write(Analyzer.Analyze(parsed)));
        }
    }

    [Fact]
    public void Exported_version_1_criteria_say_version_1()
    {
        var input = Build.Rating(6, 7) with { Criteria = new ConsensusCriteria { MaxIqr = 1 } };
        var request = AnalysisJson.Parse(AnalysisJson.WriteInput(input));
        Assert.NotNull(request.Item);
        Assert.Null(request.ItemV2);
    }

    [Fact]
    public void Exported_version_2_input_reproduces_the_analysis()
    {
        var random = new Random(7);
        string[] groups = ["grid-operators", "housing", "residents"];
        for (int sample = 0; sample < 100; sample++)
        {
            bool rating = random.Next(2) == 0;
            int n = random.Next(0, 20);
            var responses = Enumerable.Range(0, n).Select(i => new Response(
                $"p{i}", random.Next(4) == 0 ? null : groups[random.Next(groups.Length)],
                rating ? random.Next(1, 8) : Math.Round(random.NextDouble() * 100, random.Next(0, 16)))).ToList();
            var input = new ItemInputV2
            {
                Kind = rating ? ItemKind.Rating : ItemKind.Numeric,
                Scale = rating ? Build.SevenPoint : null,
                QuantileMethod = random.Next(1, 10),
                Responses = responses,
                PreviousRound = random.Next(2) == 0 ? null : responses.Where(_ => random.Next(2) == 0).Select(r => r with { Value = rating ? random.Next(1, 8) : r.Value + 1 }).ToList(),
                Criteria = random.Next(3) == 0 ? null : new ConsensusCriteriaV2
                {
                    MaxIqr = random.Next(2) == 0 ? null : random.Next(0, 3),
                    AgreementBand = (5, 7),
                    DisagreementBand = random.Next(2) == 0 ? null : (1, 2),
                    MinAgreement = random.Next(2) == 0 ? null : 0.5 + random.Next(0, 4) * 0.1,
                    MaxChangedFraction = random.Next(2) == 0 ? null : 0.15,
                    MaxNetChange = random.Next(2) == 0 ? null : 0.2,
                    MaxMedianShift = random.Next(2) == 0 ? null : 5,
                    MinPole = 0.2,
                    RequireEveryGroup = random.Next(2) == 0,
                    MinGroupSize = random.Next(0, 4),
                },
            };
            var parsed = AnalysisJson.Parse(AnalysisJson.WriteInput(input)).ItemV2!;
            Assert.Equal(AnalysisJson.Write(AnalyzerV2.Analyze(input)), AnalysisJson.Write(AnalyzerV2.Analyze(parsed)));
        }
    }

    [Fact]
    public void Exported_ranking_reproduces_the_analysis()
    {
        var input = new RankingInput(
        [
            new RankingResponse("p1", "housing", new Dictionary<string, double> { ["heat network"] = 1, ["heat-pumps"] = 2.5, ["hydrogen"] = 2.5 }),
            new RankingResponse("p2", null, new Dictionary<string, double> { ["heat network"] = 2, ["heat-pumps"] = 1, ["hydrogen"] = 3 }),
        ]);
        var json = AnalysisJson.WriteInput(input);
        var parsed = AnalysisJson.Parse(json);
        Assert.Equal(ItemKind.Ranking, parsed.Kind);
        Assert.Equal(AnalysisJson.Write(Analyzer.AnalyzeRanking(input)), AnalysisJson.Write(Analyzer.AnalyzeRanking(parsed.Ranking!)));
    }

    [Fact]
    public void Ranking_output_has_the_contract_shape()
    {
        var output = Output("""{"kind": "ranking", "rankings": [{"participant": "p1", "ranks": {"a": 1, "b": 2}}, {"participant": "p2", "ranks": {"a": 1, "b": 2}}]}""");
        Assert.Equal(["kind", "m", "n", "kendallW", "chiSquare", "df", "pValue", "meanRanks"], output.EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"a":1,"b":2}""", output.GetProperty("meanRanks").GetRawText());
    }

    [Fact]
    public void Version_1_rating_output_has_the_contract_shape()
    {
        var output = Output("""{"kind": "rating", "scale": {"min": 1, "max": 3}, "responses": [{"participant": "a", "group": "g", "value": 2}], "previousRound": [], "criteria": {"agreementBand": [2, 3], "version": 1}}""");
        Assert.Equal(
            ["kind", "quantileMethod", "n", "mean", "sd", "cv", "median", "q1", "q3", "iqr", "min", "max", "distribution",
             "agreementInBand", "tastleWierman", "vanDerEijkA", "bimodalityCoefficient", "groups", "stability", "consensus"],
            output.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["n", "mean", "sd", "cv", "median", "q1", "q3", "iqr", "min", "max", "distribution",
             "agreementInBand", "tastleWierman", "vanDerEijkA", "bimodalityCoefficient"],
            output.GetProperty("groups").GetProperty("g").EnumerateObject().Select(p => p.Name));
    }

    // 6,6,7,7 after 3,3,4,4: everyone moved, everyone agrees.
    private const string Converged = """
        "kind": "rating", "scale": {"min": 1, "max": 7},
        "responses": [{"participant": "a", "value": 6}, {"participant": "b", "value": 6}, {"participant": "c", "value": 7}, {"participant": "d", "value": 7}],
        "previousRound": [{"participant": "a", "value": 3}, {"participant": "b", "value": 3}, {"participant": "c", "value": 4}, {"participant": "d", "value": 4}]
        """;

    [Fact]
    public void Version_1_still_makes_stability_a_condition_of_consensus()
    {
        var output = Output("{" + Converged + """, "criteria": {"version": 1, "agreementBand": [6, 7], "minAgreement": 0.75, "maxChangedFraction": 0.15}}""");
        Assert.False(output.GetProperty("consensus").GetProperty("reached").GetBoolean());
        Assert.False(output.TryGetProperty("verdict", out _));
        Assert.False(output.GetProperty("consensus").TryGetProperty("direction", out _));
    }

    [Fact]
    public void Criteria_without_a_version_are_judged_by_version_2()
    {
        var output = Output("{" + Converged + """, "criteria": {"agreementBand": [6, 7], "minAgreement": 0.75, "maxChangedFraction": 0.15}}""");
        Assert.True(output.GetProperty("consensus").GetProperty("reached").GetBoolean());
        Assert.Equal("for", output.GetProperty("consensus").GetProperty("direction").GetString());
        Assert.False(output.GetProperty("stability").GetProperty("stable").GetBoolean());
        Assert.Equal("consensus-for", output.GetProperty("verdict").GetString());
        Assert.Equal(output.ToString(), Output("{" + Converged + """, "criteria": {"version": 2, "agreementBand": [6, 7], "minAgreement": 0.75, "maxChangedFraction": 0.15}}""").ToString());
    }

    [Fact]
    public void An_empty_criteria_object_gives_no_consensus_under_version_2()
    {
        var output = Output("{" + Converged + """, "criteria": {}}""");
        Assert.False(output.TryGetProperty("consensus", out _));
        Assert.False(output.TryGetProperty("verdict", out _));
        Assert.Equal("""{"dropped":0}""", output.GetProperty("attrition").GetRawText());
        Assert.Equal(JsonValueKind.Null, output.GetProperty("stability").GetProperty("stable").ValueKind);
    }

    [Fact]
    public void Version_2_rating_output_has_the_contract_shape()
    {
        var output = Output("""{"kind": "rating", "scale": {"min": 1, "max": 3}, "responses": [{"participant": "a", "group": "g", "value": 3}], "previousRound": [{"participant": "b", "group": "g", "value": 1}], "criteria": {"agreementBand": [3, 3], "disagreementBand": [1, 1], "maxIqr": 0}}""");
        Assert.Equal(
            ["kind", "quantileMethod", "n", "mean", "sd", "cv", "median", "q1", "q3", "iqr", "min", "max", "distribution",
             "agreementInBand", "disagreementInBand", "tastleWierman", "vanDerEijkA", "bimodalityCoefficient",
             "groups", "stability", "consensus", "dissensus", "attrition", "verdict"],
            output.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, output.GetProperty("groups").GetProperty("g").GetProperty("agreementInBand").GetDouble());
        Assert.Equal(0, output.GetProperty("groups").GetProperty("g").GetProperty("disagreementInBand").GetDouble());
        Assert.Equal("""{"pairs":0,"changedFraction":null,"meanAbsoluteChange":null,"wilcoxonP":null,"netChange":1,"stable":null}""",
            output.GetProperty("stability").GetRawText());
        // One answer at 3 has iqr 0: for. Without it (or without g) there is nobody left to agree.
        Assert.Equal(["reached", "direction", "reasons", "flipsWithoutOne", "flipsWithoutGroup"],
            output.GetProperty("consensus").EnumerateObject().Select(p => p.Name));
        Assert.True(output.GetProperty("consensus").GetProperty("reached").GetBoolean());
        Assert.Equal("for", output.GetProperty("consensus").GetProperty("direction").GetString());
        Assert.Equal(1, output.GetProperty("consensus").GetProperty("flipsWithoutOne").GetInt32());
        Assert.Equal("""["g"]""", output.GetProperty("consensus").GetProperty("flipsWithoutGroup").GetRawText());
        Assert.Equal("""{"polarised":false,"poles":{"for":["g"],"against":[]}}""", output.GetProperty("dissensus").GetRawText());
        // With b's 1 back: 3,1 has quartiles 1.5 and 2.5, iqr 1 > 0.
        Assert.Equal("""{"dropped":1,"directionWithDropouts":null}""", output.GetProperty("attrition").GetRawText());
        Assert.Equal("consensus-for", output.GetProperty("verdict").GetString());
    }

    [Fact]
    public void Numeric_stability_has_a_median_shift_not_a_net_change()
    {
        var output = Output("""{"kind": "numeric", "responses": [{"participant": "a", "value": 12}], "previousRound": [{"participant": "a", "value": 10}]}""");
        Assert.Equal("""{"pairs":1,"changedFraction":1,"meanAbsoluteChange":2,"wilcoxonP":1,"medianShift":2,"stable":null}""",
            output.GetProperty("stability").GetRawText());
    }
}
