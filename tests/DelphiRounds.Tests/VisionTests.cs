using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Records;
using DelphiRounds.Testing;
using DelphiRounds.Vision;

namespace DelphiRounds.Tests;

/// <summary>Drafting the joint vision, the panel's review, revising, and the freeze into a canonical document.</summary>
public sealed partial class VisionTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static string Antiforgery(string html) => AntiforgeryField().Match(html).Groups[1].Value;

    [Fact]
    public async Task A_draft_links_statements_to_items_and_shows_their_final_figures_and_verdict()
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app);
        var draft = await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        Assert.Equal(1, draft.GetProperty("version").GetInt32());
        var first = draft.GetProperty("statements")[0];
        var item = first.GetProperty("items")[0];
        Assert.Equal(s.SevenPointItem, item.GetProperty("itemId").GetInt64());
        Assert.Equal(1, item.GetProperty("lastRound").GetInt32());

        // The figures are the convergence snapshot's, exactly.
        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        var snapshot = convergence.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == s.SevenPointItem);
        Assert.Equal(snapshot.GetProperty("verdict").GetString(), item.GetProperty("verdict").GetString());
        Assert.Equal(snapshot.GetProperty("analysis").GetProperty("median").GetDouble(), item.GetProperty("statistics").GetProperty("median").GetDouble());
        Assert.Equal(snapshot.GetProperty("analysis").GetProperty("iqr").GetDouble(), item.GetProperty("statistics").GetProperty("iqr").GetDouble());
        Assert.Equal(2, draft.GetProperty("statements")[1].GetProperty("items").GetArrayLength());

        // The facilitator's page shows the statement beside the item's figures.
        var page = await FacilitatorPageAsync(s, $"/f/studies/{s.StudyId}/vision");
        Assert.Contains("Restwarmte is de <strong>belangrijkste bron</strong>.", page);
        Assert.Matches($"data-item=\"{s.SevenPointItem}\"[\\s\\S]*data-figure=\"median\">{Regex.Escape(snapshot.GetProperty("analysis").GetProperty("median").GetDouble().ToString("0.##", new System.Globalization.CultureInfo("nl")))}<", page);
        Assert.Contains($"data-verdict=\"{snapshot.GetProperty("verdict").GetString()}\"", page);
    }

    [Fact]
    public async Task Statements_may_only_rest_on_items_of_the_same_study_and_a_revision_needs_a_change_note()
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app);
        var other = await VisionScenario.AnsweredAndClosedAsync(app);
        var refused = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Visie", statements = new[] { new { text = "Iets", itemIds = new[] { other.SevenPointItem } } },
        }), HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("statements[0].itemIds", out _));

        var empty = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new { title = "Visie", statements = Array.Empty<object>() }),
            HttpStatusCode.BadRequest);
        Assert.True(empty.GetProperty("errors").TryGetProperty("statements", out _));

        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        var noNote = await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.BadRequest);
        Assert.True(noNote.GetProperty("errors").TryGetProperty("changeNote", out _));
    }

    [Fact]
    public async Task The_panel_reviews_per_statement_objections_need_a_reason_and_reach_the_facilitator_who_revises_keeping_the_history()
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app);
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        var participant = app.Client(s.Participants[0].Token);
        // Before the review opens there is nothing to review.
        await Scenario.Expect(await participant.GetAsync("/api/v1/vision/review"), HttpStatusCode.NotFound);

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/open", null), HttpStatusCode.OK);
        var review = await Scenario.Expect(await participant.GetAsync("/api/v1/vision/review"), HttpStatusCode.OK);
        var statements = review.GetProperty("draft").GetProperty("statements").EnumerateArray().Select(x => x.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(2, statements.Count);
        Assert.Equal(JsonValueKind.Null, review.GetProperty("draft").GetProperty("statements")[0].GetProperty("review").ValueKind); // no tallies for participants

        var noReason = await Scenario.Expect(await participant.PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId = statements[1], position = "object" }), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        var badPosition = await Scenario.Expect(await participant.PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId = statements[1], position = "maybe" }), HttpStatusCode.BadRequest);
        Assert.True(badPosition.GetProperty("errors").TryGetProperty("position", out _));

        await Scenario.Expect(await participant.PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId = statements[1], position = "object", reason = "De prijs moet er ook in." }), HttpStatusCode.Created);
        await Scenario.Expect(await app.Client(s.Participants[1].Token).PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId = statements[1], position = "live-with" }), HttpStatusCode.Created);
        await Scenario.Expect(await app.Client(s.Participants[2].Token).PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId = statements[0], position = "agree" }), HttpStatusCode.Created);
        // A participant changes their mind: a new revision, the latest counts.
        var revised = await Scenario.Expect(await app.Client(s.Participants[2].Token).PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId = statements[0], position = "live-with" }), HttpStatusCode.Created);
        Assert.Equal(2, revised.GetProperty("revision").GetInt32());

        var vision = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/vision"), HttpStatusCode.OK);
        var tallies = vision.GetProperty("latest").GetProperty("statements");
        Assert.Equal(0, tallies[0].GetProperty("review").GetProperty("agree").GetInt32());
        Assert.Equal(1, tallies[0].GetProperty("review").GetProperty("liveWith").GetInt32());
        Assert.Equal(1, tallies[1].GetProperty("review").GetProperty("object").GetInt32());
        Assert.Equal("De prijs moet er ook in.", tallies[1].GetProperty("review").GetProperty("objections")[0].GetString());
        Assert.Equal(3, vision.GetProperty("latest").GetProperty("reviewers").GetInt32());
        Assert.Contains("De prijs moet er ook in.", await FacilitatorPageAsync(s, $"/f/studies/{s.StudyId}/vision"));

        // The facilitator revises: version 2 with a change note; the open review of version 1 closes.
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Gezamenlijke warmtevisie (test)",
            statements = new[] { new { text = "Restwarmte is de belangrijkste bron.", itemIds = new[] { s.SevenPointItem } },
                                 new { text = "De prijs is niet hoger dan bij aardgas.", itemIds = new[] { s.FivePointItem } } },
            changeNote = "Uitspraak 2 gaat nu over de prijs, na een bezwaar.",
        }), HttpStatusCode.Created);
        await Scenario.Expect(await participant.PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId = statements[0], position = "agree" }), HttpStatusCode.Conflict);
        var after = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/vision"), HttpStatusCode.OK);
        Assert.Equal(2, after.GetProperty("drafts").GetArrayLength());
        Assert.Equal("Uitspraak 2 gaat nu over de prijs, na een bezwaar.", after.GetProperty("drafts")[1].GetProperty("changeNote").GetString());
        // Version 1 and its review are kept.
        var v1 = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/vision/drafts/1"), HttpStatusCode.OK);
        Assert.False(v1.GetProperty("review").GetProperty("open").GetBoolean());
        Assert.Equal("De prijs moet er ook in.", v1.GetProperty("statements")[1].GetProperty("review").GetProperty("objections")[0].GetString());
        // A version is reviewed once.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/open", null), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/close", null), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/open", null), HttpStatusCode.Conflict);
        // Every answer and revision is a row of its own (three answers and one revision).
        Assert.Equal(4, DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(*) FROM vision_review_answers a JOIN vision_statements st ON st.id = a.statement_id JOIN vision_drafts d ON d.id = st.draft_id WHERE d.study_id = {s.StudyId}"));
    }

    [Fact]
    public async Task A_participant_reviews_on_the_page_without_script_and_an_objection_without_reason_saves_nothing()
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app);
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/open", null), HttpStatusCode.OK);
        var browser = app.Client();
        var questionnaire = await browser.GetStringAsync($"/p/{s.Participants[3].Token}");
        Assert.Contains("href=\"/p/vision\"", questionnaire);
        var page = await browser.GetStringAsync("/p/vision");
        var ids = Regex.Matches(page, "name=\"position-([0-9]+)\"").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal(2, ids.Count);

        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await browser.PostAsync("/p/vision", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [$"position-{ids[0]}"] = "agree", [$"position-{ids[1]}"] = "object", ["__RequestVerificationToken"] = Antiforgery(page),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches($"id=\"reason-{ids[1]}-error\">Schrijf waarom u bezwaar heeft", await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var saved = await browser.PostAsync("/p/vision", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [$"position-{ids[0]}"] = "agree", [$"position-{ids[1]}"] = "object", [$"reason-{ids[1]}"] = "<b>te duur</b>",
            ["__RequestVerificationToken"] = Antiforgery(page),
        }));
        var html = await saved.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Contains("2 van de 2 uitspraken", html);
        Assert.Contains("&lt;b&gt;te duur&lt;/b&gt;", html);
        var facilitatorPage = await FacilitatorPageAsync(s, $"/f/studies/{s.StudyId}/vision");
        Assert.Contains("&lt;b&gt;te duur&lt;/b&gt;", facilitatorPage);
        Assert.DoesNotContain("<b>te duur</b>", facilitatorPage);
    }

    [Fact]
    public async Task Freezing_makes_a_canonical_document_whose_SHA256_is_shown_and_nothing_changes_afterwards()
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app);
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        var frozen = await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Created);
        var hash = frozen.GetProperty("sha256").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", hash);

        // The document as served hashes to the published SHA-256, byte for byte, and is canonical JSON.
        var response = await app.Client().GetAsync($"/api/v1/studies/{s.StudyId}/vision/document");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(hash, response.Headers.GetValues("X-Content-SHA256").Single());
        var text = Encoding.UTF8.GetString(bytes);
        Assert.True(CanonicalJson.IsCanonical(text));
        var document = JsonDocument.Parse(text).RootElement;
        Assert.Equal("delphirounds-vision/1", document.GetProperty("format").GetString());
        var study = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}"), HttpStatusCode.OK);
        Assert.Equal(study.GetProperty("criteriaHash").GetString(), document.GetProperty("criteria").GetProperty("sha256").GetString());
        Assert.Equal(study.GetProperty("criteriaHash").GetString(),
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document.GetProperty("criteria").GetProperty("canonical").GetString()!))));
        var statistics = document.GetProperty("vision").GetProperty("statements")[0].GetProperty("items")[0].GetProperty("statistics");
        Assert.Equal(9, statistics.GetProperty("n").GetInt32());

        // Everyone sees the hash: the facilitator's page and the public verification page.
        Assert.Contains(hash, await FacilitatorPageAsync(s, $"/f/studies/{s.StudyId}/vision"));
        Assert.Contains(hash, await app.Client().GetStringAsync($"/verify/{s.StudyId}"));

        // Frozen means frozen: no new version, no review, no second freeze; and the table refuses changes.
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Andere visie", statements = new[] { new { text = "Iets anders", itemIds = Array.Empty<long>() } }, changeNote = "poging",
        }), HttpStatusCode.Conflict);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/open", null), HttpStatusCode.Conflict);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Conflict);
        using var c = DatabaseDump.Open(app.DatabasePath, write: true);
        using var update = c.CreateCommand();
        update.CommandText = $"UPDATE vision_documents SET document_hash = 'x' WHERE study_id = {s.StudyId}";
        Assert.ThrowsAny<System.Data.Common.DbException>(() => update.ExecuteNonQuery());
    }

    [Fact]
    public async Task Group_figures_below_three_answers_never_reach_the_frozen_document()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3);
        // The residents group answers with only two people.
        foreach (var p in s.Participants.Where(p => p.Group != "residents" || p != s.Participants.Last(q => q.Group == "residents")))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Created);
        var document = await Scenario.Expect(await app.Client().GetAsync($"/api/v1/studies/{s.StudyId}/vision/document"), HttpStatusCode.OK);
        var groups = document.GetProperty("vision").GetProperty("statements")[0].GetProperty("items")[0].GetProperty("statistics").GetProperty("groups");
        Assert.True(groups.TryGetProperty("housing", out var housing));
        Assert.Equal(3, housing.GetProperty("n").GetInt32());
        Assert.False(groups.TryGetProperty("residents", out _));
    }

    [Fact]
    public async Task The_vision_cannot_be_frozen_before_the_rounds_nor_while_a_round_is_open()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        var early = await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Conflict);
        Assert.Contains("consensus criteria are not locked", early.GetProperty("detail").GetString());
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var open = await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Conflict);
        Assert.Contains("round is still open", open.GetProperty("detail").GetString());
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM vision_documents WHERE study_id = {s.StudyId}"));
    }

    [Fact]
    public async Task Markdown_is_rendered_without_raw_HTML_or_script_links()
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Visie",
            preamble = "<script>alert(1)</script>\n\n[klik](javascript:alert(2)) ![beeld](https://tracker.example/p.png) [goed](https://example.org/)\n\n# Kop",
            statements = new[] { new { text = "<img src=x onerror=alert(3)> **vet**", itemIds = Array.Empty<long>() } },
        }), HttpStatusCode.Created);
        var page = await FacilitatorPageAsync(s, $"/f/studies/{s.StudyId}/vision");
        Assert.DoesNotContain("<script>alert(1)</script>", page);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page);
        Assert.DoesNotContain("href=\"javascript:", page);
        Assert.Contains("<a href=\"#\">klik</a>", page);
        Assert.DoesNotContain("<img", page);
        Assert.Contains("<a href=\"https://tracker.example/p.png\">beeld</a>", page); // an image becomes a link: nothing loads from elsewhere
        Assert.Contains("<a href=\"https://example.org/\">goed</a>", page);
        Assert.Contains("<strong>vet</strong>", page);
        Assert.Contains("<h3>Kop</h3>", page); // a Markdown "#" heading sits below the page's own headings
    }

    /// <summary>Logs in as the facilitator who owns the study and gets a page.</summary>
    private async Task<string> FacilitatorPageAsync(Scenario s, string path)
    {
        var browser = await LoginAsOwnerAsync(s);
        var response = await browser.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<HttpClient> LoginAsOwnerAsync(Scenario s)
    {
        var store = app.Services.GetService(typeof(DelphiRounds.Accounts.FacilitatorStore)) as DelphiRounds.Accounts.FacilitatorStore;
        var owner = await store!.FindByApiTokenAsync(s.FacilitatorToken);
        var password = "correct horse battery staple";
        var browser = app.Client();
        var login = await browser.GetStringAsync("/login");
        var posted = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = owner!.Email, ["Password"] = password, ["__RequestVerificationToken"] = Antiforgery(login),
        }));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        return browser;
    }
}
