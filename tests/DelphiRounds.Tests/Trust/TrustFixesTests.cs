using System.Net;
using System.Text.Json;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Trust;

/// <summary>
/// The bugs the hostile suites found in the later features, each pinned by the request that found it: a 400
/// naming the field (never a 500), and nothing stored.
/// </summary>
public sealed class TrustFixesTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task A_null_ranking_option_or_vision_statement_is_a_400_naming_it_not_a_500()
    {
        var cast = await TrustCast.CreateAsync(app);
        var s = await cast.StudyAsync(cast.A);
        using var api = cast.Api(cast.A);
        var before = DatabaseDump.Take(app.DatabasePath);
        await Refused(await api.PostAsync($"/api/v1/studies/{s.StudyId}/items", Raw(
            """{"kind":"ranking","text":{"nl":"Welke eerst?"},"options":[null,{"nl":"Zon"}]}""")), "options");
        await Refused(await api.PostAsync($"/api/v1/studies/{s.StudyId}/items", Raw(
            """{"kind":"rating","text":{"nl":"Stelling"},"scale":{"min":1,"max":5},"labels":{"1":null}}""")), "labels");
        await Refused(await api.PostAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", Raw(
            """{"title":"Visie","statements":[null,{"text":"Tweede"}]}""")), "statements[0]");
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task Rewording_texts_and_option_keys_have_limits_in_the_api_and_on_the_page()
    {
        var cast = await TrustCast.CreateAsync(app);
        var s = await cast.StudyAsync(cast.A);
        using var api = cast.Api(cast.A);
        var before = DatabaseDump.Take(app.DatabasePath);
        var tooLong = new string('a', 1001);
        await Refused(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SpareItemId}/reword",
            new { text = new { nl = "Korter", en = tooLong }, reason = new { nl = "Waarom" } }), "text.en");
        await Refused(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SpareItemId}/reword",
            new { text = new { nl = "Korter" }, reason = new { nl = "Waarom", en = new string('a', 501) } }), "reason.en");
        await Refused(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items", new
        {
            kind = "ranking", text = new { nl = "Welke eerst?" }, options = new[] { new { key = new string('a', 61), nl = "Wind" }, new { key = "zon", nl = "Zon" } },
        }), "options");

        // The items page: each text of a rewording is held to the same limits, the message beside the field.
        var browser = cast.Client((TrustCast.CookieName, cast.A.Cookie));
        var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}/items");
        foreach (var (field, length) in new[] { ("TextNl", 1001), ("TextEn", 1001), ("ReasonNl", 501), ("ReasonEn", 501) })
        {
            var form = new Dictionary<string, string>
            {
                ["TextNl"] = "Anders gezegd", ["ReasonNl"] = "Duidelijker", ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
            };
            form[field] = new string('b', length);
            using var response = await browser.PostAsync($"/f/studies/{s.StudyId}/items?handler=Reword&itemId={s.SpareItemId}", new FormUrlEncodedContent(form));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            // The message sits beside the field: reword-{item}-nl-error, reword-{item}-reason-en-error…
            var fieldId = $"reword-{s.SpareItemId}-{(field.StartsWith("Text", StringComparison.Ordinal) ? "" : "reason-")}{field[^2..].ToLowerInvariant()}";
            Assert.Contains($"id=\"{fieldId}-error\">Dit is te lang. Gebruik hoogstens {length - 1} tekens.", html);
        }
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task A_convincing_mark_whose_item_is_not_the_arguments_own_changes_nothing()
    {
        var cast = await TrustCast.CreateAsync(app);
        var s = await cast.FullStudyAsync(cast.A);
        var browser = cast.Client(("delphi.participant", await cast.ParticipantCookieAsync(s.Participants[0].Token)));
        var page = await browser.GetStringAsync("/p");
        var before = DatabaseDump.Take(app.DatabasePath);
        foreach (var itemId in new[] { s.ItemIds[1], -1, 0 })
        {
            using var response = await browser.PostAsync("/p?handler=Convincing", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["answerId"] = s.ArgumentId.ToString(), ["itemId"] = itemId.ToString(), ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
            }));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        // With the argument's own item it marks, as before.
        using var marked = await browser.PostAsync("/p?handler=Convincing", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["answerId"] = s.ArgumentId.ToString(), ["itemId"] = s.ItemIds[0].ToString(), ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
        }));
        Assert.Equal(HttpStatusCode.Redirect, marked.StatusCode);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM argument_marks WHERE answer_id = {s.ArgumentId}"));
    }

    private static HttpContent Raw(string json) => new StringContent(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task Refused(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 naming {field}, got {(int)response.StatusCode}: {text}");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.True(errors.Any(e => e == field || e.StartsWith(field + "[", StringComparison.Ordinal)), $"errors do not name {field}: {text}");
    }
}
