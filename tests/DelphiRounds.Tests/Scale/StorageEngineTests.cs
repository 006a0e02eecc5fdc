using System.Data.Common;
using Dapper;
using DelphiRounds.Answers;
using DelphiRounds.Data;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.Scale;

/// <summary>
/// The same checks on whichever engine the run uses: SQLite by default, PostgreSQL when scripts/test.sh
/// runs the suite again with <c>DELPHI_TEST_POSTGRES</c>.
/// </summary>
public sealed class StorageEngineTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private Database Db => app.Services.GetRequiredService<Database>();

    [Fact]
    public async Task The_app_runs_on_the_engine_the_test_run_asks_for_and_migrations_are_journaled()
    {
        var expected = TestPostgres.AdminConnectionString is null ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres;
        Assert.Equal(expected, Db.Provider);
        var ready = await (await app.Client().GetAsync("/health/ready")).ReadAsync();
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.Equal(expected.ToString(), ready.GetProperty("checks").GetProperty("database").GetProperty("description").GetString());
        var scripts = await Db.ReadAsync(c => c.QueryAsync<string>("SELECT scriptname FROM schema_versions"));
        Assert.Contains(scripts, s => s.EndsWith("0001_initial.sql", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Answers_are_append_only_on_this_engine()
    {
        var s = await Scenario.CreateAsync(app);
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = s.FivePointItem, value = 3 }), System.Net.HttpStatusCode.Created);
        await Assert.ThrowsAnyAsync<DbException>(() => Db.ReadAsync(c => c.ExecuteAsync("UPDATE answers SET value = 1")));
        await Assert.ThrowsAnyAsync<DbException>(() => Db.ReadAsync(c => c.ExecuteAsync("DELETE FROM answers")));
        Assert.Equal(1, await Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM answers WHERE round_id = @r AND value = 3", new { r = s.RoundId })));
    }

    [Fact]
    public async Task Concurrent_answers_are_group_committed_each_durable_with_its_own_result()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 10);
        var writer = app.Services.GetRequiredService<AnswerWriter>();
        var before = writer.Committed;
        // 30 participants answer at once; one of them sends the same idempotency key twice and one sends a value off the scale.
        var tasks = s.Participants.Select((p, i) => Scenario.AnswerAsync(app, p.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 1 + i % 7, idempotencyKey = $"k-{p.Id}" })).ToList();
        tasks.Add(Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 1, idempotencyKey = $"k-{s.Participants[0].Id}" }));
        tasks.Add(Scenario.AnswerAsync(app, s.Participants[1].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 9 }));
        var responses = await Task.WhenAll(tasks);

        Assert.Equal(30, responses.Take(31).Count(r => r.StatusCode == System.Net.HttpStatusCode.Created));
        Assert.Equal(1, responses.Take(31).Count(r => r.StatusCode == System.Net.HttpStatusCode.OK)); // the replay
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, responses[31].StatusCode);
        // Exactly one row per participant: the replay stored nothing.
        Assert.Equal(30, await Db.ReadAsync(c => c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM answers WHERE round_id = @r", new { r = s.RoundId })));
        var after = writer.Committed;
        Assert.Equal(31, after.Writes - before.Writes); // 30 stored + 1 replayed, each through the writer
        Assert.True(after.Batches - before.Batches < after.Writes - before.Writes, "concurrent answers shared transactions");
    }

    [Fact]
    public async Task A_write_that_fails_inside_a_group_commit_fails_alone_and_the_others_are_committed()
    {
        var s = await Scenario.CreateAsync(app);
        var writer = app.Services.GetRequiredService<AnswerWriter>();
        // Twenty writes queued at once (they share transactions); number 10 fails with a database error.
        var writes = Enumerable.Range(0, 20).Select(i => writer.WriteAsync((c, tx) => i == 10
            ? c.ExecuteAsync("INSERT INTO no_such_table (x) VALUES (1)", transaction: tx)
            : c.ExecuteAsync(
                "INSERT INTO stakeholder_groups (study_id, slug, name_nl, name_en, position) VALUES (@study, @slug, 'g', 'g', 99)",
                new { study = s.StudyId, slug = $"batch-{i}" }, tx))).ToList();

        await Assert.ThrowsAnyAsync<DbException>(() => writes[10]);
        for (var i = 0; i < 20; i++) if (i != 10) Assert.Equal(1, await writes[i]);
        Assert.Equal(19, await Db.ReadAsync(c => c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM stakeholder_groups WHERE study_id = @study AND slug LIKE 'batch-%'", new { study = s.StudyId })));
    }
}
