using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DelphiRounds.Exports;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Attacks;

/// <summary>
/// The facilitator (often a party too) tries to learn one person's answer from the report and the exports
/// (issue 15, item 5): by joining the panel page's names with the pseudonyms of the exports, by ordering the
/// answers of the exports in time against who answered when, by reading a small group's answers off the
/// answer-level files, and by reading a lone minority member's exact value beside their argument in the
/// report's dissent annex. Each must come back with nothing that points to fewer than k = 3 people.
/// </summary>
public sealed class ExportAttackTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static readonly string[] AnswerFiles = ["answers.csv", "answers.json", "arguments.csv", "arguments.json"];

    [Fact]
    public async Task Joining_the_panel_page_and_the_panel_api_with_the_exports_finds_no_pseudonym_beside_a_name()
    {
        var s = await Scenario.CreateAsync(app);
        foreach (var p in s.Participants.Take(4))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5, rationale = "Omdat het kan." }), HttpStatusCode.Created);
        var pseudonyms = Rows($"SELECT pseudonym FROM participants WHERE study_id = {s.StudyId}");
        Assert.Equal(9, pseudonyms.Count);

        // Everything the facilitator sees with names: the panel API, a newly added member, the panel page, the erasure page and its answer.
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var added = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/participants", new { group = "housing", name = "Nieuw Lid", email = "nieuw@example.org" }), HttpStatusCode.Created);
        pseudonyms.Add(DatabaseDump.Text(app.DatabasePath, $"SELECT pseudonym FROM participants WHERE id = {added.GetProperty("id").GetInt64()}"));
        var withNames = new List<(string What, string Text)>
        {
            ("panel api", await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/participants")),
            ("added", added.GetRawText()),
            ("panel page", await browser.GetStringAsync($"/f/studies/{s.StudyId}/panel")),
            ("erase page", await browser.GetStringAsync($"/f/studies/{s.StudyId}/panel/{s.Participants[0].Id}/erase")),
            ("erased", (await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{s.Participants[0].Id}/erase", null), HttpStatusCode.OK)).GetRawText()),
        };
        Assert.Contains("housing 1", withNames[2].Text);
        foreach (var (what, text) in withNames)
        {
            foreach (var pseudonym in pseudonyms) Assert.False(text.Contains(pseudonym, StringComparison.Ordinal), $"{what} shows the pseudonym {pseudonym}");
            Assert.DoesNotContain("\"pseudonym\"", text);
        }
        // The panel's own reference is there instead, and it is nowhere in the exports.
        Assert.Contains($"#{s.Participants[1].Id}", withNames[2].Text);
        var answers = await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export/answers.csv");
        Assert.Contains(DatabaseDump.Text(app.DatabasePath, $"SELECT pseudonym FROM participants WHERE id = {s.Participants[1].Id}"), answers);
        Assert.DoesNotContain("#", answers);
    }

    [Fact]
    public async Task Answer_level_exports_carry_the_day_not_the_time_and_name_only_groups_of_at_least_three()
    {
        var s = await Scenario.CreateAsync(app);
        // Residents and housing answer in full (3 each); one grid operator answers alone.
        foreach (var p in s.Participants.Where(p => p.Group != "grid-operators").Append(s.Participants[0]))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4, rationale = "Het is een begin." }), HttpStatusCode.Created);
        var loner = DatabaseDump.Text(app.DatabasePath, $"SELECT pseudonym FROM participants WHERE id = {s.Participants[0].Id}");

        foreach (var file in AnswerFiles)
        {
            var text = await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export/{file}");
            var rows = Rows(file, text);
            Assert.Equal(7, rows.Count);
            // No exact time, nor an answer id that orders the answers: the day only.
            Assert.DoesNotMatch(@"\d\d:\d\d", text);
            Assert.All(rows, r => Assert.False(r.ContainsKey("answer_id") || r.ContainsKey("answerId") || r.ContainsKey("created_at") || r.ContainsKey("createdAt"), file));
            Assert.All(rows, r => Assert.Matches(@"^\d{4}-\d\d-\d\d$", r["day"]));
            // The lone grid operator is not named as one; "other" then holds fewer than 3, so the smallest named group joins it.
            Assert.DoesNotContain(rows, r => r["group"] == "grid-operators");
            Assert.Equal("other", rows.Single(r => r["participant"] == loner)["group"]);
            Assert.Equal(4, rows.Count(r => r["group"] == "other"));
            Assert.Equal(3, rows.Count(r => r["group"] == "residents"));
        }

        // export.json labels its answers alike, and its aggregate is what delphi analyze makes of them.
        var export = JsonNode.Parse(await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export.json"))!;
        var item = export["rounds"]![0]!["items"]!.AsArray().Single(i => i!["itemId"]!.GetValue<long>() == s.SevenPointItem)!;
        var groups = item["answers"]!["responses"]!.AsArray().Select(r => r!["group"]!.GetValue<string>()).ToList();
        Assert.Equal(["other", "other", "other", "other", "residents", "residents", "residents"], groups.Order(StringComparer.Ordinal));
        var stdout = new StringWriter();
        Assert.Equal(0, DelphiRounds.Cli.Analyze.AnalyzeCommand.Run(["-"], new StringReader(item["answers"]!.ToJsonString()), stdout, new StringWriter()));
        Assert.Equal(item["aggregate"]!.ToJsonString(), JsonNode.Parse(stdout.ToString())!.ToJsonString());
    }

    [Fact]
    public void Groups_too_small_to_hide_a_member_are_other_in_every_round_and_other_is_never_under_three()
    {
        var rows = new List<(long, string, string)>();
        void Answered(long round, string group, int count)
        {
            for (var i = 0; i < count; i++) rows.Add((round, group, $"{group}-{i}"));
        }
        Answered(1, "a", 4); Answered(1, "b", 3); Answered(1, "c", 3); Answered(1, "d", 5);
        Answered(2, "a", 4); Answered(2, "b", 3); Answered(2, "c", 2); Answered(2, "d", 5);
        // c is under 3 in round 2, so it is "other" in both rounds; "other" then holds 2 in round 2, so b (the smallest) joins.
        var labels = ExportGroups.Labels(rows);
        Assert.Equal(["a", "other", "other", "d"], new[] { "a", "b", "c", "d" }.Select(g => labels[g]));
        // Every group large enough: every label kept.
        Assert.All(ExportGroups.Labels(rows.Where(r => r.Item2 != "c")), l => Assert.NotEqual("other", l.Value));
    }

    [Fact]
    public async Task The_dissent_annex_quotes_a_lone_minority_member_without_their_value_or_group()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 5);
        // Three grid operators answer 2, one housing member answers 1, the other eleven answer 6.
        for (var i = 0; i < s.Participants.Count; i++)
        {
            var p = s.Participants[i];
            object body = i switch
            {
                < 3 => new { itemId = s.SevenPointItem, value = 2, rationale = $"Te duur voor de netbeheerder {i}." },
                5 => new { itemId = s.SevenPointItem, value = 1, rationale = "Ik sta hier alleen in." },
                _ => new { itemId = s.SevenPointItem, value = 6 },
            };
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, body), HttpStatusCode.Created);
        }
        Assert.Equal("housing", s.Participants[5].Group);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var html = await browser.GetStringAsync($"/f/studies/{s.StudyId}/report");
        var annex = Regex.Match(html, "<section class=\"report-section\" id=\"dissent\".*?(?=<section class=\"report-section\")", RegexOptions.Singleline).Value;
        var quotes = Regex.Matches(annex, "<blockquote class=\"argument\".*?</blockquote>", RegexOptions.Singleline).Select(m => WebUtility.HtmlDecode(m.Value)).ToList();
        Assert.Equal(4, quotes.Count);
        // The lone 1: neither the value nor the group beside the words.
        var alone = quotes.Single(q => q.Contains("Ik sta hier alleen in."));
        Assert.Contains("Antwoord niet genoemd", alone);
        Assert.Contains("groep niet genoemd", alone);
        Assert.DoesNotContain("Antwoord 1", alone);
        Assert.DoesNotContain("Woningcorporaties", alone);
        // Three shared 2 in one group of five: value and group fit three people, so both are given.
        Assert.All(quotes.Where(q => q.Contains("Te duur")), q => Assert.Contains("Antwoord 2 · Netbeheerders", q));
    }

    private List<string> Rows(string sql)
    {
        using var c = DatabaseDump.Open(app.DatabasePath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    /// <summary>The rows of a CSV or JSON data file, as column → text (JSON fields under their snake_case names).</summary>
    private static List<Dictionary<string, string>> Rows(string file, string text)
    {
        if (file.EndsWith(".csv", StringComparison.Ordinal)) return ExportTests.Csv(text);
        return JsonDocument.Parse(text).RootElement.EnumerateArray()
            .Select(o => o.EnumerateObject().ToDictionary(p => Snake(p.Name), p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))
            .ToList();
    }

    private static string Snake(string camel) => Regex.Replace(camel, "[A-Z]", m => "_" + char.ToLowerInvariant(m.Value[0]));
}
