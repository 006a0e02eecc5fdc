using System.Net;
using System.Text;
using System.Text.Json;

using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Every refusal is a problem naming the field, and changes nothing in the database.</summary>
public sealed class BadInputTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private async Task<JsonElement> Refused(Func<Task<HttpResponseMessage>> send, HttpStatusCode status, string field)
    {
        var before = DatabaseDump.Take(app.DatabasePath);
        var response = await send();
        var body = await response.ReadAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}': {body}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        return body;
    }

    [Theory]
    [InlineData(8)]
    [InlineData(0)]
    [InlineData(3.5)]
    [InlineData(-1)]
    public async Task A_value_outside_the_scale_is_refused_with_400_naming_value(double value)
    {
        var s = await Scenario.CreateAsync(app);
        await Refused(() => Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = s.SevenPointItem, value }),
            HttpStatusCode.BadRequest, "value");
    }

    [Fact]
    public async Task An_unknown_item_is_refused_with_404_naming_itemId()
    {
        var s = await Scenario.CreateAsync(app);
        var other = await Scenario.CreateAsync(app);
        await Refused(() => Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = 999_999, value = 3 }), HttpStatusCode.NotFound, "itemId");
        await Refused(() => Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = other.SevenPointItem, value = 3 }), HttpStatusCode.NotFound, "itemId");
    }

    [Fact]
    public async Task An_answer_to_a_closed_round_is_refused_with_409_naming_roundId()
    {
        var s = await Scenario.CreateAsync(app);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        await Refused(() => Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3 }), HttpStatusCode.Conflict, "roundId");
    }

    [Fact]
    public async Task An_answer_to_a_round_not_yet_open_is_refused_with_409()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        await Refused(() => Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3 }), HttpStatusCode.Conflict, "roundId");
    }

    [Fact]
    public async Task A_missing_or_wrong_token_is_refused_with_401_naming_Authorization()
    {
        var s = await Scenario.CreateAsync(app);
        var body = new { itemId = s.SevenPointItem, value = 3 };
        await Refused(() => app.Client().PostJsonAsync($"/api/v1/rounds/{s.RoundId}/answers", body), HttpStatusCode.Unauthorized, "Authorization");
        await Refused(() => app.Client("dlp_" + new string('A', 43)).PostJsonAsync($"/api/v1/rounds/{s.RoundId}/answers", body), HttpStatusCode.Unauthorized, "Authorization");
        await Refused(() => app.Client("not-a-token").PostJsonAsync($"/api/v1/rounds/{s.RoundId}/answers", body), HttpStatusCode.Unauthorized, "Authorization");
        await Refused(() => app.Client().GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.Unauthorized, "Authorization");
    }

    [Fact]
    public async Task A_reissued_invitation_makes_the_old_token_fail()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[0];
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{p.Id}/invitation", null), HttpStatusCode.OK);
        await Refused(() => Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3 }), HttpStatusCode.Unauthorized, "Authorization");
    }

    [Theory]
    [InlineData("{\"itemId\": 1, \"value\": ", "value")]
    [InlineData("not json at all", "body")]
    [InlineData("{\"itemId\": \"one\", \"value\": 3}", "itemId")]
    [InlineData("{\"itemId\": 1, \"value\": \"five\"}", "value")]
    [InlineData("{\"itemId\": 1, \"value\": 3, \"rationale\": 17}", "rationale")]
    public async Task Malformed_json_is_refused_with_400_naming_the_field(string json, string field)
    {
        var s = await Scenario.CreateAsync(app);
        await Refused(() => app.Client(s.Participants[0].Token).PostAsync($"/api/v1/rounds/{s.RoundId}/answers",
            new StringContent(json, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Missing_fields_are_refused_with_400_naming_each()
    {
        var s = await Scenario.CreateAsync(app);
        await Refused(() => app.Client(s.Participants[0].Token).PostAsync($"/api/v1/rounds/{s.RoundId}/answers",
            new StringContent("{}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "itemId");
        // What else an answer needs depends on the item's kind: a rating needs a value.
        await Refused(() => app.Client(s.Participants[0].Token).PostAsync($"/api/v1/rounds/{s.RoundId}/answers",
            new StringContent($"{{\"itemId\": {s.SevenPointItem}}}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "value");
    }

    [Fact]
    public async Task Bad_study_input_is_refused_naming_the_field()
    {
        var s = await Scenario.CreateAsync(app);
        await Refused(() => s.Facilitator.PostJsonAsync("/api/v1/studies", new { title = "", groups = new[] { new { name = "a" } } }), HttpStatusCode.BadRequest, "title");
        await Refused(() => s.Facilitator.PostJsonAsync("/api/v1/studies", new { title = "t", groups = Array.Empty<object>() }), HttpStatusCode.BadRequest, "groups");
        await Refused(() => s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items",
            new { kind = "rating", text = new { nl = "x" }, scale = new { min = 1, max = 6 } }), HttpStatusCode.BadRequest, "scale");
        await Refused(() => s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items",
            new { kind = "guess", text = new { nl = "x" } }), HttpStatusCode.BadRequest, "kind");
        await Refused(() => s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/participants", new { group = "nobody" }), HttpStatusCode.NotFound, "group");
    }
}
