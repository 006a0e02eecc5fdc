using System.Net;

using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>One answer travels: 201, durable, and reflected in the stats endpoint; revisions are history.</summary>
public sealed class AnswerFlowTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Answer_is_acknowledged_with_201_and_the_stats_endpoint_reflects_it()
    {
        var s = await Scenario.CreateAsync(app);
        var a = s.Participants[0];

        var created = await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 6, rationale = "Restwarmte is er al." }), HttpStatusCode.Created);
        Assert.Equal(1, created.GetProperty("revision").GetInt32());
        Assert.Equal(6, created.GetProperty("value").GetDouble());

        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE round_id = {s.RoundId}"));
        // One answer shows no panel figures at all (threshold release, k = 3); the third shows all three.
        var stats = await Scenario.Expect(await app.Client(a.Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        Assert.Equal(0, Scenario.ItemStats(stats, s.SevenPointItem).GetProperty("overall").GetProperty("n").GetInt32());
        foreach (var p in s.Participants.Skip(1).Take(2))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        stats = await Scenario.Expect(await app.Client(a.Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        var item = Scenario.ItemStats(stats, s.SevenPointItem);
        Assert.Equal(3, item.GetProperty("overall").GetProperty("n").GetInt32());
        Assert.Equal(6, item.GetProperty("overall").GetProperty("median").GetDouble());
        Assert.Equal(3, item.GetProperty("overall").GetProperty("distribution").GetProperty("6").GetInt32());
    }

    [Fact]
    public async Task Revised_answer_is_a_new_revision_and_moves_the_median()
    {
        var s = await Scenario.CreateAsync(app);
        var (a, b, c) = (s.Participants[0], s.Participants[1], s.Participants[2]);
        foreach (var (p, v) in new[] { (a, 2), (b, 4), (c, 5) })
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = v }), HttpStatusCode.Created);
        // Read once, so the first release is these three (a read releases what may be released).
        await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);

        var revised = await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 7 }), HttpStatusCode.Created);
        Assert.Equal(2, revised.GetProperty("revision").GetInt32());

        // One revision alone is not released while the round is open (threshold release); the close releases it.
        var stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        Assert.Equal(4, Scenario.ItemStats(stats, s.SevenPointItem).GetProperty("overall").GetProperty("median").GetDouble()); // {2, 4, 5}
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        var overall = Scenario.ItemStats(stats, s.SevenPointItem).GetProperty("overall");
        Assert.Equal(3, overall.GetProperty("n").GetInt32());
        Assert.Equal(5, overall.GetProperty("median").GetDouble()); // {4, 5, 7}
        Assert.Equal(0, overall.GetProperty("distribution").GetProperty("2").GetInt32());

        // Both revisions are kept: the first answer is history, never overwritten.
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {a.Id} AND item_id = {s.SevenPointItem}"));
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT value FROM answers WHERE participant_id = {a.Id} AND item_id = {s.SevenPointItem} AND revision = 1"));
    }

    [Fact]
    public async Task A_retry_with_the_same_idempotency_key_does_not_create_a_second_revision()
    {
        var s = await Scenario.CreateAsync(app);
        var a = s.Participants[0];
        var body = new { itemId = s.FivePointItem, value = 3, idempotencyKey = "retry-1" };
        var first = await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, s.RoundId, body), HttpStatusCode.Created);
        var second = await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, s.RoundId, body), HttpStatusCode.OK);
        Assert.Equal(first.GetProperty("id").GetInt64(), second.GetProperty("id").GetInt64());
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {a.Id}"));
    }

    [Fact, Trait("Storage", "Sqlite")]
    public async Task Answers_table_refuses_updates_and_deletes()
    {
        var s = await Scenario.CreateAsync(app);
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = s.FivePointItem, value = 3 }), HttpStatusCode.Created);
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        c.Open();
        using var update = c.CreateCommand();
        update.CommandText = "UPDATE answers SET value = 1";
        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => update.ExecuteNonQuery());
        using var delete = c.CreateCommand();
        delete.CommandText = "DELETE FROM answers";
        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => delete.ExecuteNonQuery());
    }

    [Fact]
    public async Task Group_figures_with_fewer_than_three_answers_are_left_out_of_the_stats()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3);
        var grid = s.Participants.Where(p => p.Group == "grid-operators").ToList();
        var housing = s.Participants.Where(p => p.Group == "housing").ToList();
        foreach (var p in grid) await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);
        foreach (var p in housing.Take(2)) await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 2 }), HttpStatusCode.Created);
        // A resident too: the groups left out then have 3 answers together, so the panel's figures minus grid's give none of them away.
        var resident = s.Participants.First(p => p.Group == "residents");
        await Scenario.Expect(await Scenario.AnswerAsync(app, resident.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3 }), HttpStatusCode.Created);

        // Closed, so the final figures are released whatever the steps of the live release were.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var stats = await Scenario.Expect(await app.Client(grid[0].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        var item = Scenario.ItemStats(stats, s.SevenPointItem);
        Assert.Equal(6, item.GetProperty("overall").GetProperty("n").GetInt32());
        Assert.True(item.GetProperty("groups").TryGetProperty("grid-operators", out var shown));
        Assert.Equal(3, shown.GetProperty("n").GetInt32());
        Assert.False(item.GetProperty("groups").TryGetProperty("housing", out _));
        // A group left out is not named either: a screen only says some groups' figures are not shown.
        Assert.False(item.TryGetProperty("hiddenGroups", out _));
        Assert.DoesNotContain("housing", item.GetRawText());
    }
}
