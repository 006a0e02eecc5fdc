using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Answers;
using DelphiRounds.Studies;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Attacks;

/// <summary>
/// Issue 15, item 6: a participant's own words can give them away. Before a rationale is published the author is
/// warned — not stopped — when it holds their name, their group's name (their organisation's, once the panel
/// records one) or an e-mail address; published anyway, it carries a flag the facilitator sees.
/// </summary>
public sealed partial class FreeTextWarningTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [Fact]
    public void Names_group_names_and_email_addresses_are_found_as_words_of_their_own()
    {
        var group = new StakeholderGroup { Id = 1, Slug = "housing", NameNl = "Woningcorporaties", NameEn = "Housing corporations" };
        var terms = IdentifyingText.TermsOf("Marieke de Vries-Bakker", "m.devries@havenstad.nl", group).ToList();
        Assert.Equal(["name"], IdentifyingText.Find("Zoals marieke al zei: eerst isoleren.", terms));
        Assert.Equal(["name"], IdentifyingText.Find("Ik (Bakker) vind dit te duur.", terms));
        Assert.Equal(["email"], IdentifyingText.Find("Mail gerust naar iemand.anders@example.org voor de cijfers.", terms));
        Assert.Equal(["group"], IdentifyingText.Find("Voor housing corporations is dit onhaalbaar.", terms));
        Assert.Equal(["name", "email", "group"], IdentifyingText.Find("Marieke, m.devries@havenstad.nl, Woningcorporaties", terms));
        // Parts too short to mean a name alone, and words that merely contain a term, are no alarm.
        Assert.Empty(IdentifyingText.Find("De prijs van de warmte gaat voor. Bakkerij en woningcorporatiesector.", terms));
        Assert.Empty(IdentifyingText.Find("", terms));
    }

    [Fact]
    public async Task A_rationale_naming_its_author_is_not_stored_until_they_publish_it_anyway_and_the_facilitator_sees_the_flag()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[0]; // "grid-operators 0", grid-operators.0@example.org, group "Netbeheerders"
        foreach (var (rationale, kind) in new[]
                 {
                     ("Bel me op iemand@example.org als er vragen zijn.", "e-mailadres"),
                     ("Als netbeheerders zien wij de kosten eerst.", "de naam van uw groep"),
                 })
        {
            var refused = await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5, rationale });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains(kind, problem.GetRawText());
            Assert.True(problem.GetProperty("errors").TryGetProperty("rationale", out _), problem.GetRawText());
        }
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}"));

        // Warned, not blocked: published as written, with the flag.
        var published = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 5, rationale = "Bel me op iemand@example.org als er vragen zijn.", publishAnyway = true }), HttpStatusCode.Created);
        Assert.Equal("email", DatabaseDump.Text(app.DatabasePath, $"SELECT rationale_warning FROM answers WHERE id = {published.GetProperty("id").GetInt64()}"));
        // A rationale that names no one is stored at once, without a flag.
        var plain = await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[3].Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 3, rationale = "Eerst de prijs, dan de leiding." }), HttpStatusCode.Created);

        var forFacilitator = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/arguments"), HttpStatusCode.OK);
        Assert.Equal("email", Argument(forFacilitator, published).GetProperty("warning").GetString());
        Assert.Equal(JsonValueKind.Null, Argument(forFacilitator, plain).GetProperty("warning").ValueKind);
        // Participants never see the flag (it would say whose words these are).
        var forParticipant = await Scenario.Expect(await app.Client(s.Participants[4].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/arguments"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, Argument(forParticipant, published).GetProperty("warning").ValueKind);
    }

    [Fact]
    public async Task A_rationale_naming_the_authors_own_organisation_is_warned_about_and_another_organisation_is_not()
    {
        var s = await Scenario.CreateAsync(app);
        var url = $"/api/v1/studies/{s.StudyId}/organisations";
        var own = (await Scenario.Expect(await s.Facilitator.PostJsonAsync(url, new { name = "Stadswarmte Zuid", group = "grid-operators" }), HttpStatusCode.Created))
            .GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostJsonAsync(url, new { name = "Netwerk Noord", group = "grid-operators" }), HttpStatusCode.Created);
        var p = s.Participants.First(x => x.Group == "grid-operators");
        Assert.Equal(HttpStatusCode.NoContent, (await s.Facilitator.PutAsJsonAsync($"{url}/members/{p.Id}", new { organisationId = own }, Json.Web)).StatusCode);

        var refused = await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5, rationale = "Bij stadswarmte zuid rekenen we anders." });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("de naam van uw organisatie", await refused.Content.ReadAsStringAsync());
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}"));

        // Another organisation at the table says nothing about who wrote it.
        await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 5, rationale = "Netwerk Noord rekent anders dan wij." }), HttpStatusCode.Created);
        var published = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 6, rationale = "Bij Stadswarmte Zuid rekenen we anders.", publishAnyway = true }), HttpStatusCode.Created);
        Assert.Equal("organisation", DatabaseDump.Text(app.DatabasePath, $"SELECT rationale_warning FROM answers WHERE id = {published.GetProperty("id").GetInt64()}"));
    }

    [Fact]
    public async Task The_questionnaire_warns_beside_the_rationale_and_offers_to_publish_it_as_written_without_script()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[4]; // "housing 1"
        var browser = app.Client();
        var page = await browser.GetStringAsync($"/p/{p.Token}");
        var form = new Dictionary<string, string>
        {
            ["ItemId"] = s.SevenPointItem.ToString(),
            ["Value"] = "6",
            ["Rationale"] = "Vraag het Housing 1 gerust, ik sta erachter.",
            ["IdempotencyKey"] = Guid.NewGuid().ToString("N"),
            ["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value,
        };
        var warned = await browser.PostAsync("/p?handler=Answer", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, warned.StatusCode);
        var html = await warned.Content.ReadAsStringAsync();
        Assert.Matches($"id=\"item-{s.SevenPointItem}-why-error\">In uw uitleg staat mogelijk uw naam", html);
        Assert.Contains($"id=\"item-{s.SevenPointItem}-publish-anyway\" name=\"PublishAnyway\" value=\"true\"", html);
        Assert.Contains("Vraag het Housing 1 gerust", html); // the text is kept in the form to change or publish
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}"));

        form["PublishAnyway"] = "true";
        form["IdempotencyKey"] = Guid.NewGuid().ToString("N");
        form["__RequestVerificationToken"] = AntiforgeryField().Match(html).Groups[1].Value;
        var saved = await browser.PostAsync("/p?handler=Answer", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode); // redirected back to the questionnaire
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}"));
        Assert.Equal("name", DatabaseDump.Text(app.DatabasePath, $"SELECT rationale_warning FROM answers WHERE participant_id = {p.Id}"));
    }

    private static JsonElement Argument(JsonElement list, JsonElement answer) =>
        list.EnumerateArray().Single(a => a.GetProperty("answerId").GetInt64() == answer.GetProperty("id").GetInt64());
}
