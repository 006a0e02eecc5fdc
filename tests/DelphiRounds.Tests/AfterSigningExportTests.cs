using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// After signing in the agenda API, <c>export.json</c> and the report (issue 21, point 8): the reflection rounds with the reason
/// and criteria hashes when the rules changed and, once closed, the same drift per item as the drift endpoint; and every vision
/// version with its SHA-256 and what changed from the one before, as /verify shows it.
/// </summary>
public sealed class AfterSigningExportTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task The_agenda_export_json_and_the_report_carry_the_reflection_rounds_their_drift_and_vision_2_with_its_changes()
    {
        var r = await ReflectionScenario.SignedVision2Async(app);
        var a = r.Agenda;
        var s = a.Study;
        // A second reflection round, on vision 2, with new rules and a recorded reason; it stays open.
        var criteria = JsonNode.Parse((await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/criteria"), HttpStatusCode.OK))
            .GetProperty("criteria").GetRawText())!;
        criteria["maxRounds"] = 8;
        const string reason = "Het panel wil nog een ronde kunnen houden na de tweede visie.";
        var second = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/reflection-rounds",
            new { mode = "classic", criteria, reason }), HttpStatusCode.Created);

        var api = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda"), HttpStatusCode.OK);
        // The existing fields stay as they were.
        foreach (var field in new[] { "studyId", "documentHash", "frozenOn", "targets", "indicators", "measurements", "commitments", "experiments" })
            Assert.True(api.TryGetProperty(field, out _), $"agenda lost {field}: {api}");
        Assert.Equal(r.Vision2, api.GetProperty("documentHash").GetString());

        var rounds = api.GetProperty("reflectionRounds").EnumerateArray().ToList();
        Assert.Equal(2, rounds.Count);
        var first = rounds[0];
        Assert.Equal(r.RoundId, first.GetProperty("roundId").GetInt64());
        Assert.Equal("closed", first.GetProperty("state").GetString());
        Assert.Equal(a.DocumentHash, first.GetProperty("documentHash").GetString());
        Assert.False(first.GetProperty("rulesChanged").GetBoolean());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("ruleChangeReason").ValueKind);
        Assert.Equal(first.GetProperty("criteriaHashBefore").GetString(), first.GetProperty("criteriaHashAfter").GetString());
        var drift = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/reflection-rounds/{r.RoundId}/drift"), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(drift.GetRawText()), JsonNode.Parse(first.GetProperty("drift").GetRawText())),
            $"the agenda's drift differs from the drift endpoint's:\n{first.GetProperty("drift")}\n{drift}");
        var numeric = first.GetProperty("drift").EnumerateArray().Single(d => d.GetProperty("itemId").GetInt64() == a.NumericItem);
        Assert.Equal(15, numeric.GetProperty("drift").GetDouble());
        Assert.Equal("%", numeric.GetProperty("unit").GetString());

        var open = rounds[1];
        Assert.Equal(second.GetProperty("roundId").GetInt64(), open.GetProperty("roundId").GetInt64());
        Assert.Equal("open", open.GetProperty("state").GetString());
        Assert.True(open.GetProperty("rulesChanged").GetBoolean());
        Assert.Equal(reason, open.GetProperty("ruleChangeReason").GetString());
        Assert.Equal(second.GetProperty("criteriaBefore").GetString(), open.GetProperty("criteriaHashBefore").GetString());
        Assert.Equal(second.GetProperty("criteriaAfter").GetString(), open.GetProperty("criteriaHashAfter").GetString());
        Assert.NotEqual(open.GetProperty("criteriaHashBefore").GetString(), open.GetProperty("criteriaHashAfter").GetString());
        Assert.Equal(JsonValueKind.Null, open.GetProperty("drift").ValueKind);

        var visions = api.GetProperty("visions").EnumerateArray().ToList();
        Assert.Equal([1, 2], visions.Select(v => v.GetProperty("number").GetInt32()));
        Assert.Equal(a.DocumentHash, visions[0].GetProperty("sha256").GetString());
        Assert.Equal(JsonValueKind.Null, visions[0].GetProperty("changes").ValueKind);
        Assert.Equal(r.Vision2, visions[1].GetProperty("sha256").GetString());
        Assert.Equal(a.DocumentHash, visions[1].GetProperty("previousSha256").GetString());
        var changes = visions[1].GetProperty("changes");
        Assert.Equal([3], changes.GetProperty("added").EnumerateArray().Select(x => x.GetProperty("number").GetInt32()));
        Assert.Equal("Buurten kiezen zelf wanneer ze overstappen.", changes.GetProperty("added")[0].GetProperty("text").GetString());
        var reworded = changes.GetProperty("changed").EnumerateArray().Single(x => x.GetProperty("number").GetInt32() == 2);
        Assert.Equal("In 2030 zit ruim de helft van de woningen op een warmtenet.", reworded.GetProperty("after").GetString());
        Assert.NotEqual(reworded.GetProperty("after").GetString(), reworded.GetProperty("before").GetString());
        var moved = changes.GetProperty("moved").EnumerateArray().Single(x => x.GetProperty("itemId").GetInt64() == a.NumericItem);
        Assert.Equal(45, moved.GetProperty("medianBefore").GetDouble());
        Assert.Equal(60, moved.GetProperty("medianAfter").GetDouble());

        // export.json embeds the same agenda.
        var export = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/export.json"), HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(api.GetRawText()), JsonNode.Parse(export.GetProperty("agenda").GetRawText())),
            $"export.json's agenda differs from the API's:\n{export.GetProperty("agenda")}\n{api}");

        // The report's chapter "After signing", in Dutch and in English.
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        foreach (var (culture, says) in new[]
        {
            ("nl", new[] { "Reflectierondes", "+15 %", "De regels voor overeenstemming bleven hetzelfde.", "Deze ronde is nog niet gesloten.",
                "Versies van de visie", "Uitspraak 3 toegevoegd:", "Uitspraak 2 anders verwoord:", "Wat veranderde van visie 1 naar visie 2" }),
            ("en", new[] { "Reflection rounds", "+15 %", "The consensus rules stayed the same.", "This round has not closed yet.",
                "Versions of the vision", "Point 3 added:", "Point 2 reworded:", "What changed from vision 1 to vision 2" }),
        })
        {
            var report = await browser.GetStringAsync($"/f/studies/{a.StudyId}/report?culture={culture}");
            var chapter = WebUtility.HtmlDecode(report[report.IndexOf("id=\"after-signing\"", StringComparison.Ordinal)..]);
            foreach (var text in says) Assert.Contains(text, chapter);
            Assert.Contains(reason, chapter);
            Assert.Contains($"data-drift-item=\"{a.NumericItem}\" data-drift=\"15\"", chapter);
            Assert.Contains($"data-report-vision=\"2\"", chapter);
            Assert.Contains(r.Vision2[..16], chapter);
            Assert.Contains($"href=\"/verify/{a.StudyId}\"", chapter);
        }
    }
}
