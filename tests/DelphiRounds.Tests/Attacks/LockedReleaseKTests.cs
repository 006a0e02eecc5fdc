using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Attacks;

/// <summary>
/// Issue 15: k is part of the study's locked rules (<c>criteria.releaseK</c>), hashed with the criteria when round 1
/// opens like <c>criteria.version</c>: a facilitator may raise it before then, never lower it under 3, and cannot
/// change it once the panel answers; live figures then move only in steps of the study's k.
/// </summary>
public sealed class LockedReleaseKTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static object Criteria(int? releaseK) => new
    {
        maxIqr = 1.0, minAgreement = 0.7, minGroupSize = 3, maxRounds = 4, quantileMethod = 7, requireEveryGroup = true,
        agreementTopCategories = 2, maxIqrShareOfRange = 0.1, minKendallW = 0.7, maxChangedFraction = 0.15, releaseK,
    };

    [Fact]
    public async Task Release_k_is_locked_and_hashed_with_the_criteria_and_live_figures_move_in_its_steps()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 10, open: false);
        var draft = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        Assert.Equal(3, draft.GetProperty("criteria").GetProperty("releaseK").GetInt32());

        // Never under 3.
        var lowered = await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", Criteria(2));
        Assert.Equal(HttpStatusCode.BadRequest, lowered.StatusCode);
        Assert.True(JsonDocument.Parse(await lowered.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("releaseK", out _));
        // Raised before round 1, then locked and hashed with the rest.
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", Criteria(4)), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var locked = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK);
        var canonical = locked.GetProperty("canonicalJson").GetString()!;
        Assert.Contains("\"releaseK\":4", canonical);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), locked.GetProperty("hash").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", Criteria(3))).StatusCode);

        // Ten grid operators answer (one group, which moves with the panel): nothing shows under 4, and every step is 4 or more.
        var seen = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 1 + i % 7 }), HttpStatusCode.Created);
            var stats = await Scenario.Expect(await app.Client(s.Participants[29].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
            seen.Add(Scenario.ItemStats(stats, s.SevenPointItem).GetProperty("overall").GetProperty("n").GetInt32());
        }
        Assert.Equal([0, 0, 0, 4, 4, 4, 4, 8, 8, 8], seen);
    }
}
