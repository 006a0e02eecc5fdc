using System.Net;
using DelphiRounds.Kernel;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

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

    [Theory]
    // The setting wins, without its trailing slash.
    [InlineData("https://delphi.example.nl/", "http://localhost:5090", "https://delphi.example.nl", "https://delphi.example.nl")]
    // Empty: the address it listens on (run.sh's DELPHI_URL), for an e-mail as for a page.
    [InlineData("", "http://localhost:5090", "http://localhost:5090", "http://localhost:5090")]
    // Listening on every address names no host: a page takes the request's, an e-mail this machine's name.
    [InlineData("", "http://0.0.0.0:5090", "http://localhost:5090", "http://delphi.test:5090")]
    [InlineData("", "http://*:5090;http://localhost:5091", "http://localhost:5090", "http://delphi.test:5090")]
    public void Links_take_the_setting_else_the_address_the_server_listens_on(string setting, string urls, string withoutRequest, string withRequest)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build();
        var site = new SiteUrls(Options.Create(new SiteOptions { PublicBaseUrl = setting }), configuration);
        var request = new DefaultHttpContext().Request;
        request.Scheme = "http";
        request.Host = new HostString("delphi.test:5090");
        Assert.Equal(withoutRequest, site.BaseUrl());
        Assert.Equal(withRequest, site.BaseUrl(request));
    }
}
