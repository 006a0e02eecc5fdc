using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 14, item 7, in the facilitator's forms: the study's citizen panel (when creating it, and before the lock),
/// an item's "don't know" and self-rated expertise (when adding it, and until it is first asked), and the locked
/// verdict basis in the rules form. Each form carries the anti-forgery token, shows a refusal next to its field and
/// is refused after the lock as the API is, changing nothing.
/// </summary>
public sealed partial class AnsweringFormTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    private static async Task<string> TokenAsync(HttpClient browser, string path) =>
        TokenPattern().Match(await browser.GetStringAsync(path)).Groups[1].Value;

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string page, string path, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await TokenAsync(browser, page);
        return await browser.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    private static async Task<JsonElement> ItemAsync(Scenario s, long itemId) =>
        (await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/items"), HttpStatusCode.OK))
            .EnumerateArray().Single(i => i.GetProperty("id").GetInt64() == itemId);

    [Theory]
    [InlineData("nl", "Het panel bestaat uit bewoners (burgerpanel)", "Deelnemers mogen &#x27;Weet ik niet&#x27; kiezen", "Alleen de antwoorden van experts")]
    [InlineData("en", "The panel is residents (citizen panel)", "Participants may choose &#x27;Don&#x27;t know&#x27;", "Only the experts&#x27; answers")]
    public async Task The_forms_label_citizen_panel_dont_know_expertise_and_verdict_basis_in_both_languages(string language, string citizen, string dontKnow, string experts)
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var culture = $"?culture={language}&ui-culture={language}";
        var create = await browser.GetStringAsync("/f" + culture);
        Assert.Contains($"for=\"field-citizenpanel\">{citizen}<", create);
        var study = await browser.GetStringAsync($"/f/studies/{s.StudyId}{culture}");
        Assert.Contains($"for=\"field-citizenpanel\">{citizen}<", study);
        Assert.Contains($"for=\"verdictbasis-experts\">{experts}<", study);
        var items = await browser.GetStringAsync($"/f/studies/{s.StudyId}/items{culture}");
        Assert.Contains($"for=\"field-allowdontknow\">{dontKnow}<", items);
        // Each item not asked yet has its own form, labelled apart.
        Assert.Contains($"for=\"answering-{s.SevenPointItem}-dontknow\">{dontKnow}<", items);
        Assert.Contains($"for=\"answering-{s.FivePointItem}-expertise\">", items);
    }

    [Fact]
    public async Task A_study_made_in_the_form_as_a_citizen_panel_gives_new_items_dont_know_unless_the_item_form_says_otherwise()
    {
        var facilitator = await app.FacilitatorAsync();
        var s = await Scenario.CreateAsync(app, open: false, facilitatorToken: facilitator.Token);
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);

        // The checkbox sends "true" before its hidden "false": a ticked box is a citizen panel.
        var created = await PostFormAsync(browser, "/f", "/f", new()
        {
            ["Title"] = "Burgerpanel warmte", ["GroupLines"] = "Bewoners | Residents", ["CitizenPanel"] = "true",
        });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var studyId = long.Parse(Regex.Match(created.RequestMessage!.RequestUri!.AbsolutePath, @"/f/studies/(\d+)$").Groups[1].Value);
        var study = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{studyId}"), HttpStatusCode.OK);
        Assert.True(study.GetProperty("citizenPanel").GetBoolean());

        // The item form starts ticked for a citizen panel; untouched, the item offers "don't know".
        var page = $"/f/studies/{studyId}/items";
        Assert.Matches("id=\"field-allowdontknow\" name=\"AllowDontKnow\" value=\"true\" checked=\"checked\"", await browser.GetStringAsync(page));
        var byDefault = await PostFormAsync(browser, page, page, new()
        {
            ["Kind"] = "rating", ["TextNl"] = "Iedereen krijgt warmte.", ["ScaleMax"] = "5", ["AllowDontKnow"] = "true", ["AskExpertise"] = "true",
        });
        Assert.Equal(HttpStatusCode.OK, byDefault.StatusCode);
        // Unticked: only the hidden "false" is sent.
        var without = await PostFormAsync(browser, page, page, new()
        {
            ["Kind"] = "numeric", ["TextNl"] = "Aandeel warmtenet", ["Unit"] = "%", ["RangeMin"] = "0", ["RangeMax"] = "100",
            ["AllowDontKnow"] = "false", ["AskExpertise"] = "false",
        });
        Assert.Equal(HttpStatusCode.OK, without.StatusCode);
        var listed = (await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{studyId}/items"), HttpStatusCode.OK)).EnumerateArray().ToList();
        var rating = listed.Single(i => i.GetProperty("kind").GetString() == "rating");
        var numeric = listed.Single(i => i.GetProperty("kind").GetString() == "numeric");
        Assert.True(rating.GetProperty("allowDontKnow").GetBoolean());
        Assert.True(rating.GetProperty("askExpertise").GetBoolean());
        Assert.False(numeric.GetProperty("allowDontKnow").GetBoolean());
        Assert.False(numeric.GetProperty("askExpertise").GetBoolean());

        // A study not made as a citizen panel: its form starts unticked and, untouched, the item has no "don't know".
        Assert.DoesNotMatch("id=\"field-allowdontknow\" name=\"AllowDontKnow\" value=\"true\" checked", await browser.GetStringAsync($"/f/studies/{s.StudyId}/items"));
        Assert.False((await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}"), HttpStatusCode.OK)).GetProperty("citizenPanel").GetBoolean());
    }

    [Fact]
    public async Task Before_round_one_the_forms_change_citizen_panel_dont_know_expertise_and_verdict_basis_after_it_they_are_refused_with_409_next_to_the_field()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var studyPage = $"/f/studies/{s.StudyId}";
        var itemsPage = $"/f/studies/{s.StudyId}/items";

        // Without the anti-forgery token the form is refused and nothing changes.
        var before = DatabaseDump.Take(app.DatabasePath);
        var forged = await browser.PostAsync($"{studyPage}?handler=CitizenPanel", new FormUrlEncodedContent(new Dictionary<string, string> { ["CitizenPanel"] = "true" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync(browser, studyPage, $"{studyPage}?handler=CitizenPanel", new() { ["CitizenPanel"] = "true" })).StatusCode);
        Assert.True((await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}"), HttpStatusCode.OK)).GetProperty("citizenPanel").GetBoolean());
        Assert.Contains("data-citizen-panel=\"true\"", await browser.GetStringAsync(studyPage));

        var answering = await PostFormAsync(browser, itemsPage, $"{itemsPage}?handler=Answering&itemId={s.SevenPointItem}",
            new() { ["AllowDontKnow"] = "true", ["AskExpertise"] = "true" });
        Assert.Equal(HttpStatusCode.OK, answering.StatusCode);
        var seven = await ItemAsync(s, s.SevenPointItem);
        Assert.True(seven.GetProperty("allowDontKnow").GetBoolean());
        Assert.True(seven.GetProperty("askExpertise").GetBoolean());
        Assert.Contains($"data-answering=\"{s.SevenPointItem}\"", await answering.Content.ReadAsStringAsync());

        // A bad verdict basis is shown next to its field and changes nothing; "experts" is saved into the rules.
        Dictionary<string, string> Criteria(string basis) => new()
        {
            ["MaxIqr"] = "1", ["MinAgreementPercent"] = "70", ["AgreementTopCategories"] = "2", ["MinGroupSize"] = "3", ["MaxRounds"] = "4",
            ["RequireEveryGroup"] = "false", ["DisagreementBottomCategories"] = "2", ["MaxNetChangePercent"] = "15", ["MedianShiftPercent"] = "5",
            ["MinRoundForConsensus"] = "2", ["VerdictBasis"] = basis,
        };
        before = DatabaseDump.Take(app.DatabasePath);
        var badBasis = await PostFormAsync(browser, studyPage, $"{studyPage}?handler=Criteria", Criteria("loudest"));
        Assert.Equal(HttpStatusCode.BadRequest, badBasis.StatusCode);
        Assert.Contains("id=\"verdictbasis-error\">Kies: alle antwoorden, of alleen de antwoorden van experts.<", await badBasis.Content.ReadAsStringAsync());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync(browser, studyPage, $"{studyPage}?handler=Criteria", Criteria("experts"))).StatusCode);
        var criteria = (await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK)).GetProperty("criteria");
        Assert.Equal("experts", criteria.GetProperty("verdictBasis").GetString());

        // Round 1 opens: the rules are locked (the hash covers which items the experts judge) and the forms are refused.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var locked = (await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK)).GetProperty("criteria");
        Assert.Contains(s.SevenPointItem, locked.GetProperty("expertItems").EnumerateArray().Select(x => x.GetInt64()));

        var studyToken = await TokenAsync(browser, studyPage);
        var itemsToken = await TokenAsync(browser, itemsPage);
        before = DatabaseDump.Take(app.DatabasePath);
        var lateCitizen = await browser.PostAsync($"{studyPage}?handler=CitizenPanel", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["CitizenPanel"] = "false", ["__RequestVerificationToken"] = studyToken,
        }));
        Assert.Equal(HttpStatusCode.Conflict, lateCitizen.StatusCode);
        Assert.Contains("Ronde 1 is al begonnen. Daarom kunt u niet meer veranderen of dit een burgerpanel is.", await lateCitizen.Content.ReadAsStringAsync());
        var lateAnswering = await browser.PostAsync($"{itemsPage}?handler=Answering&itemId={s.FivePointItem}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["AllowDontKnow"] = "true", ["AskExpertise"] = "false", ["__RequestVerificationToken"] = itemsToken,
        }));
        Assert.Equal(HttpStatusCode.Conflict, lateAnswering.StatusCode);
        Assert.Contains($"id=\"answering-{s.FivePointItem}-error\">Deze vraag is al gesteld.", await lateAnswering.Content.ReadAsStringAsync());
        var lateCriteria = await browser.PostAsync($"{studyPage}?handler=Criteria", new FormUrlEncodedContent(new Dictionary<string, string>(Criteria("all"))
        {
            ["__RequestVerificationToken"] = studyToken,
        }));
        Assert.Equal(HttpStatusCode.Conflict, lateCriteria.StatusCode);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        // After the lock the page says what was chosen and offers no form for it.
        var lockedPage = await browser.GetStringAsync(studyPage);
        Assert.DoesNotContain("handler=CitizenPanel", lockedPage);
        Assert.Contains("data-verdict-basis=\"experts\"", lockedPage);
        Assert.DoesNotContain("handler=Answering", await browser.GetStringAsync(itemsPage));
    }
}
