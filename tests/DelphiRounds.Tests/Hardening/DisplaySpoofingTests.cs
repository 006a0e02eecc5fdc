using System.Net;
using System.Text.RegularExpressions;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;
using DelphiRounds.Tests.Trust;

namespace DelphiRounds.Tests.Hardening;

/// <summary>
/// Issue 17, item 10: direction overrides and zero-width characters are refused in names and organisations (the
/// field named, nothing stored) and removed from free text (items, rationales, open answers) with a notice.
/// </summary>
public sealed partial class DisplaySpoofingTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    /// <summary>One of each kind: an override, an isolate, a zero-width space, a zero-width joiner, a direction mark.</summary>
    public static TheoryData<string> Controls => new() { "\u202E", "\u202A", "\u2066", "\u2069", "\u200B", "\u200D", "\u200F" };

    [Theory]
    [MemberData(nameof(Controls))]
    public async Task A_participant_name_a_group_or_an_organiser_with_a_display_control_is_refused_naming_the_field(string control)
    {
        var s = await Scenario.CreateAsync(app, perGroup: 1);
        var before = DatabaseDump.Take(app.DatabasePath);
        var participant = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/participants",
            new { group = "housing", name = $"Jan {control}snaJ" }), HttpStatusCode.BadRequest);
        Assert.True(participant.GetProperty("errors").TryGetProperty("name", out _), participant.ToString());
        var study = await Scenario.Expect(await s.Facilitator.PostJsonAsync("/api/v1/studies", new
        {
            title = "Spoof", organiser = $"Gemeente{control} Rotterdam", groups = new[] { new { name = $"Net{control}beheer", slug = "net" } },
        }), HttpStatusCode.BadRequest);
        Assert.True(study.GetProperty("errors").TryGetProperty("organiser", out _), study.ToString());
        Assert.True(study.GetProperty("errors").TryGetProperty("groups[0].name", out _), study.ToString());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var signatory = new SignatoryRequestValidator().Validate(new SignatoryRequest
        {
            Name = "An de Vries", Organisation = $"Waternet{control}", Role = "directeur", Email = "an@example.org",
        });
        Assert.Equal(["organisation"], signatory.Errors.Select(e => e.PropertyName));
    }

    [Fact]
    public async Task The_panel_form_refuses_such_a_name_with_the_message_next_to_the_field()
    {
        var (_, token, email, password) = await app.FacilitatorAsync();
        var owned = await Scenario.Expect(await app.Client(token).PostJsonAsync("/api/v1/studies", new { title = "Paneel", groups = new[] { new { name = "Bewoners", slug = "residents" } } }), HttpStatusCode.Created);
        var studyId = owned.GetProperty("id").GetInt64();
        var browser = await PasswordTests.LoginAsync(app, email, password);
        var page = await browser.GetStringAsync($"/f/studies/{studyId}/panel");
        var groupId = owned.GetProperty("groups")[0].GetProperty("id").GetInt64();
        var before = DatabaseDump.Take(app.DatabasePath);

        var response = await browser.PostAsync($"/f/studies/{studyId}/panel?handler=Add", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["GroupId"] = groupId.ToString(), ["Name"] = "Piet \u202Eneiv", ["Email"] = "", ["Language"] = "nl", ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Matches(FieldError("field-name"), html);
        Assert.Contains("onzichtbare tekens", FieldError("field-name").Match(html).Value);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task Rationales_open_answers_and_item_texts_are_stored_without_display_controls_and_the_response_says_so()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 1);
        var p = s.Participants[0];
        var answer = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 4, rationale = "Rest\u200Bwarmte \u202Eis goedkoop\u202C" }), HttpStatusCode.Created);
        Assert.Equal("Restwarmte is goedkoop", answer.GetProperty("rationale").GetString());
        Assert.Contains("rationale", answer.GetProperty("notice").GetString());
        Assert.Equal("Restwarmte is goedkoop", DatabaseDump.Text(app.DatabasePath, $"SELECT rationale FROM answers WHERE id = {answer.GetProperty("id").GetInt64()}"));
        // A plain rationale carries no notice.
        var plain = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.FivePointItem, value = 2, rationale = "Gewoon" }), HttpStatusCode.Created);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, plain.GetProperty("notice").ValueKind);

        var item = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items",
            new { kind = "text", text = new { nl = "Wat\u2066 is\u2069 nodig?", en = "What\u200F is needed?" } }), HttpStatusCode.Created);
        Assert.Equal("Wat is nodig?", item.GetProperty("text").GetProperty("nl").GetString());
        Assert.Equal("What is needed?", item.GetProperty("text").GetProperty("en").GetString());
        Assert.Contains("text", item.GetProperty("notice").GetString());
    }

    [Fact]
    public async Task The_questionnaire_form_strips_a_rationale_and_tells_the_participant()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 1);
        var p = s.Participants[1];
        var browser = app.Client(followRedirects: true);
        await browser.GetAsync($"/p/{p.Token}");
        var page = await browser.GetStringAsync("/p");
        var response = await browser.PostAsync("/p?handler=Answer", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ItemId"] = s.FivePointItem.ToString(), ["Value"] = "3", ["Rationale"] = "Zonder\u200D verborgen\u202E tekens", ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Onzichtbare tekens", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        Assert.Equal("Zonder verborgen tekens", DatabaseDump.Text(app.DatabasePath, $"SELECT rationale FROM answers WHERE participant_id = {p.Id}"));
    }

    private static Regex FieldError(string fieldId) => new($"""<div class="utrecht-form-field-error-message" id="{fieldId}-error">[^<]*</div>""");
}
