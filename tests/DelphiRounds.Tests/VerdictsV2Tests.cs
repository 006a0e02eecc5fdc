using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DelphiRounds.Studies;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Version 2 of the consensus rules in the process: what is locked and hashed, consensus for and against,
/// polarised panels with their poles, stable dissent, fragility, no consensus before feedback, and the refusals.
/// Every expected figure is worked out by hand in the comments.
/// </summary>
public sealed class VerdictsV2Tests(DelphiApp app) : IClassFixture<DelphiApp>
{
    // The canonical criteria every study got before version 2 existed, as the old code wrote them.
    private const string Version1Json =
        "{\"maxIqr\":1,\"maxIqrShareOfRange\":0.1,\"minKendallW\":0.7,\"agreementTopCategories\":2,\"minAgreement\":0.7," +
        "\"maxChangedFraction\":0.15,\"requireEveryGroup\":true,\"minGroupSize\":3,\"maxRounds\":4,\"quantileMethod\":7}";
    // sha256 of Version1Json, computed apart from the code (Python's hashlib).
    private const string Version1Hash = "28fa09e8f52a0adbd53b3c61b48b58a5390394d4b2baa50f1b77ac7b65a70d72";

    [Fact]
    public void Stored_criteria_without_a_version_are_version_1_and_keep_their_canonical_json()
    {
        var rules = ConsensusRules.FromJson(Version1Json);
        Assert.Equal(1, rules.RulesVersion);
        Assert.Null(rules.MinRoundForConsensus);
        Assert.Equal(Version1Json, rules.ToCanonicalJson());
        Assert.Equal(Version1Hash, rules.Hash());
    }

    [Fact]
    public async Task A_new_study_gets_version_2_with_its_defaults_locked_and_hashed_when_round_1_opens()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var draft = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        var criteria = draft.GetProperty("criteria");
        Assert.Equal(2, criteria.GetProperty("version").GetInt32());
        Assert.Equal(2, criteria.GetProperty("minRoundForConsensus").GetInt32());
        Assert.Equal(0.15, criteria.GetProperty("maxNetChange").GetDouble());
        Assert.Equal(0.05, criteria.GetProperty("maxMedianShiftShareOfRange").GetDouble());
        Assert.Equal(2, criteria.GetProperty("disagreementBottomCategories").GetInt32());
        Assert.Equal(0.05, criteria.GetProperty("maxKendallWChange").GetDouble());

        // Rules per item are part of the same document, so of the same hash.
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new
        {
            maxIqr = 1.0, minAgreement = 0.7, minGroupSize = 3, maxRounds = 4, quantileMethod = 7, requireEveryGroup = true,
            agreementTopCategories = 2, maxIqrShareOfRange = 0.1, minKendallW = 0.7, maxChangedFraction = 0.15,
            items = new Dictionary<string, object> { [s.FivePointItem.ToString()] = new { agreementBand = new[] { 5, 5 }, maxIqr = 0.5 } },
        }), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var locked = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        var canonical = locked.GetProperty("canonicalJson").GetString()!;
        Assert.Contains("\"version\":2", canonical);
        Assert.Contains($"\"items\":{{\"{s.FivePointItem}\":{{\"agreementBand\":[5,5],\"maxIqr\":0.5}}}}", canonical);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), locked.GetProperty("hash").GetString());

        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new { maxIqr = 1.0, minGroupSize = 3, maxRounds = 4, quantileMethod = 7, minRoundForConsensus = 1 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.True((await refused.ReadAsync()).GetProperty("errors").TryGetProperty("criteria", out _));
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task A_study_locked_under_version_1_keeps_version_1_and_its_hash()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        DatabaseDump.Execute(app.DatabasePath, $"UPDATE studies SET criteria_json = '{Version1Json}' WHERE id = {s.StudyId}");
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var locked = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        Assert.Equal(Version1Json, locked.GetProperty("canonicalJson").GetString());
        Assert.Equal(Version1Hash, locked.GetProperty("hash").GetString());

        // Everyone at 6 or 7 in round 1: version 1 calls that consensus at once (version 2 would wait for round 2).
        for (var i = 0; i < s.Participants.Count; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 + i % 2 }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        Assert.Equal(1, convergence.GetProperty("rulesVersion").GetInt32());
        var item = Item(convergence, s.SevenPointItem);
        Assert.Equal("consensus", item.GetProperty("verdict").GetString());
        Assert.False(item.GetProperty("analysis").TryGetProperty("verdict", out _));
    }

    [Fact]
    public async Task Consensus_against_waits_for_feedback_and_a_polarised_item_settles_as_stable_dissent()
    {
        var s = await Scenario.CreateAsync(app);
        // Participants 0–2 grid operators, 3–5 housing, 6–8 residents.
        // 1–7 item: 1, 2, 1, 2, … → five 1s and four 2s: 9 of 9 in 1–2; sorted 1,1,1,1,1,2,2,2,2 gives Q1 = 1, Q3 = 2, IQR 1 ≤ 1.
        // 1–5 item: grid operators 5 5 5, housing 5 5 4, residents 1 1 1 → 6 of 9 (0.67) in 4–5 and 3 of 9 (0.33) in 1–2:
        // neither reaches 0.7; both camps hold at least 0.25 of 9 ≥ 4 answers, so polarised; group medians 5, 5 and 1.
        int[] polarised = [5, 5, 5, 5, 5, 4, 1, 1, 1];
        async Task AnswerAll(long roundId)
        {
            for (var i = 0; i < s.Participants.Count; i++)
            {
                await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, roundId, new { itemId = s.SevenPointItem, value = 1 + i % 2 }), HttpStatusCode.Created);
                await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, roundId, new { itemId = s.FivePointItem, value = polarised[i] }), HttpStatusCode.Created);
            }
        }
        await AnswerAll(s.RoundId);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        var first = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var against1 = Item(first, s.SevenPointItem);
        // The analysis finds the direction; the process does not count it before the panel saw round 1's figures.
        Assert.Equal("against", against1.GetProperty("analysis").GetProperty("consensus").GetProperty("direction").GetString());
        Assert.Equal("continue", against1.GetProperty("verdict").GetString());
        Assert.Contains("Consensus counts from round 2 on, once the panel has seen the figures of an earlier round.", Lines(against1, "reasons", "en"));
        Assert.Contains("Consensus telt pas vanaf ronde 2: nadat het panel de uitkomsten van een eerdere ronde heeft gezien.", Lines(against1, "reasons", "nl"));
        var split1 = Item(first, s.FivePointItem);
        Assert.Equal("continue", split1.GetProperty("verdict").GetString());
        Assert.Equal("polarised", split1.GetProperty("outcome").GetString());
        Assert.Equal(["grid-operators", "housing"], Strings(split1.GetProperty("poles").GetProperty("for")));
        Assert.Equal(["residents"], Strings(split1.GetProperty("poles").GetProperty("against")));
        Assert.Equal("continuing", first.GetProperty("stopReason").GetString());

        var round2 = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created);
        var round2Id = round2.GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2Id}/open", null), HttpStatusCode.OK);
        await AnswerAll(round2Id);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2Id}/close", null), HttpStatusCode.OK);

        var second = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var against2 = Item(second, s.SevenPointItem);
        Assert.Equal("consensus-against", against2.GetProperty("verdict").GetString());
        Assert.Equal("consensus-against", against2.GetProperty("outcome").GetString());
        Assert.Equal(["9 of 9 chose 1 or 2; 70 % was needed."], Lines(against2, "reasons", "en"));
        Assert.Equal(["9 van de 9 kozen 1 of 2; 70% was nodig."], Lines(against2, "reasons", "nl"));
        // Any one answer or group away, the rest are still all in 1–2 with an IQR of at most 1: not fragile.
        Assert.Equal(JsonValueKind.Null, against2.GetProperty("fragility").ValueKind);

        // Same answers as round 1: the distribution's net change is 0 ≤ 0.15, so the split is stable.
        var split2 = Item(second, s.FivePointItem);
        Assert.Equal("stable-dissent", split2.GetProperty("verdict").GetString());
        Assert.Equal("polarised", split2.GetProperty("outcome").GetString());
        Assert.Equal(0.0, split2.GetProperty("analysis").GetProperty("stability").GetProperty("netChange").GetDouble());
        var en = Lines(split2, "reasons", "en");
        Assert.Contains("6 of 9 chose 4 or 5; 70 % was needed.", en);
        Assert.Contains("3 of 9 chose 1 or 2; 70 % was needed.", en);
        Assert.Contains("Two camps. For: Grid operators, Housing corporations. Against: Residents.", en);
        Assert.Contains("Twee kampen. Eens: Netbeheerders, Woningcorporaties. Oneens: Bewoners.", Lines(split2, "reasons", "nl"));
        Assert.DoesNotContain(en, l => l.Contains("0.6667") || l.Contains(" < "));

        // The stats endpoint gives the facilitator the same verdicts; participants get the figures only.
        var stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{round2Id}/stats"), HttpStatusCode.OK);
        var verdicts = stats.GetProperty("verdicts").EnumerateArray().ToDictionary(v => v.GetProperty("itemId").GetInt64());
        Assert.Equal("consensus-against", verdicts[s.SevenPointItem].GetProperty("verdict").GetString());
        Assert.Equal(2, verdicts[s.SevenPointItem].GetProperty("round").GetInt32());
        Assert.Equal("stable-dissent", verdicts[s.FivePointItem].GetProperty("verdict").GetString());
        Assert.Equal("polarised", verdicts[s.FivePointItem].GetProperty("outcome").GetString());
        Assert.Equal(["residents"], Strings(verdicts[s.FivePointItem].GetProperty("polesAgainst")));
        var round1Stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        Assert.Equal("continue", round1Stats.GetProperty("verdicts").EnumerateArray().Single(v => v.GetProperty("itemId").GetInt64() == s.SevenPointItem).GetProperty("verdict").GetString());
        var asParticipant = await Scenario.Expect(await app.Client(s.Participants[0].Token).GetAsync($"/api/v1/rounds/{round2Id}/stats"), HttpStatusCode.OK);
        Assert.False(asParticipant.TryGetProperty("verdicts", out _));

        // Every item has consensus or stable dissent before the round limit (4): the study stops for that reason.
        Assert.True(second.GetProperty("stops").GetBoolean());
        Assert.Equal("settled", second.GetProperty("stopReason").GetString());
    }

    [Fact]
    public async Task A_substantive_rewording_starts_a_new_series_and_an_editorial_one_keeps_comparing()
    {
        var s = await Scenario.CreateAsync(app);
        // Both items split the same way in both rounds: 6 of 9 at the top, 3 of 9 at the bottom (both ≥ 0.25: polarised, no
        // consensus). Same answers twice: net change 0 ≤ 0.15, so stable dissent — where the answers are one series.
        int[] seven = [7, 7, 7, 7, 7, 6, 1, 1, 1];
        int[] five = [5, 5, 5, 5, 5, 4, 1, 1, 1];
        async Task AnswerAll(long roundId)
        {
            for (var i = 0; i < s.Participants.Count; i++)
            {
                await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, roundId, new { itemId = s.SevenPointItem, value = seven[i] }), HttpStatusCode.Created);
                await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, roundId, new { itemId = s.FivePointItem, value = five[i] }), HttpStatusCode.Created);
            }
        }
        await AnswerAll(s.RoundId);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        // An unknown kind of change is refused with the field named, and nothing changes.
        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.FivePointItem}/reword",
            new { text = new { nl = "Iets anders" }, reason = new { nl = "Anders" }, change = "major" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.ReadAsync()).GetProperty("errors").TryGetProperty("change", out _));
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SevenPointItem}/reword",
            new { text = new { nl = "Stelling op een schaal tot zeven" }, reason = new { nl = "Typfout" }, change = "editorial" }), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.FivePointItem}/reword",
            new { text = new { nl = "Alleen nieuwbouw gaat op een warmtenet" }, reason = new { nl = "Nu over nieuwbouw" }, change = "substantive" }), HttpStatusCode.OK);
        var changelog = (await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/items/changelog"), HttpStatusCode.OK))
            .EnumerateArray().ToDictionary(c => c.GetProperty("itemId").GetInt64());
        Assert.False(changelog[s.SevenPointItem].GetProperty("substantive").GetBoolean());
        Assert.True(changelog[s.FivePointItem].GetProperty("substantive").GetBoolean());

        var round2 = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created);
        var round2Id = round2.GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2Id}/open", null), HttpStatusCode.OK);
        await AnswerAll(round2Id);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2Id}/close", null), HttpStatusCode.OK);

        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var editorial = Item(convergence, s.SevenPointItem);
        Assert.Equal("stable-dissent", editorial.GetProperty("verdict").GetString());
        Assert.Equal(0.0, editorial.GetProperty("analysis").GetProperty("stability").GetProperty("netChange").GetDouble());
        var substantive = Item(convergence, s.FivePointItem);
        // A new series has no earlier round to be stable against: it goes on.
        Assert.Equal("continue", substantive.GetProperty("verdict").GetString());
        Assert.Equal("polarised", substantive.GetProperty("outcome").GetString());
        Assert.False(substantive.GetProperty("analysis").TryGetProperty("stability", out _));
        Assert.False(substantive.GetProperty("analysis").TryGetProperty("attrition", out _));

        // export.json analyses the same way, so delphi analyze on its answers agrees.
        var export = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export.json"), HttpStatusCode.OK);
        var exported = export.GetProperty("rounds").EnumerateArray().Single(r => r.GetProperty("id").GetInt64() == round2Id)
            .GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("itemId").GetInt64());
        Assert.False(exported[s.FivePointItem].GetProperty("answers").TryGetProperty("previousRound", out _));
        Assert.True(exported[s.SevenPointItem].GetProperty("answers").TryGetProperty("previousRound", out _));
        Assert.Equal(JsonSerializer.Serialize(substantive.GetProperty("analysis")), JsonSerializer.Serialize(exported[s.FivePointItem].GetProperty("aggregate")));
    }

    [Fact]
    public async Task A_ranking_item_has_its_own_minimum_Kendalls_W_locked_with_the_rules()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var ranking = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items", new
        {
            kind = "ranking", text = new { nl = "Wie financiert de ruggengraat?" },
            options = new[] { new { key = "a", nl = "Gemeente" }, new { key = "b", nl = "Netbeheerder" }, new { key = "c", nl = "Rijk" } },
        }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var key = ranking.ToString(System.Globalization.CultureInfo.InvariantCulture);
        object Criteria(object items) => new
        {
            maxIqr = 1.0, minAgreement = 0.7, minGroupSize = 3, maxRounds = 4, quantileMethod = 7, requireEveryGroup = true,
            agreementTopCategories = 2, maxIqrShareOfRange = 0.1, minKendallW = 0.7, maxChangedFraction = 0.15, minRoundForConsensus = 1, items,
        };
        // A ranking has no scale (no band), and only a ranking is judged by W: refused with the field named, nothing changed.
        var before = DatabaseDump.Take(app.DatabasePath);
        foreach (var (items, field) in new (object, string)[]
                 {
                     (new Dictionary<string, object> { [key] = new { agreementBand = new[] { 1, 2 } } }, $"items.{key}.agreementBand"),
                     (new Dictionary<string, object> { [key] = new { minKendallW = 1.5 } }, $"items.{key}.minKendallW"),
                     (new Dictionary<string, object> { [s.SevenPointItem.ToString()] = new { minKendallW = 0.5 } }, $"items.{s.SevenPointItem}.minKendallW"),
                 })
        {
            var refused = await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", Criteria(items));
            var body = await refused.ReadAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, body.ToString());
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        }
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria",
            Criteria(new Dictionary<string, object> { [key] = new { minKendallW = 0.6, maxKendallWChange = 0.02 } })), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var canonical = (await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK)).GetProperty("canonicalJson").GetString()!;
        Assert.Contains($"\"items\":{{\"{key}\":{{\"minKendallW\":0.6,\"maxKendallWChange\":0.02}}}}", canonical);

        // Five rank a b c, two b a c, two a c b: rank sums a 11, b 18, c 25 around a mean of 18, S = 49 + 0 + 49 = 98,
        // W = 12·98 / (9²·(3³ − 3)) = 1176 / 1944 = 0.605: below the study's 0.7, above the item's own 0.6.
        var orders = new[] { "abc", "abc", "abc", "abc", "abc", "bac", "bac", "acb", "acb" };
        for (var i = 0; i < s.Participants.Count; i++)
        {
            var ranks = orders[i].Select((option, place) => (option, place)).ToDictionary(x => x.option.ToString(), x => x.place + 1);
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = ranking, ranks }), HttpStatusCode.Created);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var item = Item(convergence, ranking);
        Assert.Equal(1176.0 / 1944, item.GetProperty("analysis").GetProperty("kendallW").GetDouble(), 9);
        Assert.Equal("consensus-for", item.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task The_dissent_annex_of_a_consensus_against_gives_the_minority_outside_the_no_band()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 4, open: false);
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new
        {
            maxIqr = 1.0, minAgreement = 0.7, minGroupSize = 3, maxRounds = 4, quantileMethod = 7, requireEveryGroup = false,
            agreementTopCategories = 2, maxIqrShareOfRange = 0.1, minKendallW = 0.7, maxChangedFraction = 0.15, minRoundForConsensus = 1,
        }), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        // Eleven of twelve at 1 or 2, one at 6: 11 of 12 (0.92) in 1–2; sorted 1,1,1,1,1,1,2,2,2,2,2,6 gives Q1 = 1, Q3 = 2,
        // IQR 1 (the panel alone is judged: requireEveryGroup is off). Consensus against. The majority's argument is not dissent; the one at 6 is.
        for (var i = 0; i < s.Participants.Count; i++)
        {
            object body = i switch
            {
                0 => new { itemId = s.SevenPointItem, value = 1, rationale = "Veel te duur voor huurders." },
                11 => new { itemId = s.SevenPointItem, value = 6, rationale = "Zonder dit komt er geen net." },
                _ => new { itemId = s.SevenPointItem, value = 1 + i % 2 },
            };
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, body), HttpStatusCode.Created);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        Assert.Equal("consensus-against", Item(convergence, s.SevenPointItem).GetProperty("verdict").GetString());

        foreach (var (culture, minority) in new[] { ("nl", "Niet oneens (antwoord buiten 1–2)"), ("en", "Do not disagree (answer outside 1–2)") })
        {
            var report = await PageAsync(s, $"/f/studies/{s.StudyId}/report?culture={culture}");
            var annex = report[report.IndexOf($"id=\"dissent-{s.SevenPointItem}\"", StringComparison.Ordinal)..];
            annex = annex[..annex.IndexOf("</section>", StringComparison.Ordinal)];
            Assert.Contains(minority, annex);
            Assert.Contains("Zonder dit komt er geen net.", annex);
            Assert.DoesNotContain("Veel te duur voor huurders.", annex);
        }
    }

    [Fact]
    public async Task A_consensus_that_one_answer_would_tip_is_called_fragile()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 4, open: false);
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new
        {
            maxIqr = 1.0, minAgreement = 0.7, minGroupSize = 3, maxRounds = 4, quantileMethod = 7, requireEveryGroup = true,
            agreementTopCategories = 2, maxIqrShareOfRange = 0.1, minKendallW = 0.7, maxChangedFraction = 0.15, minRoundForConsensus = 1,
        }), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        // Each group of 4 answers 7, 7, 7, 5: every group 3 of 4 = 0.75 ≥ 0.7 in 6–7, the panel 9 of 12; sorted
        // 5,5,5,7,…: Q1 = 5 + 0.75·2 = 6.5, Q3 = 7, IQR 0.5. Take away one 7 and its group has 2 of 3 = 0.67 < 0.7:
        // each of the nine 7s tips it. Take away a 5 or a whole group and the rest still hold.
        for (var i = 0; i < s.Participants.Count; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = i % 4 == 3 ? 5 : 7 }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var item = Item(convergence, s.SevenPointItem);
        Assert.Equal("consensus-for", item.GetProperty("verdict").GetString());
        Assert.Equal(9, item.GetProperty("fragility").GetProperty("flipsWithoutOne").GetInt32());
        Assert.Empty(item.GetProperty("fragility").GetProperty("withoutGroups").EnumerateArray());
        Assert.Equal(["This consensus rests on one answer: without any one of 9 answers it would not hold."], Lines(item, "warnings", "en"));
        Assert.Equal(["Deze consensus hangt aan één antwoord: zonder één van 9 antwoorden houdt hij geen stand."], Lines(item, "warnings", "nl"));
        Assert.Equal(["9 of 12 chose 6 or 7; 70 % was needed."], Lines(item, "reasons", "en"));

        // The convergence page shows the verdict and the warning in Dutch.
        var page = await PageAsync(s, $"/f/studies/{s.StudyId}/convergence");
        Assert.Contains("data-outcome=\"consensus-for\"", page);
        Assert.Contains("Deze consensus hangt aan één antwoord", page);
    }

    [Fact]
    public async Task Bad_rules_are_refused_with_the_field_named_and_nothing_changes()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var numeric = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items",
            new { kind = "numeric", text = new { nl = "Aandeel woningen op een warmtenet in 2030" }, unit = "%", rangeMin = 0, rangeMax = 100 }), HttpStatusCode.Created);
        var numericId = numeric.GetProperty("id").GetInt64();
        var before = DatabaseDump.Take(app.DatabasePath);
        async Task Refused(object items, string field)
        {
            var response = await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new
            {
                maxIqr = 1.0, minAgreement = 0.7, minGroupSize = 3, maxRounds = 4, quantileMethod = 7, maxIqrShareOfRange = 0.1,
                minKendallW = 0.7, agreementTopCategories = 2, maxChangedFraction = 0.15, items,
            });
            var body = await response.ReadAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body.ToString());
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        }
        var seven = s.SevenPointItem.ToString();
        // Against 5–6 meets the default for-band 6–7 at 6.
        await Refused(new Dictionary<string, object> { [seven] = new { disagreementBand = new[] { 5, 6 } } }, $"items.{seven}.disagreementBand");
        await Refused(new Dictionary<string, object> { [seven] = new { agreementBand = new[] { 6, 8 } } }, $"items.{seven}.agreementBand");
        await Refused(new Dictionary<string, object> { [numericId.ToString()] = new { maxMedianShift = 0 } }, $"items.{numericId}.maxMedianShift");
        await Refused(new Dictionary<string, object> { [numericId.ToString()] = new { maxMedianShift = -2.5 } }, $"items.{numericId}.maxMedianShift");
        var response = await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria",
            new { maxIqr = 1.0, minGroupSize = 3, maxRounds = 4, quantileMethod = 7, maxMedianShiftShareOfRange = 0.0 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty("maxMedianShiftShareOfRange", out _));
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task The_criteria_form_refuses_a_median_shift_of_0_next_to_the_field_and_keeps_version_2()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var form = await browser.GetStringAsync($"/f/studies/{s.StudyId}");
        Assert.Contains("name=\"MinRoundForConsensus\"", form);
        Assert.DoesNotContain("name=\"MaxChangedPercent\"", form);
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Dictionary<string, string> Fields(string shift) => new()
        {
            ["MaxIqr"] = "1", ["MinAgreementPercent"] = "70", ["AgreementTopCategories"] = "2", ["MinGroupSize"] = "3", ["MaxRounds"] = "4",
            ["RequireEveryGroup"] = "true", ["DisagreementBottomCategories"] = "2", ["MaxNetChangePercent"] = "15", ["MedianShiftPercent"] = shift,
            ["MinRoundForConsensus"] = "3", ["__RequestVerificationToken"] = token,
        };
        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await browser.PostAsync($"/f/studies/{s.StudyId}?handler=Criteria", new FormUrlEncodedContent(Fields("0")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("id=\"field-medianshiftpercent-error\">Vul een getal in dat groter is dan 0.<", await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var saved = await browser.PostAsync($"/f/studies/{s.StudyId}?handler=Criteria", new FormUrlEncodedContent(Fields("2,5")));
        Assert.True(saved.IsSuccessStatusCode, saved.StatusCode.ToString());
        var criteria = (await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK)).GetProperty("criteria");
        Assert.Equal(2, criteria.GetProperty("version").GetInt32());
        Assert.Equal(3, criteria.GetProperty("minRoundForConsensus").GetInt32());
        Assert.Equal(0.025, criteria.GetProperty("maxMedianShiftShareOfRange").GetDouble(), 12);
    }

    [Fact]
    public async Task One_statements_rules_are_set_in_a_form_and_overlapping_bands_are_refused_next_to_the_field()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var form = await browser.GetStringAsync($"/f/studies/{s.StudyId}");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Dictionary<string, string> Fields(string disagreeHigh) => new()
        {
            ["RulesItemId"] = s.SevenPointItem.ToString(), ["ItemAgreementLow"] = "5", ["ItemAgreementHigh"] = "7",
            ["ItemDisagreementLow"] = "1", ["ItemDisagreementHigh"] = disagreeHigh, ["ItemMaxIqr"] = "1,5", ["__RequestVerificationToken"] = token,
        };
        var before = DatabaseDump.Take(app.DatabasePath);
        // 1–5 against and 5–7 for share the 5.
        var refused = await browser.PostAsync($"/f/studies/{s.StudyId}?handler=ItemRules", new FormUrlEncodedContent(Fields("5")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("id=\"field-itemdisagreementlow-error\">De band &#x27;oneens&#x27; moet op de schaal liggen", await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var saved = await browser.PostAsync($"/f/studies/{s.StudyId}?handler=ItemRules", new FormUrlEncodedContent(Fields("3")));
        Assert.True(saved.IsSuccessStatusCode, saved.StatusCode.ToString());
        var canonical = (await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK)).GetProperty("canonicalJson").GetString()!;
        Assert.Contains($"\"items\":{{\"{s.SevenPointItem}\":{{\"agreementBand\":[5,7],\"disagreementBand\":[1,3],\"maxIqr\":1.5}}}}", canonical);
    }

    private async Task<string> PageAsync(Scenario s, string path) =>
        await (await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken)).GetStringAsync(path);

    private static JsonElement Item(JsonElement convergence, long itemId) =>
        convergence.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == itemId);

    private static List<string> Lines(JsonElement item, string what, string language) =>
        item.GetProperty(what).GetProperty(language).EnumerateArray().Select(x => x.GetString()!).ToList();

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(x => x.GetString()!).ToList();
}
