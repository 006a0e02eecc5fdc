using System.Net;
using DelphiRounds.Kernel;

using DelphiRounds.Testing;
using Dapper;
using DelphiRounds.Data;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

public sealed class HostTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Health_live_and_ready_answer_and_ready_checks_the_database()
    {
        var live = await Scenario.Expect(await app.Client().GetAsync("/health/live"), HttpStatusCode.OK);
        Assert.Equal("Healthy", live.GetProperty("status").GetString());
        var ready = await Scenario.Expect(await app.Client().GetAsync("/health/ready"), HttpStatusCode.OK);
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var doc = await Scenario.Expect(await app.Client().GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/studies", "/api/v1/rounds/{roundId}/answers", "/api/v1/rounds/{roundId}/stats",
                     "/api/v1/rounds/{roundId}/open", "/api/v1/rounds/{roundId}/close", "/api/v1/studies/{studyId}/participants", "/api/v1/studies/{studyId}/items" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from the OpenAPI document");
    }

    [Fact, Trait("Storage", "Sqlite")]
    public async Task Migrations_are_journaled_and_sqlite_runs_in_wal_mode_with_foreign_keys()
    {
        await app.Client().GetAsync("/health/ready");
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, "SELECT COUNT(*) FROM schema_versions WHERE scriptname LIKE '%0001_initial.sql'"));
        // Through the app's own Database service: connections opened as the app opens them.
        var db = app.Services.GetRequiredService<Database>();
        Assert.Equal(DatabaseProvider.Sqlite, db.Provider);
        await using (var c = await db.OpenAsync())
        {
            Assert.Equal("wal", await c.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
            Assert.Equal(1L, await c.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
        }
        // A group of a study that does not exist, written as the app writes: the foreign key refuses it.
        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => db.WriteAsync((c, tx) => c.ExecuteAsync(
            "INSERT INTO stakeholder_groups (study_id, slug, name_nl, name_en, position) VALUES (987654, 'x', 'x', 'x', 0)", transaction: tx)));
        Assert.Contains("FOREIGN KEY", refused.Message);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public void Dutch_and_English_texts_have_the_same_keys_and_none_is_empty()
    {
        var nl = JsonStringLocalizerFactory.Table("nl");
        var en = JsonStringLocalizerFactory.Table("en");
        Assert.Empty(nl.Keys.Except(en.Keys));
        Assert.Empty(en.Keys.Except(nl.Keys));
        Assert.DoesNotContain(nl, kv => string.IsNullOrWhiteSpace(kv.Value));
        Assert.DoesNotContain(en, kv => string.IsNullOrWhiteSpace(kv.Value));
    }
}
