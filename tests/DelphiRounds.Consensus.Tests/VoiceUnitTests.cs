using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>One voice per organisation: the organisation's answer, and figures that equal the analysis of those answers.</summary>
public class VoiceUnitTests
{
    private static readonly RatingScale OneToSeven = new(1, 7);

    [Theory]
    [InlineData(new double[] { 5 }, 5)]
    [InlineData(new double[] { 2, 6, 7 }, 6)]
    [InlineData(new double[] { 5, 6 }, 5)]      // 5.5, towards the middle (4): 5
    [InlineData(new double[] { 2, 3 }, 3)]      // 2.5, towards the middle: 3
    [InlineData(new double[] { 1, 7 }, 4)]      // exactly the middle category
    [InlineData(new double[] { 3, 4, 5, 7 }, 4)] // 4.5 → 4
    public void An_organisations_rating_is_its_members_median_rounded_towards_the_middle(double[] answers, double expected) =>
        Assert.Equal(expected, Voices.Median(answers, OneToSeven));

    [Fact]
    public void On_a_scale_with_an_even_number_of_categories_the_middle_goes_down()
    {
        // 1–6: the middle is 3.5; members at 3 and 4 give 3.5, as far from 3 as from 4.
        Assert.Equal(3, Voices.Median([3, 4], new RatingScale(1, 6)));
        Assert.Equal(5, Voices.Median([5, 6], new RatingScale(1, 6)));
    }

    [Fact]
    public void A_numeric_answer_is_the_plain_median()
    {
        Assert.Equal(25, Voices.Median([20, 30], null));
        Assert.Equal(13.75, Voices.Median([10, 40, 15, 12.5], null));
        Assert.Equal(15, Voices.Median([10, 40, 15], null));
    }

    [Fact]
    public void Organisations_without_answers_are_absent_and_members_count_once()
    {
        var people = new List<Response>
        {
            new("p1", "grid", 7) { Organisation = "stedin" },
            new("p2", "grid", 6) { Organisation = "stedin" },
            new("p3", "grid", 6) { Organisation = "stedin" },
            new("p4", "housing", 2) { Organisation = "woonstad" },
        };
        var voices = Voices.ByOrganisation(people, OneToSeven);
        Assert.Equal(2, voices.Count);
        Assert.Equal(new Response("stedin", "grid", 6) { Organisation = "stedin" }, voices[0]);
        Assert.Equal(new Response("woonstad", "housing", 2) { Organisation = "woonstad" }, voices[1]);
    }

    [Fact]
    public void A_response_without_organisation_or_in_another_group_is_refused_by_field()
    {
        var missing = Assert.Throws<AnalysisInputException>(() => AnalysisJson.Analyze(
            """{"kind":"numeric","unit":"organisation","responses":[{"participant":"a","organisation":"x","value":1},{"participant":"b","value":2}]}"""));
        Assert.Equal("responses[1].organisation", missing.Field);

        var split = Assert.Throws<AnalysisInputException>(() => AnalysisJson.Analyze(
            """{"kind":"numeric","unit":"organisation","responses":[{"participant":"a","group":"g","organisation":"x","value":1},{"participant":"b","group":"h","organisation":"x","value":2}]}"""));
        Assert.Equal("responses[1].group", split.Field);

        var unit = Assert.Throws<AnalysisInputException>(() => AnalysisJson.Analyze("""{"kind":"numeric","unit":"household","responses":[]}"""));
        Assert.Equal("unit", unit.Field);
    }

    [Fact]
    public void A_document_without_unit_writes_no_unit_and_with_person_the_same_figures()
    {
        const string body = "\"responses\":[{\"participant\":\"a\",\"organisation\":\"x\",\"value\":1},{\"participant\":\"b\",\"organisation\":\"x\",\"value\":3}]";
        var without = JsonNode.Parse(AnalysisJson.Analyze("{\"kind\":\"numeric\"," + body + "}"))!.AsObject();
        var person = JsonNode.Parse(AnalysisJson.Analyze("{\"kind\":\"numeric\",\"unit\":\"person\"," + body + "}"))!.AsObject();
        Assert.False(without.ContainsKey("unit"));
        Assert.Equal("person", (string?)person["unit"]);
        Assert.Equal(2, (int)without["n"]!);
        person.Remove("unit");
        Assert.True(JsonNode.DeepEquals(without, person));
    }

    /// <summary>
    /// Twelve people in seven organisations in three groups, a rating item under version 2 asked twice with the
    /// same answers: stedin sends five people who all agree, the other organisations one or two.
    /// </summary>
    private static readonly (string Person, string Group, string Organisation, double Now, double Before)[] Panel =
    [
        ("p01", "grid", "stedin", 7, 7), ("p02", "grid", "stedin", 7, 7), ("p03", "grid", "stedin", 7, 6),
        ("p04", "grid", "stedin", 6, 6), ("p05", "grid", "stedin", 6, 6),
        ("p06", "grid", "enexis", 2, 2),
        ("p07", "housing", "woonstad", 6, 6), ("p08", "housing", "woonstad", 7, 7),
        ("p09", "housing", "havensteder", 3, 3),
        ("p10", "producers", "eneco", 7, 7), ("p11", "producers", "eneco", 6, 6),
        ("p12", "producers", "vattenfall", 2, 2),
        ("p13", "producers", "uniper", 6, 6),
    ];

    private static JsonObject RatingDocument(string? unit, IEnumerable<(string Participant, string Group, string? Organisation, double Now, double Before)> answers)
    {
        var list = answers.ToList();
        JsonArray Round(Func<(string Participant, string Group, string? Organisation, double Now, double Before), double> value) => new(list.Select(a =>
        {
            var o = new JsonObject { ["participant"] = a.Participant, ["group"] = a.Group };
            if (a.Organisation is not null) o["organisation"] = a.Organisation;
            o["value"] = value(a);
            return (JsonNode)o;
        }).ToArray());
        var doc = new JsonObject
        {
            ["kind"] = "rating",
            ["scale"] = new JsonObject { ["min"] = 1, ["max"] = 7 },
            ["responses"] = Round(a => a.Now),
            ["previousRound"] = Round(a => a.Before),
            ["criteria"] = new JsonObject
            {
                ["agreementBand"] = new JsonArray(6, 7), ["disagreementBand"] = new JsonArray(1, 2),
                ["minAgreement"] = 0.7, ["maxIqr"] = 1.5, ["maxNetChange"] = 0.15,
                ["requireEveryGroup"] = false, ["minGroupSize"] = 3,
            },
        };
        if (unit is not null) doc["unit"] = unit;
        return doc;
    }

    [Fact]
    public void Organisation_figures_equal_delphi_analyze_on_the_organisation_medians()
    {
        var byOrganisation = JsonNode.Parse(AnalysisJson.Analyze(RatingDocument("organisation", Panel.Select(p => (p.Person, p.Group, (string?)p.Organisation, p.Now, p.Before))).ToJsonString()))!.AsObject();

        // By hand: each organisation's median of its members, as a panel of its own.
        var medians = Panel.GroupBy(p => p.Organisation).Select(g => (
            g.Key, g.First().Group, (string?)null,
            Voices.Median(g.Select(p => p.Now).ToList(), OneToSeven), Voices.Median(g.Select(p => p.Before).ToList(), OneToSeven))).ToList();
        // woonstad 6 and 7 → 6.5, towards the middle: 6; stedin 7,7,7,6,6 → 7 now, 7,7,6,6,6 → 6 before.
        Assert.Contains(medians, m => m.Key == "woonstad" && m.Item4 == 6 && m.Item5 == 6);
        Assert.Contains(medians, m => m.Key == "stedin" && m.Item4 == 7 && m.Item5 == 6);
        var byHand = JsonNode.Parse(AnalysisJson.Analyze(RatingDocument(null, medians).ToJsonString()))!.AsObject();

        Assert.Equal("organisation", (string?)byOrganisation["unit"]);
        Assert.Equal(13, (int)byOrganisation["people"]!);
        Assert.Equal(7, (int)byOrganisation["n"]!);
        byOrganisation.Remove("unit");
        byOrganisation.Remove("people");
        Assert.True(JsonNode.DeepEquals(byHand, byOrganisation), $"by organisation:\n{byOrganisation}\nby hand:\n{byHand}");
    }

    [Fact]
    public void The_two_units_give_their_own_verdicts_on_the_same_answers()
    {
        var person = AnalysisJson.Analyze(RatingDocument("person", Panel.Select(p => (p.Person, p.Group, (string?)p.Organisation, p.Now, p.Before))).ToJsonString());
        var organisation = AnalysisJson.Analyze(RatingDocument("organisation", Panel.Select(p => (p.Person, p.Group, (string?)p.Organisation, p.Now, p.Before))).ToJsonString());
        using var a = JsonDocument.Parse(person);
        using var b = JsonDocument.Parse(organisation);
        // People: 10 of 13 answers in 6–7 (0.77 ≥ 0.7), IQR 7 − 6 = 1 ≤ 1.5: consensus for.
        // Organisations: stedin 7, woonstad 6, eneco 6, uniper 6 in 6–7, enexis 2, havensteder 3, vattenfall 2:
        // 4 of 7 (0.57 < 0.7): no consensus; the answers did not move (net change ≤ 0.15): stable dissent.
        Assert.Equal(13, a.RootElement.GetProperty("n").GetInt32());
        Assert.Equal(7, b.RootElement.GetProperty("n").GetInt32());
        Assert.Equal("person", a.RootElement.GetProperty("unit").GetString());
        Assert.Equal("organisation", b.RootElement.GetProperty("unit").GetString());
        Assert.Equal("consensus-for", a.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("stable-dissent", b.RootElement.GetProperty("verdict").GetString());
        Check.Near(10.0 / 13, a.RootElement.GetProperty("agreementInBand").GetDouble());
        Check.Near(4.0 / 7, b.RootElement.GetProperty("agreementInBand").GetDouble());
    }

    [Fact]
    public void A_ranking_counts_each_organisation_as_one_rater_of_its_mean_ranks()
    {
        const string people = """
            {"kind":"ranking","unit":"organisation","rankings":[
              {"participant":"p1","organisation":"a","ranks":{"x":1,"y":2,"z":3}},
              {"participant":"p2","organisation":"a","ranks":{"x":2,"y":1,"z":3}},
              {"participant":"p3","organisation":"a","ranks":{"x":1,"y":3,"z":2}},
              {"participant":"p4","organisation":"b","ranks":{"x":3,"y":2,"z":1}},
              {"participant":"p5","organisation":"c","ranks":{"x":1,"y":2,"z":3}},
              {"participant":"p6","organisation":"c","ranks":{"x":2,"y":1,"z":3}}]}
            """;
        // Mean ranks: a x 4/3, y 2, z 8/3 → 1, 2, 3; b 3, 2, 1; c 1.5, 1.5, 3 → tie 1.5, 1.5, 3.
        const string byHand = """
            {"kind":"ranking","rankings":[
              {"participant":"a","ranks":{"x":1,"y":2,"z":3}},
              {"participant":"b","ranks":{"x":3,"y":2,"z":1}},
              {"participant":"c","ranks":{"x":1.5,"y":1.5,"z":3}}]}
            """;
        var organisations = JsonNode.Parse(AnalysisJson.Analyze(people))!.AsObject();
        var expected = JsonNode.Parse(AnalysisJson.Analyze(byHand))!.AsObject();
        Assert.Equal(3, (int)organisations["m"]!);
        Assert.Equal(6, (int)organisations["people"]!);
        organisations.Remove("unit");
        organisations.Remove("people");
        Assert.True(JsonNode.DeepEquals(expected, organisations), $"{organisations}\n{expected}");
    }

    [Fact]
    public void The_input_document_keeps_unit_and_organisation_so_analyze_reproduces_the_output()
    {
        var input = new ItemInputV2
        {
            Kind = ItemKind.Numeric,
            Unit = VoiceUnit.Organisation,
            Responses = [new("p1", "g", 10) { Organisation = "o1" }, new("p2", "g", 20) { Organisation = "o1" }, new("p3", "g", 40) { Organisation = "o2" }],
            Criteria = new ConsensusCriteriaV2 { MaxIqr = 5 },
        };
        var written = AnalysisJson.WriteInput(input);
        var reread = AnalysisJson.Parse(written).ItemV2!;
        Assert.Equal(VoiceUnit.Organisation, reread.Unit);
        Assert.Equal("o1", reread.Responses[1].Organisation);
        Assert.Equal(AnalysisJson.Write(AnalyzerV2.Analyze(input)), AnalysisJson.Analyze(written));
        var analysis = AnalyzerV2.Analyze(input);
        Assert.Equal(2, analysis.Overall.N);
        Assert.Equal(3, analysis.People);
        Assert.Equal(27.5, analysis.Overall.Mean); // (15 + 40) / 2
    }
}
