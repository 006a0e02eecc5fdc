using System.Net;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Issue 16 (tried as a new user would), in the API: after the vision is frozen the panel is not asked another round.</summary>
public sealed class NewcomerTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task After_the_vision_is_frozen_no_round_is_prepared_or_opened_and_the_refusal_names_the_field()
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app);
        // A round prepared before the freeze (freezing waits only for an open round) must not open after it.
        var draft = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "classic" }), HttpStatusCode.Created))
            .GetProperty("id").GetInt64();
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Created);

        var open = await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{draft}/open", null), HttpStatusCode.Conflict);
        Assert.Contains("frozen", open.GetProperty("errors").GetProperty("roundId")[0].GetString());
        var prepare = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Conflict);
        Assert.Contains("frozen", prepare.GetProperty("errors").GetProperty("studyId")[0].GetString());

        Assert.Equal("draft", DatabaseDump.Text(app.DatabasePath, $"SELECT state FROM rounds WHERE id = {draft}"));
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM rounds WHERE study_id = {s.StudyId}"));
        // Nobody is invited to the round that did not open.
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM outbox WHERE round_id = {draft}"));
    }
}
