using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DelphiRounds.Consensus;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 18, item 3: whose voice counts, locked with the rules. Two studies with the same panel, organisations and
/// answers, one counting people and one counting organisations, give their own verdicts side by side; the
/// organisation-level figures are what <c>delphi analyze</c> makes of the organisations' medians.
/// </summary>
public sealed partial class VoiceUnitStudyTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>Organisations per group, each with how many of the group's four members (in order) belong to it.</summary>
    private static readonly (string Name, string Group, int Members)[] Organisations =
    [
        ("Netbeheer Stad", "grid-operators", 3), ("Netbeheer Regio", "grid-operators", 1),
        ("Woonstichting A", "housing", 2), ("Woonstichting B", "housing", 2),
        ("Platform Noord", "residents", 1), ("Buurtraad Zuid", "residents", 1), ("Wijkvereniging West", "residents", 2),
    ];

    /// <summary>
    /// The answers to the 1–7 item, by member in the order above: the large organisations agree (6–7), the small
    /// ones do not. People: 9 of 12 in 6–7 (75 %). Organisations: Stad 7, Regio 2, A 6, B 7, Noord 3, Zuid 2, West 6:
    /// 4 of 7 (57 %).
    /// </summary>
    private static readonly double[] SevenPoint = [7, 7, 7, 2, 6, 6, 7, 7, 3, 2, 6, 7];

    /// <summary>Builds a study with the organisations above, its rules (and unit), answers round 1 and closes it.</summary>
    private async Task<Scenario> StudyAsync(string? unit, bool close = true)
    {
        var s = await Scenario.CreateAsync(app, perGroup: 4, open: false);
        // The same rules for both, so only the unit differs: every round may settle, no group rule, a wider IQR.
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria",
            new { maxIqr = 2, requireEveryGroup = false, minRoundForConsensus = 1 }, Json.Web), HttpStatusCode.OK);
        if (unit is not null)
            await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria/unit", new { unit }, Json.Web), HttpStatusCode.OK);
        var members = new Queue<(long Id, string Group, string Token)>(s.Participants);
        foreach (var (name, group, count) in Organisations)
        {
            var organisation = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/organisations", new { name, group }), HttpStatusCode.Created);
            for (int i = 0; i < count; i++)
            {
                var member = members.Dequeue();
                Assert.Equal(group, member.Group);
                Assert.Equal(HttpStatusCode.NoContent, (await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/organisations/members/{member.Id}",
                    new { organisationId = organisation.GetProperty("id").GetInt64() }, Json.Web)).StatusCode);
            }
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        for (int i = 0; i < s.Participants.Count; i++)
        {
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = SevenPoint[i] }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.FivePointItem, value = 4 }), HttpStatusCode.Created);
        }
        if (close) await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        return s;
    }

    private static JsonElement Item(JsonElement convergence, long itemId) =>
        convergence.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == itemId);

    [Fact]
    public async Task Both_units_give_their_own_verdicts_on_the_same_answers_side_by_side()
    {
        var people = await StudyAsync(null);
        var organisations = await StudyAsync("organisation");
        var byPerson = await Scenario.Expect(await people.Facilitator.GetAsync($"/api/v1/studies/{people.StudyId}/convergence"), HttpStatusCode.OK);
        var byOrganisation = await Scenario.Expect(await organisations.Facilitator.GetAsync($"/api/v1/studies/{organisations.StudyId}/convergence"), HttpStatusCode.OK);
        Assert.Equal("person", byPerson.GetProperty("unit").GetString());
        Assert.Equal("organisation", byOrganisation.GetProperty("unit").GetString());

        // Side by side, item by item: (person, organisation).
        var table = new[] { (people.SevenPointItem, organisations.SevenPointItem), (people.FivePointItem, organisations.FivePointItem) }
            .Select(pair => (Person: Item(byPerson, pair.Item1), Organisation: Item(byOrganisation, pair.Item2))).ToList();
        var seven = table[0];
        Assert.Equal("consensus-for", seven.Person.GetProperty("verdict").GetString());
        Assert.Equal("continue", seven.Organisation.GetProperty("verdict").GetString());
        Assert.Equal(12, seven.Person.GetProperty("analysis").GetProperty("n").GetInt32());
        Assert.Equal(7, seven.Organisation.GetProperty("analysis").GetProperty("n").GetInt32());
        Assert.Equal(12, seven.Organisation.GetProperty("analysis").GetProperty("people").GetInt32());
        Assert.Equal(0.75, seven.Person.GetProperty("analysis").GetProperty("agreementInBand").GetDouble(), 9);
        Assert.Equal(4.0 / 7, seven.Organisation.GetProperty("analysis").GetProperty("agreementInBand").GetDouble(), 9);
        Assert.False(seven.Person.GetProperty("analysis").TryGetProperty("unit", out _)); // a study counting people writes what it always wrote
        // Everyone answered 4 on the 1–5 item: both units agree there.
        Assert.Equal("consensus-for", table[1].Person.GetProperty("verdict").GetString());
        Assert.Equal("consensus-for", table[1].Organisation.GetProperty("verdict").GetString());

        // The reasons say what they count.
        var en = seven.Organisation.GetProperty("reasons").GetProperty("en").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains("4 of 7 organisations chose 6 or 7; 70 % was needed.", en);
        var nl = seven.Person.GetProperty("reasons").GetProperty("nl").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains(nl, r => r!.StartsWith("9 van de 12 kozen 6 of 7", StringComparison.Ordinal));

        // The stats endpoint states the unit too.
        var stats = await Scenario.Expect(await organisations.Facilitator.GetAsync($"/api/v1/rounds/{organisations.RoundId}/stats"), HttpStatusCode.OK);
        Assert.Equal("organisation", stats.GetProperty("unit").GetString());
        var personStats = await Scenario.Expect(await people.Facilitator.GetAsync($"/api/v1/rounds/{people.RoundId}/stats"), HttpStatusCode.OK);
        Assert.Equal("person", personStats.GetProperty("unit").GetString());
    }

    /// <summary>
    /// While the round is open the facilitator's live verdict is judged on the answer revisions its release names; they
    /// carry the organisation each answer counts for, as the current answers the close judges do (without it every
    /// person counted as an organisation of their own, and the live verdict could differ from the close's).
    /// </summary>
    [Fact]
    public async Task The_answers_the_live_verdict_rests_on_carry_the_organisation_as_the_close_reads_them()
    {
        var s = await StudyAsync("organisation", close: false);
        var store = app.Services.GetRequiredService<DelphiRounds.Answers.AnswerStore>();
        var current = await store.CurrentAsync(s.RoundId);
        var revisions = await store.RevisionsAsync(s.RoundId);
        Assert.Equal(24, revisions.Count);
        Assert.All(revisions, r => Assert.NotNull(r.OrganisationKey));
        Assert.Equal(7, revisions.Select(r => r.OrganisationKey).Distinct().Count());
        Assert.Equal(current.Select(a => (a.Id, a.OrganisationId, a.OrganisationKey)).OrderBy(x => x.Id),
            revisions.Select(a => (a.Id, a.OrganisationId, a.OrganisationKey)).OrderBy(x => x.Id));
        // Read by id (what a tick reads: the answers its release added), the same.
        var some = revisions.Where((_, i) => i % 3 == 0).Select(r => r.Id).ToList();
        var byId = await store.RevisionsAsync(s.RoundId, some);
        Assert.Equal(some.Order(), byId.Select(r => r.Id).Order());
        Assert.All(byId, r => Assert.Equal(revisions.Single(x => x.Id == r.Id).OrganisationKey, r.OrganisationKey));

        // The live verdict's reasons count organisations, whatever threshold release shows so far.
        var stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        var reasons = Scenario.ItemStats(stats, s.SevenPointItem).GetProperty("consensus").GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Contains(reasons, r => r.Contains(" organisaties kozen 6 of 7", StringComparison.Ordinal));

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        Assert.Equal("continue", Item(convergence, s.SevenPointItem).GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Organisation_figures_in_the_export_equal_delphi_analyze_on_the_organisation_medians()
    {
        var s = await StudyAsync("organisation");
        var export = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export.json"), HttpStatusCode.OK);
        Assert.Equal("organisation", export.GetProperty("unit").GetString());
        Assert.Equal("organisation", export.GetProperty("criteria").GetProperty("unit").GetString());
        var entry = export.GetProperty("rounds")[0].GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == s.SevenPointItem);
        var answers = entry.GetProperty("answers");
        Assert.Equal("organisation", answers.GetProperty("unit").GetString());
        var responses = answers.GetProperty("responses").EnumerateArray().ToList();
        Assert.Equal(12, responses.Count);
        // Every answer names its organisation by an opaque key, never by name.
        Assert.All(responses, r => Assert.StartsWith("organisation-", r.GetProperty("organisation").GetString()));
        Assert.DoesNotContain(Organisations, o => answers.GetRawText().Contains(o.Name, StringComparison.Ordinal));
        Assert.Equal(7, responses.Select(r => r.GetProperty("organisation").GetString()).Distinct().Count());

        // delphi analyze on the export's answers is the export's aggregate ...
        var aggregate = JsonNode.Parse(entry.GetProperty("aggregate").GetRawText())!.AsObject();
        Assert.True(JsonNode.DeepEquals(aggregate, JsonNode.Parse(AnalysisJson.Analyze(answers.GetRawText()))));
        // ... and equals delphi analyze on the organisations' medians, one response per organisation.
        var medians = new JsonArray(responses.GroupBy(r => r.GetProperty("organisation").GetString()!)
            .Select(g => (JsonNode)new JsonObject
            {
                ["participant"] = g.Key,
                ["group"] = g.First().GetProperty("group").GetString(),
                ["value"] = Voices.Median(g.Select(r => r.GetProperty("value").GetDouble()).ToList(), new RatingScale(1, 7)),
            }).ToArray());
        var byHand = JsonNode.Parse(answers.GetRawText())!.AsObject();
        byHand.Remove("unit");
        byHand["responses"] = medians;
        var expected = JsonNode.Parse(AnalysisJson.Analyze(byHand.ToJsonString()))!.AsObject();
        Assert.Equal(12, (int)aggregate["people"]!);
        aggregate.Remove("unit");
        aggregate.Remove("people");
        Assert.True(JsonNode.DeepEquals(expected, aggregate), $"export:\n{aggregate}\nby hand:\n{expected}");

        // aggregates.csv says the unit on every row.
        var csv = await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export/aggregates.csv");
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",unit,people", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Contains(",organisation,", l + ","));
    }

    [Fact]
    public async Task The_unit_is_chosen_before_round_1_locked_with_the_rules_and_a_bad_value_is_refused_by_field()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 1, open: false);
        var url = $"/api/v1/studies/{s.StudyId}/criteria/unit";
        var bad = await Scenario.Expect(await s.Facilitator.PutAsJsonAsync(url, new { unit = "household" }, Json.Web), HttpStatusCode.UnprocessableEntity);
        Assert.True(bad.GetProperty("errors").TryGetProperty("unit", out _));
        var criteria = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        Assert.DoesNotContain("\"unit\"", criteria.GetProperty("canonicalJson").GetString());
        // In the whole criteria document a bad unit is refused like any other criterion, naming the field.
        var badRules = await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new { unit = "household" }, Json.Web), HttpStatusCode.BadRequest);
        Assert.True(badRules.GetProperty("errors").TryGetProperty("unit", out _));

        var chosen = await Scenario.Expect(await s.Facilitator.PutAsJsonAsync(url, new { unit = "organisation" }, Json.Web), HttpStatusCode.OK);
        Assert.Contains("\"unit\":\"organisation\"", chosen.GetProperty("canonicalJson").GetString());
        // Back to one voice per person: no unit in the canonical JSON, so its hash is what it always was.
        var back = await Scenario.Expect(await s.Facilitator.PutAsJsonAsync(url, new { unit = "person" }, Json.Web), HttpStatusCode.OK);
        Assert.DoesNotContain("\"unit\"", back.GetProperty("canonicalJson").GetString());
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync(url, new { unit = "organisation" }, Json.Web), HttpStatusCode.OK);

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var locked = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        var json = locked.GetProperty("canonicalJson").GetString()!;
        Assert.Contains("\"unit\":\"organisation\"", json);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))), locked.GetProperty("hash").GetString());
        var refused = await Scenario.Expect(await s.Facilitator.PutAsJsonAsync(url, new { unit = "person" }, Json.Web), HttpStatusCode.Conflict);
        Assert.True(refused.GetProperty("errors").TryGetProperty("unit", out _));
        var after = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        Assert.Equal(locked.GetProperty("hash").GetString(), after.GetProperty("hash").GetString());
    }

    [Fact]
    public async Task The_study_page_offers_the_choice_before_round_1_and_the_convergence_page_says_it_in_plain_words()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 1, open: false);
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}");
        Assert.Contains("name=\"Unit\" value=\"organisation\"", page);
        var token = AntiforgeryField().Match(page).Groups[1].Value;

        var wrong = await browser.PostAsync($"/f/studies/{s.StudyId}?handler=Unit",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["Unit"] = "household" }));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("Kies één stem per persoon of één stem per organisatie.", WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()));

        var saved = await browser.PostAsync($"/f/studies/{s.StudyId}?handler=Unit",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["Unit"] = "organisation" }));
        Assert.True(saved.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.OK, $"{saved.StatusCode}");
        var criteria = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        Assert.Equal("organisation", criteria.GetProperty("criteria").GetProperty("unit").GetString());

        foreach (var (name, group) in new[] { ("Netbeheer Stad", "grid-operators"), ("Woonstichting A", "housing") })
            await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/organisations", new { name, group }), HttpStatusCode.Created);
        var nl = WebUtility.HtmlDecode(await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence"));
        Assert.Contains("Eén stem per organisatie (2 organisaties).", nl);
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-GB,en;q=0.9");
        var en = WebUtility.HtmlDecode(await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence"));
        Assert.Contains("One voice per organisation (2 organisations).", en);

        // Once round 1 opens the choice is gone from the page and the locked rules say it.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var opened = WebUtility.HtmlDecode(await browser.GetStringAsync($"/f/studies/{s.StudyId}"));
        Assert.DoesNotContain("name=\"Unit\"", opened);
        Assert.Contains("Whose voice counts: one voice per organisation.", opened);
        Assert.Contains("The figures of the open round count people.", WebUtility.HtmlDecode(await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence")));
    }
}
