using System.Net;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Hardening;

/// <summary>
/// Issue 17, items 1 and 5: an idempotency key names one request of one participant in one round. The same key
/// with another body is refused (422 naming idempotencyKey), in another round it is a new answer, and a retry
/// is answered as a retry in every round state — also after the round closed.
/// </summary>
public sealed class IdempotencyScopeTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private long Count(string where) => DatabaseDump.Count(app.DatabasePath, "SELECT COUNT(*) FROM answers WHERE " + where);

    [Fact]
    public async Task The_same_key_with_another_item_value_or_rationale_is_refused_with_422_and_stores_nothing()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[0];
        var first = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 5, rationale = "Restwarmte is er al", idempotencyKey = "k-1" }), HttpStatusCode.Created);
        var before = DatabaseDump.Take(app.DatabasePath);

        foreach (var other in new object[]
        {
            new { itemId = s.FivePointItem, value = 5, rationale = "Restwarmte is er al", idempotencyKey = "k-1" },
            new { itemId = s.SevenPointItem, value = 6, rationale = "Restwarmte is er al", idempotencyKey = "k-1" },
            new { itemId = s.SevenPointItem, value = 5, rationale = "Iets anders", idempotencyKey = "k-1" },
            new { itemId = s.SevenPointItem, value = 5, rationale = (string?)null, idempotencyKey = "k-1" },
        })
        {
            var response = await Scenario.AnswerAsync(app, p.Token, s.RoundId, other);
            var problem = await Scenario.Expect(response, HttpStatusCode.UnprocessableEntity);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(problem.GetProperty("errors").TryGetProperty("idempotencyKey", out _), problem.ToString());
        }
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        // The same body again is a retry: 200 with the first answer.
        var replay = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 5, rationale = "Restwarmte is er al", idempotencyKey = "k-1" }), HttpStatusCode.OK);
        Assert.Equal(first.GetProperty("id").GetInt64(), replay.GetProperty("id").GetInt64());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task A_key_used_in_one_round_is_a_new_answer_in_the_next_and_a_retry_after_the_close_is_a_replay()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[1];
        var body = new { itemId = s.SevenPointItem, value = 3, idempotencyKey = "same-key" };
        var inFirst = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, body), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        // The retry of round 1's answer arrives after the close: it was saved, so it is answered as saved.
        var late = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, body), HttpStatusCode.OK);
        Assert.Equal(inFirst.GetProperty("id").GetInt64(), late.GetProperty("id").GetInt64());
        // Another body with that key after the close is still the client's mistake, and a new key is a new answer in a closed round.
        await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, body with { value = 4 }), HttpStatusCode.UnprocessableEntity);
        await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, body with { idempotencyKey = "new-key" }), HttpStatusCode.Conflict);

        var round2 = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/open", null), HttpStatusCode.OK);
        var inSecond = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, round2, body), HttpStatusCode.Created);
        Assert.Equal(round2, inSecond.GetProperty("roundId").GetInt64());
        Assert.NotEqual(inFirst.GetProperty("id").GetInt64(), inSecond.GetProperty("id").GetInt64());
        Assert.Equal(2, Count($"participant_id = {p.Id} AND idempotency_key = 'same-key'"));
        // And within round 2 it is a retry again.
        var again = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, round2, body), HttpStatusCode.OK);
        Assert.Equal(inSecond.GetProperty("id").GetInt64(), again.GetProperty("id").GetInt64());
    }
}
