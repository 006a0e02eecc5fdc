using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DelphiRounds.Cli.Analyze;
using DelphiRounds.Studies;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 14, item 7: "don't know" is stored, counted and shown apart, never inside the statistics; the optional
/// self-rated expertise gives the facilitator the experts' figures next to everyone's, and the verdict rests on
/// everyone unless the locked rules say <c>verdictBasis: experts</c>.
/// </summary>
public sealed class DontKnowTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    /// <summary>A study whose 1–7 item allows "don't know" (and asks the expertise when told), with a numeric item allowing it too; round 1 open.</summary>
    private async Task<(Scenario S, long Numeric)> SetUpAsync(bool expertise = false, string? verdictBasis = null)
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var item = await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SevenPointItem}/answering",
            new { allowDontKnow = true, askExpertise = expertise }), HttpStatusCode.OK);
        Assert.True(item.GetProperty("allowDontKnow").GetBoolean());
        Assert.Equal(expertise, item.GetProperty("askExpertise").GetBoolean());
        var numeric = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items", new
        {
            kind = "numeric", text = new { nl = "Aandeel warmtenet in 2030", en = "Share of district heating in 2030" },
            unit = "%", rangeMin = 0, rangeMax = 100, allowDontKnow = true,
        }), HttpStatusCode.Created);
        if (verdictBasis is not null)
            await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new { verdictBasis }), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        return (s, numeric.GetProperty("id").GetInt64());
    }

    private async Task Refused(Func<Task<HttpResponseMessage>> send, HttpStatusCode status, string field)
    {
        var before = DatabaseDump.Take(app.DatabasePath);
        var response = await send();
        var body = await response.ReadAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}': {body}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task Dont_know_with_a_value_without_either_where_not_allowed_and_expertise_outside_1_to_5_are_refused_with_422_naming_the_field()
    {
        var (s, numeric) = await SetUpAsync(expertise: true);
        var token = s.Participants[0].Token;
        Task<HttpResponseMessage> Post(object body) => Scenario.AnswerAsync(app, token, s.RoundId, body);

        await Refused(() => Post(new { itemId = s.SevenPointItem, value = 5, dontKnow = true }), HttpStatusCode.UnprocessableEntity, "dontKnow");
        await Refused(() => Post(new { itemId = s.SevenPointItem }), HttpStatusCode.UnprocessableEntity, "value");
        await Refused(() => Post(new { itemId = numeric, value = 40, dontKnow = true }), HttpStatusCode.UnprocessableEntity, "dontKnow");
        await Refused(() => Post(new { itemId = numeric }), HttpStatusCode.UnprocessableEntity, "value");
        // The 1–5 item was not set to allow "don't know", nor to ask the expertise.
        await Refused(() => Post(new { itemId = s.FivePointItem, dontKnow = true }), HttpStatusCode.UnprocessableEntity, "dontKnow");
        await Refused(() => Post(new { itemId = s.FivePointItem, value = 3, expertise = 4 }), HttpStatusCode.UnprocessableEntity, "expertise");
        foreach (var expertise in new[] { 0, 6, 2.5, -1 })
            await Refused(() => Post(new { itemId = s.SevenPointItem, value = 5, expertise }), HttpStatusCode.UnprocessableEntity, "expertise");

        // The same item takes both kinds of answer; the revision keeps the earlier one in the history.
        var first = await Scenario.Expect(await Post(new { itemId = s.SevenPointItem, value = 2, expertise = 3 }), HttpStatusCode.Created);
        Assert.Equal(3, first.GetProperty("expertise").GetInt32());
        var second = await Scenario.Expect(await Post(new { itemId = s.SevenPointItem, dontKnow = true, expertise = 5 }), HttpStatusCode.Created);
        Assert.True(second.GetProperty("dontKnow").GetBoolean());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("value").ValueKind);
        Assert.Equal(2, second.GetProperty("revision").GetInt32());
        // A retry of the "don't know" with its key replays it, the same key with a value is a reused key.
        await Scenario.Expect(await Post(new { itemId = numeric, dontKnow = true, idempotencyKey = "dk-retry-0001" }), HttpStatusCode.Created);
        await Scenario.Expect(await Post(new { itemId = numeric, dontKnow = true, idempotencyKey = "dk-retry-0001" }), HttpStatusCode.OK);
        await Refused(() => Post(new { itemId = numeric, value = 10, idempotencyKey = "dk-retry-0001" }), HttpStatusCode.UnprocessableEntity, "idempotencyKey");
    }

    [Fact]
    public async Task Dont_know_is_counted_apart_and_never_inside_the_statistics_live_at_the_close_in_exports_and_delphi_analyze()
    {
        var (s, numeric) = await SetUpAsync();
        var grid = s.Participants.Where(p => p.Group == "grid-operators").ToList();
        var housing = s.Participants.Where(p => p.Group == "housing").ToList();
        var residents = s.Participants.Where(p => p.Group == "residents").ToList();
        async Task Answer((long Id, string Group, string Token) p, object body) =>
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, body), HttpStatusCode.Created);
        async Task<JsonElement> Stats() => Scenario.ItemStats(
            await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK), s.SevenPointItem);

        foreach (var p in grid) await Answer(p, new { itemId = s.SevenPointItem, value = 7 });
        var released = await Stats();
        Assert.Equal(3, released.GetProperty("overall").GetProperty("n").GetInt32());
        Assert.False(released.TryGetProperty("dontKnow", out _));

        // Two residents say "don't know" (one of them first said 1), one housing member answers 6: a release of three
        // people, but two "don't know" are fewer than k, so the count is not shown.
        await Answer(residents[0], new { itemId = s.SevenPointItem, value = 1 });
        await Answer(residents[0], new { itemId = s.SevenPointItem, dontKnow = true });
        await Answer(residents[1], new { itemId = s.SevenPointItem, dontKnow = true });
        await Answer(housing[0], new { itemId = s.SevenPointItem, value = 6 });
        released = await Stats();
        Assert.Equal(4, released.GetProperty("overall").GetProperty("n").GetInt32());
        Assert.Equal(7, released.GetProperty("overall").GetProperty("median").GetDouble());
        Assert.False(released.TryGetProperty("dontKnow", out _));

        // The third "don't know": the shown count moves from nothing to three, a step of k.
        await Answer(residents[2], new { itemId = s.SevenPointItem, dontKnow = true });
        await Answer(housing[1], new { itemId = s.SevenPointItem, value = 6 });
        await Answer(housing[2], new { itemId = s.SevenPointItem, value = 6 });
        released = await Stats();
        var overall = released.GetProperty("overall");
        // Six values: 6 6 6 7 7 7. Were "don't know" counted (as a value or in n), n would be 9 and the median lower.
        Assert.Equal(6, overall.GetProperty("n").GetInt32());
        Assert.Equal(6.5, overall.GetProperty("median").GetDouble());
        Assert.Equal(3, released.GetProperty("dontKnow").GetInt32());

        // A fourth "don't know" in a release of three people moves the count by one: it stays at three until the close.
        await Answer(grid[0], new { itemId = s.SevenPointItem, dontKnow = true });
        await Answer(grid[1], new { itemId = s.SevenPointItem, value = 6 });
        await Answer(grid[2], new { itemId = s.SevenPointItem, value = 6 });
        released = await Stats();
        Assert.Equal(5, released.GetProperty("overall").GetProperty("n").GetInt32());
        Assert.Equal(3, released.GetProperty("dontKnow").GetInt32());

        foreach (var p in s.Participants.Take(3)) await Answer(p, new { itemId = numeric, value = 40 });
        foreach (var p in s.Participants.Skip(3).Take(3)) await Answer(p, new { itemId = numeric, dontKnow = true });
        foreach (var p in s.Participants) await Answer(p, new { itemId = s.FivePointItem, value = 4 });

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        // The close releases the final figures: four "don't know", outside the five answers (6 6 6 6 6).
        var final = await Stats();
        Assert.Equal(4, final.GetProperty("dontKnow").GetInt32());
        Assert.Equal(5, final.GetProperty("overall").GetProperty("n").GetInt32());

        // The verdict's analysis (stats endpoint, convergence API) rests on the five values only.
        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var analysis = convergence.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == s.SevenPointItem).GetProperty("analysis");
        Assert.Equal(5, analysis.GetProperty("n").GetInt32());
        Assert.Equal(6, analysis.GetProperty("median").GetDouble());

        // export.json: "don't know" is not among the answers, counted apart; delphi analyze reproduces the aggregate.
        var export = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export.json"), HttpStatusCode.OK);
        var items = export.GetProperty("rounds")[0].GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("itemId").GetInt64());
        foreach (var (itemId, values, dontKnow) in new[] { (s.SevenPointItem, 5, 4), (numeric, 3, 3), (s.FivePointItem, 9, 0) })
        {
            var entry = items[itemId];
            Assert.Equal(dontKnow, entry.GetProperty("dontKnow").GetInt32());
            Assert.Equal(values, entry.GetProperty("answers").GetProperty("responses").GetArrayLength());
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.True(AnalyzeCommand.Run(["-"], new StringReader(entry.GetProperty("answers").GetRawText()), stdout, stderr) == 0, stderr.ToString());
            Assert.Equal(Compact(entry.GetProperty("aggregate")), Compact(JsonDocument.Parse(stdout.ToString()).RootElement));
        }

        // aggregates.csv: the count in its own column of the panel row; n is the values.
        var csv = ExportTests.Csv(await (await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export/aggregates.csv")).Content.ReadAsStringAsync());
        var panel = csv.Single(r => r["item_id"] == s.SevenPointItem.ToString(CultureInfo.InvariantCulture) && r["scope"] == "panel" && r["basis"] == "current");
        Assert.Equal("4", panel["dont_know"]);
        Assert.Equal("5", panel["n"]);
        // answers.csv keeps every revision: the resident's 1 and then "don't know".
        var answers = ExportTests.Csv(await (await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export/answers.csv")).Content.ReadAsStringAsync());
        var revisions = answers.Where(r => r["item_id"] == s.SevenPointItem.ToString(CultureInfo.InvariantCulture) && r["value"] == "1").ToList();
        Assert.Single(revisions);
        Assert.Contains(answers, r => r["participant"] == revisions[0]["participant"] && r["item_id"] == revisions[0]["item_id"] && r["revision"] == "2" && r["detail"].Contains("\"dontKnow\":true"));

        // The convergence page and the report say how many did not know, apart from n.
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence");
        var block = ConvergenceViewTests.Item(page, s.SevenPointItem);
        Assert.Contains("data-dont-know=\"4\"", block);
        Assert.Contains("4 weet het niet", block);
        Assert.Matches("data-figure=\"n\">5<", block);
        Assert.Matches("data-figure=\"dontKnow\">4<", block);
        Assert.DoesNotContain("data-dont-know", ConvergenceViewTests.Item(page, s.FivePointItem));
    }

    [Fact]
    public async Task The_facilitator_sees_everyone_and_the_experts_side_by_side_and_the_verdict_uses_everyone_by_default()
    {
        var (s, _) = await SetUpAsync(expertise: true);
        await AnswerExpertsAsync(s);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var block = ConvergenceViewTests.Item(await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence"), s.SevenPointItem);
        // Everyone: 1 1 1 6 6 6 7 7 7; experts (4–5): 6 6 6 7 7 7.
        Assert.Matches("data-all=\"n\">9<", block);
        Assert.Matches("data-all=\"median\">6<", block);
        Assert.Matches("data-experts=\"n\">6<", block);
        Assert.Matches("data-experts=\"median\">6[,.]5<", block);
        Assert.Contains("data-verdict-basis=\"all\"", block);

        var export = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export.json"), HttpStatusCode.OK);
        var entry = export.GetProperty("rounds")[0].GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == s.SevenPointItem);
        Assert.Equal(9, entry.GetProperty("answers").GetProperty("responses").GetArrayLength());
        Assert.False(entry.TryGetProperty("verdictBasis", out _));
        // An item that does not ask the expertise has no experts' table.
        Assert.DoesNotContain("data-experts=", ConvergenceViewTests.Item(await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence"), s.FivePointItem));
    }

    [Fact]
    public async Task Under_verdictBasis_experts_the_verdict_rests_on_the_experts_and_the_expertise_items_are_locked_in_the_hash()
    {
        var (s, _) = await SetUpAsync(expertise: true, verdictBasis: "experts");
        var criteria = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        var canonical = criteria.GetProperty("canonicalJson").GetString()!;
        Assert.Contains("\"verdictBasis\":\"experts\"", canonical);
        Assert.Contains($"\"expertItems\":[{s.SevenPointItem}]", canonical);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), criteria.GetProperty("hash").GetString());
        // After the lock the item's answering settings are fixed.
        await Refused(() => s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SevenPointItem}/answering", new { askExpertise = false }),
            HttpStatusCode.Conflict, "itemId");

        await AnswerExpertsAsync(s);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var export = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export.json"), HttpStatusCode.OK);
        var entry = export.GetProperty("rounds")[0].GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == s.SevenPointItem);
        Assert.Equal("experts", entry.GetProperty("verdictBasis").GetString());
        Assert.Equal(6, entry.GetProperty("answers").GetProperty("responses").GetArrayLength());
        Assert.Equal(6.5, entry.GetProperty("aggregate").GetProperty("median").GetDouble());
        var stdout = new StringWriter();
        Assert.Equal(0, AnalyzeCommand.Run(["-"], new StringReader(entry.GetProperty("answers").GetRawText()), stdout, new StringWriter()));
        Assert.Equal(Compact(entry.GetProperty("aggregate")), Compact(JsonDocument.Parse(stdout.ToString()).RootElement));
        // The 1–5 item did not ask the expertise: its verdict rests on everyone.
        var other = export.GetProperty("rounds")[0].GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == s.FivePointItem);
        Assert.Equal(9, other.GetProperty("answers").GetProperty("responses").GetArrayLength());

        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var block = ConvergenceViewTests.Item(await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence"), s.SevenPointItem);
        Assert.Contains("data-verdict-basis=\"experts\"", block);
        Assert.Matches("data-all=\"n\">9<", block);
    }

    /// <summary>
    /// Experts' figures of an open round are not shown (they would move by single experts' answers between two releases,
    /// which the threshold release does not gate); the page says they come when the round closes, in both languages.
    /// </summary>
    [Fact]
    public async Task The_open_rounds_page_shows_no_experts_figures_and_says_they_appear_when_the_round_closes()
    {
        var (s, _) = await SetUpAsync(expertise: true);
        await AnswerExpertsAsync(s);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var round2 = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/open", null), HttpStatusCode.OK);
        await AnswerExpertsAsync(s with { RoundId = round2 });
        // Everyone's figures of round 2 are released (nine answers) and on the page.
        await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{round2}/stats"), HttpStatusCode.OK);

        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        string ExpertsTable(string block) =>
            System.Text.RegularExpressions.Regex.Match(block, $"data-experts=\"{s.SevenPointItem}\".*?</table>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        foreach (var (culture, says) in new[]
        {
            ("nl", "Cijfers van de experts ziet u pas als de ronde dicht is."),
            ("en", "You see the experts&#x27; figures only when the round has closed."),
        })
        {
            var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence?culture={culture}");
            var block = ConvergenceViewTests.Item(page, s.SevenPointItem);
            Assert.Contains($"data-experts-after-close=\"{s.SevenPointItem}\">{says}", block);
            var table = ExpertsTable(block);
            Assert.Contains("data-round=\"1\"", table);
            Assert.DoesNotContain("data-round=\"2\"", table);
            // The item that does not ask the expertise says nothing about experts.
            Assert.DoesNotContain("data-experts-after-close", ConvergenceViewTests.Item(page, s.FivePointItem));
        }

        // Closed, round 2's experts' figures are there and the note is gone.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/close", null), HttpStatusCode.OK);
        var closed = ConvergenceViewTests.Item(await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence"), s.SevenPointItem);
        Assert.DoesNotContain("data-experts-after-close", closed);
        Assert.Contains("data-round=\"2\"", ExpertsTable(closed));
    }

    [Fact]
    public async Task Experts_figures_are_not_shown_for_fewer_than_k_experts()
    {
        var (s, _) = await SetUpAsync(expertise: true);
        var i = 0;
        foreach (var p in s.Participants)
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId,
                new { itemId = s.SevenPointItem, value = 5, expertise = i++ < 2 ? 5 : 1 }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var block = ConvergenceViewTests.Item(await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence"), s.SevenPointItem);
        Assert.Matches("data-all=\"n\">9<", block);
        Assert.Contains("data-experts=\"hidden\"", block);
        Assert.DoesNotContain("data-experts=\"n\"", block);
    }

    [Fact]
    public async Task A_citizen_panel_allows_dont_know_by_default_on_rating_numeric_and_year_items_only()
    {
        var f = app.Client((await app.FacilitatorAsync()).Token);
        async Task<long> StudyAsync(bool? citizenPanel)
        {
            var study = await Scenario.Expect(await f.PostJsonAsync("/api/v1/studies", new
            {
                title = "Buurtpanel", organiser = "Testgemeente", citizenPanel,
                groups = new[] { new { name = "Bewoners", nameEn = "Residents", slug = "residents" } },
            }), HttpStatusCode.Created);
            Assert.Equal(citizenPanel == true, study.GetProperty("citizenPanel").GetBoolean());
            return study.GetProperty("id").GetInt64();
        }
        async Task<JsonElement> ItemAsync(long studyId, object body) =>
            await Scenario.Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/items", body), HttpStatusCode.Created);
        var rating = new { kind = "rating", text = new { nl = "Stelling" }, scale = new { min = 1, max = 5 } };
        var year = new { kind = "year", text = new { nl = "Wanneer?" }, rangeMin = 2025, rangeMax = 2050 };
        var ranking = new { kind = "ranking", text = new { nl = "Volgorde" }, options = new[] { new { nl = "A" }, new { nl = "B" } } };

        var citizens = await StudyAsync(true);
        Assert.True((await ItemAsync(citizens, rating)).GetProperty("allowDontKnow").GetBoolean());
        Assert.True((await ItemAsync(citizens, year)).GetProperty("allowDontKnow").GetBoolean());
        Assert.False((await ItemAsync(citizens, ranking)).GetProperty("allowDontKnow").GetBoolean());
        Assert.False((await ItemAsync(citizens, new { kind = "rating", text = new { nl = "Stelling" }, scale = new { min = 1, max = 5 }, allowDontKnow = false }))
            .GetProperty("allowDontKnow").GetBoolean());

        var experts = await StudyAsync(null);
        Assert.False((await ItemAsync(experts, rating)).GetProperty("allowDontKnow").GetBoolean());
        Assert.True((await ItemAsync(experts, new { kind = "rating", text = new { nl = "Stelling" }, scale = new { min = 1, max = 5 }, allowDontKnow = true }))
            .GetProperty("allowDontKnow").GetBoolean());
        // A ranking has no statistics to keep "don't know" out of.
        await Refused(() => f.PostJsonAsync($"/api/v1/studies/{experts}/items", new { kind = "ranking", text = new { nl = "Volgorde" },
            options = new[] { new { nl = "A" }, new { nl = "B" } }, allowDontKnow = true }), HttpStatusCode.BadRequest, "allowDontKnow");
    }

    [Fact]
    public void A_version_2_study_locked_without_verdictBasis_keeps_its_canonical_json_and_hash()
    {
        var json = ConsensusRules.Default.ToCanonicalJson();
        Assert.DoesNotContain("verdictBasis", json);
        Assert.DoesNotContain("expertItems", json);
        var read = ConsensusRules.FromJson(json);
        Assert.Equal(json, read.ToCanonicalJson());
        Assert.Equal(ConsensusRules.Default.Hash(), read.Hash());
        Assert.False(read.VerdictFromExperts(1));
        // With the basis set, only the items locked as expert items rest on the experts.
        var experts = read with { VerdictBasis = ConsensusRules.BasisExperts, ExpertItems = [7] };
        Assert.True(ConsensusRules.FromJson(experts.ToCanonicalJson()).VerdictFromExperts(7));
        Assert.False(experts.VerdictFromExperts(8));
        Assert.NotEqual(read.Hash(), experts.Hash());
    }

    private static string Compact(JsonElement e) => JsonSerializer.Serialize(e);

    /// <summary>Grid operators 7 (expertise 5), housing 1 (expertise 2), residents 6 (expertise 4).</summary>
    private async Task AnswerExpertsAsync(Scenario s)
    {
        foreach (var p in s.Participants)
        {
            var (value, expertise) = p.Group switch { "grid-operators" => (7, 5), "housing" => (1, 2), _ => (6, 4) };
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value, expertise }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.FivePointItem, value = 4 }), HttpStatusCode.Created);
        }
    }
}
