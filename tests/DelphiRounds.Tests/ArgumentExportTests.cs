using System.Net;
using System.Text.Json.Nodes;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Issue 5, arguments export: one argument per participant, item and round, with its "convincing" marks; hidden ones left out; formulas defused in CSV only.</summary>
public sealed class ArgumentExportTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Arguments_count_convincing_marks_leave_out_hidden_ones_and_keep_the_latest_rationale()
    {
        var s = await Scenario.CreateAsync(app);
        var (grid0, grid1, housing0) = (s.Participants[0], s.Participants[1], s.Participants[3]);
        var a1 = await Scenario.Expect(await Scenario.AnswerAsync(app, grid0.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6, rationale = "Restwarmte is er al." }), HttpStatusCode.Created);
        var hidden = await Scenario.Expect(await Scenario.AnswerAsync(app, grid1.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 2, rationale = "Bel meneer Jansen van de haven, die weet het." }), HttpStatusCode.Created);
        await Scenario.Expect(await Scenario.AnswerAsync(app, housing0.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3, rationale = "Eerst de prijs." }), HttpStatusCode.Created);
        var revised = await Scenario.Expect(await Scenario.AnswerAsync(app, housing0.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4, rationale = "=HYPERLINK(\"http://x\";\"klik\") eerst de prijs, dan de leiding." }), HttpStatusCode.Created);

        using (var c = DatabaseDump.Open(app.DatabasePath, write: true))
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText =
                $"""
                INSERT INTO argument_marks (answer_id, participant_id, created_at) VALUES ({a1.GetProperty("id")}, {s.Participants[4].Id}, '2030-01-01T00:00:00Z');
                INSERT INTO argument_marks (answer_id, participant_id, created_at) VALUES ({a1.GetProperty("id")}, {s.Participants[6].Id}, '2030-01-01T00:00:00Z');
                INSERT INTO argument_marks (answer_id, participant_id, created_at) VALUES ({revised.GetProperty("id")}, {s.Participants[7].Id}, '2030-01-01T00:00:00Z');
                INSERT INTO argument_moderation (answer_id, reason, hidden_at) VALUES ({hidden.GetProperty("id")}, 'noemt een persoon', '2030-01-01T00:00:00Z');
                """;
            cmd.ExecuteNonQuery();
        }

        var csv = ExportTests.Csv(await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export/arguments.csv"));
        Assert.Equal(2, csv.Count);
        Assert.DoesNotContain(csv, r => r["rationale"].Contains("Jansen"));
        var first = csv.Single(r => r["rationale"] == "Restwarmte is er al.");
        Assert.Equal("2", first["convincing"]);
        Assert.Equal("true", first["in_agreement_band"]);
        // Two grid operators and one housing member answered: both groups are too small to name (issue 15), so "other".
        Assert.Equal("other", first["group"]);
        var latest = csv.Single(r => r["revision"] == "2");
        Assert.Equal("2", latest["revision"]);
        Assert.Equal("1", latest["convincing"]);
        Assert.Equal("false", latest["in_agreement_band"]);
        // In the spreadsheet file a formula is defused; the JSON keeps the text as written.
        Assert.StartsWith("'=HYPERLINK(", latest["rationale"]);
        var json = JsonNode.Parse(await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export/arguments.json"))!.AsArray();
        Assert.StartsWith("=HYPERLINK(", json.Single(a => a!["revision"]!.GetValue<int>() == 2)!["rationale"]!.GetValue<string>());
        Assert.DoesNotContain(json, a => a!["rationale"]!.GetValue<string>() == "Eerst de prijs.");

        // answers.csv keeps every revision, also the hidden rationale's answer (hiding concerns the argument, not the answer).
        var answers = ExportTests.Csv(await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export/answers.csv"));
        Assert.Equal(4, answers.Count);
    }
}
