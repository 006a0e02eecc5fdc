using System.Net;

using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Nobody reads or changes what is not theirs.</summary>
public sealed class AccessTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task A_participant_of_study_X_cannot_read_study_Y_stats()
    {
        var x = await Scenario.CreateAsync(app);
        var y = await Scenario.CreateAsync(app);
        var response = await app.Client(x.Participants[0].Token).GetAsync($"/api/v1/rounds/{y.RoundId}/stats");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty("roundId", out _));
    }

    [Fact]
    public async Task A_participant_of_study_X_cannot_answer_in_study_Y()
    {
        var x = await Scenario.CreateAsync(app);
        var y = await Scenario.CreateAsync(app);
        var before = DatabaseDump.Take(app.DatabasePath);
        var response = await Scenario.AnswerAsync(app, x.Participants[0].Token, y.RoundId, new { itemId = y.SevenPointItem, value = 4 });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task A_facilitator_sees_only_their_own_studies()
    {
        var x = await Scenario.CreateAsync(app);
        var y = await Scenario.CreateAsync(app);
        Assert.Equal(HttpStatusCode.NotFound, (await x.Facilitator.GetAsync($"/api/v1/studies/{y.StudyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await x.Facilitator.GetAsync($"/api/v1/rounds/{y.RoundId}/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await x.Facilitator.PostAsync($"/api/v1/rounds/{y.RoundId}/close", null)).StatusCode);
        var list = await Scenario.Expect(await x.Facilitator.GetAsync("/api/v1/studies"), HttpStatusCode.OK);
        Assert.Equal([x.StudyId], list.EnumerateArray().Select(s => s.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task Participant_tokens_cannot_use_the_facilitator_api_and_vice_versa()
    {
        var s = await Scenario.CreateAsync(app);
        var asParticipant = await app.Client(s.Participants[0].Token).PostJsonAsync("/api/v1/studies", new { title = "x", groups = new[] { new { name = "a" } } });
        Assert.Equal(HttpStatusCode.Forbidden, asParticipant.StatusCode);
        var asFacilitator = await s.Facilitator.PostJsonAsync($"/api/v1/rounds/{s.RoundId}/answers", new { itemId = s.SevenPointItem, value = 3 });
        Assert.Equal(HttpStatusCode.Forbidden, asFacilitator.StatusCode);
    }

    [Fact]
    public async Task Facilitator_pages_need_a_login()
    {
        var client = app.Client(followRedirects: false);
        foreach (var path in new[] { "/f", "/f/account", "/f/studies/1", "/f/studies/1/panel", "/f/studies/1/dashboard" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery);
        }
    }

    [Fact]
    public async Task Invitation_tokens_are_stored_only_as_hashes()
    {
        var s = await Scenario.CreateAsync(app);
        var dump = DatabaseDump.Take(app.DatabasePath);
        Assert.DoesNotContain(s.Participants[0].Token, dump);
        Assert.DoesNotContain(s.FacilitatorToken, dump);
        Assert.Contains(DelphiRounds.Kernel.Secrets.Hash(s.Participants[0].Token), dump);
    }

    [Fact]
    public async Task Criteria_are_locked_with_their_hash_when_round_one_opens()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var before = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}"), HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("criteriaLockedAt").ValueKind);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var after = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}"), HttpStatusCode.OK);
        Assert.Matches("^[0-9a-f]{64}$", after.GetProperty("criteriaHash").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, after.GetProperty("criteriaLockedAt").ValueKind);
    }
}
