using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Consensus criteria are locked before round 1; closing a round keeps snapshots with stopping verdicts.</summary>
public sealed class ConvergenceTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Criteria_can_change_until_round_one_opens_and_are_then_refused_with_409()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var changed = await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new
        {
            maxIqr = 1.5, maxRelativeIqr = 0.2, agreementTopCategories = 2, minAgreement = 0.6, maxChangedFraction = 0.2,
            requireEveryGroup = true, minGroupSize = 3, maxRounds = 3, quantileMethod = 7,
        }), HttpStatusCode.OK);
        Assert.Equal(1.5, changed.GetProperty("criteria").GetProperty("maxIqr").GetDouble());
        Assert.Equal(JsonValueKindNull, changed.GetProperty("hash").ValueKind);

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var locked = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        var canonical = locked.GetProperty("canonicalJson").GetString()!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), locked.GetProperty("hash").GetString());
        Assert.Contains("\"maxIqr\":1.5", canonical);

        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new { maxIqr = 3.0, minGroupSize = 3, maxRounds = 4, quantileMethod = 7 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.True((await refused.ReadAsync()).GetProperty("errors").TryGetProperty("criteria", out _));
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task Criteria_below_the_anonymity_threshold_are_refused()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var refused = await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new { maxIqr = 1.0, minGroupSize = 2, maxRounds = 4, quantileMethod = 7 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.ReadAsync()).GetProperty("errors").TryGetProperty("minGroupSize", out _));
    }

    [Fact]
    public async Task Closing_a_round_keeps_a_snapshot_per_item_with_its_stopping_verdict()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3);
        // 1–7 item: everyone 6 or 7 → consensus for, but round 1 came before any feedback, so it continues (version 2's
        // minRoundForConsensus 2). 1–5 item: split 1 vs 5 → no consensus (first round: continue).
        for (var i = 0; i < s.Participants.Count; i++)
        {
            var p = s.Participants[i];
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 + i % 2 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.FivePointItem, value = i % 2 == 0 ? 1 : 5 }), HttpStatusCode.Created);
        }
        var none = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        Assert.Empty(none.GetProperty("items").EnumerateArray());

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM round_snapshots WHERE round_id = {s.RoundId}"));

        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var items = convergence.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("itemId").GetInt64());
        Assert.Equal("continue", items[s.SevenPointItem].GetProperty("verdict").GetString());
        Assert.Equal("for", items[s.SevenPointItem].GetProperty("analysis").GetProperty("consensus").GetProperty("direction").GetString());
        Assert.Equal("continue", items[s.FivePointItem].GetProperty("verdict").GetString());
        Assert.True(items[s.SevenPointItem].GetProperty("analysis").GetProperty("consensus").GetProperty("reached").GetBoolean());
        Assert.Equal(9, items[s.FivePointItem].GetProperty("analysis").GetProperty("n").GetInt32());
        Assert.False(convergence.GetProperty("stops").GetBoolean());
        Assert.Equal(1, convergence.GetProperty("closedRounds").GetInt32());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
