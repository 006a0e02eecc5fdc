using System.Net;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Issue 16, as a new facilitator meets it: one number per item on every page, ranking figures as the frozen
/// document has them, no round after the vision is frozen, stale buttons that say what happened, forms that
/// speak to people, and post/redirect/get. Each page is checked with axe on the way.
/// </summary>
public sealed class NewcomerBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private string Url(string path) => new Uri(app.Address, path).ToString();

    private Task<(IBrowserContext Context, string Token)> FacilitatorAsync(string locale = "nl-NL") => browser.SignedInAsync(app, locale);

    private static Task NoAxeViolationsAsync(IPage page) => Axe.AssertNoViolationsAsync(page);

    /// <summary>"Close round N…" opens the confirmation; its button closes the round.</summary>
    private static async Task CloseRoundAsync(IPage page, int number)
    {
        await page.Locator("details.confirm > summary", new() { HasText = $"Ronde {number} sluiten…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Ronde {number} sluiten", Exact = true }).ClickAsync();
    }

    private static async Task<long> AddItemAsync(Scenario s, object body) =>
        (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items", body), HttpStatusCode.Created)).GetProperty("id").GetInt64();

    [Fact]
    public async Task Close_from_an_old_tab_says_when_the_round_was_closed_and_the_close_that_worked_can_be_reloaded_without_posting_again()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 1, facilitatorToken: token);
        var fresh = await context.NewPageAsync();
        var stale = await context.NewPageAsync();
        await fresh.GotoAsync(Url($"/f/studies/{s.StudyId}"));
        await stale.GotoAsync(Url($"/f/studies/{s.StudyId}"));

        await CloseRoundAsync(fresh, 1);
        await Assertions.Expect(fresh.GetByRole(AriaRole.Button, new() { Name = "Ronde 1 sluiten" })).ToHaveCountAsync(0);
        // Post/redirect/get: the page after the close is a plain GET, so reloading (or Back and Forward) posts nothing again.
        var reloaded = await fresh.ReloadAsync();
        Assert.Equal("GET", reloaded!.Request.Method);

        await CloseRoundAsync(stale, 1);
        var alert = stale.Locator(".utrecht-alert--error");
        await Assertions.Expect(alert).ToContainTextAsync("Ronde 1 was al gesloten op");
        await Assertions.Expect(alert).ToContainTextAsync("Er is niets veranderd.");
        await NoAxeViolationsAsync(stale);
    }

    [Fact]
    public async Task Forms_refuse_a_group_without_a_Dutch_name_and_say_what_is_wrong_with_a_question_in_the_pages_language()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var page = await context.NewPageAsync();

        await page.GotoAsync(Url("/f"));
        await page.Locator("#field-title").FillAsync("Studie zonder Nederlandse groepsnaam");
        await page.Locator("#field-grouplines").FillAsync("Netbeheerders | Grid operators\n| Residents");
        await page.GetByRole(AriaRole.Button, new() { Name = "Studie maken" }).ClickAsync();
        await Assertions.Expect(page.Locator("#field-grouplines-error")).ToContainTextAsync("Elke groep heeft een Nederlandse naam nodig");
        await Assertions.Expect(page.Locator("#field-grouplines")).ToHaveAttributeAsync("aria-invalid", "true");
        await NoAxeViolationsAsync(page);
        var studies = await (await app.Client(token).GetAsync("/api/v1/studies")).ReadAsync();
        Assert.Equal(0, studies.GetArrayLength());

        var s = await Scenario.CreateAsync(app, perGroup: 1, open: false, facilitatorToken: token);
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/items"));
        await page.Locator("#kind-year").CheckAsync();
        await page.Locator("#field-rangemin").FillAsync("2050");
        await page.Locator("#field-rangemax").FillAsync("2030");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stelling toevoegen" }).ClickAsync();
        await Assertions.Expect(page.Locator("#field-textnl-error")).ToHaveTextAsync("Schrijf de vraag in het Nederlands, in hoogstens 1000 tekens.");
        await Assertions.Expect(page.Locator("#field-rangemax-error")).ToContainTextAsync("Vul het laatste toegestane jaar in");
        var errors = string.Join("\n", await page.Locator(".utrecht-form-field-error-message").AllTextContentsAsync());
        Assert.DoesNotContain("rangeMax", errors);
        Assert.DoesNotContain("'nl'", errors);
        Assert.DoesNotContain("must not be empty", errors);
        await NoAxeViolationsAsync(page);
    }

    /// <summary>
    /// A study of four items (1 and 2 rate, 3 is an open question, 4 a ranking: without the open question, 4 would
    /// be the third item with figures), round 1 answered by nine people and closed; with <paramref name="freeze"/>
    /// a vision resting on the ranking and the open question is frozen and a signatory registered.
    /// </summary>
    private async Task<(Scenario S, long Question, long Ranking, SignatoryLink? Signatory)> RankedStudyAsync(string token, bool freeze)
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3, open: false, facilitatorToken: token);
        var question = await AddItemAsync(s, new { kind = "text", text = new { nl = "Wat moet er geregeld zijn?", en = "What must be arranged?" } });
        var ranking = await AddItemAsync(s, new
        {
            kind = "ranking", text = new { nl = "Wie betaalt de leiding?", en = "Who pays for the pipe?" },
            options = new[] { new { key = "city", nl = "Gemeente" }, new { key = "grid", nl = "Netbeheerder" }, new { key = "state", nl = "Rijk" }, new { key = "homes", nl = "Bewoners" } },
        });
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        foreach (var (p, i) in s.Participants.Select((p, i) => (p, i)))
        {
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 + i % 2 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = question, text = $"Een betaalbare aansluiting ({i})." }), HttpStatusCode.Created);
            var ranks = i % 3 == 0 ? new Dictionary<string, int> { ["city"] = 2, ["grid"] = 1, ["state"] = 3, ["homes"] = 4 }
                : new Dictionary<string, int> { ["city"] = 1, ["grid"] = 2, ["state"] = 3, ["homes"] = 4 };
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = ranking, ranks }), HttpStatusCode.Created);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        if (!freeze) return (s, question, ranking, null);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Visie met een rangorde",
            preamble = "",
            statements = new object[]
            {
                new { text = "De netbeheerder betaalt mee.", itemIds = new[] { ranking, question } },
                new { text = "Restwarmte eerst.", itemIds = new[] { s.SevenPointItem } },
            },
        }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Created);
        return (s, question, ranking, await VisionScenario.RegisterAsync(s, "Netbeheer Voorbeeld", "Piet Bakker", "piet@example.org"));
    }

    [Fact]
    public async Task An_item_carries_the_same_number_on_the_questionnaire_convergence_vision_and_signing_pages()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 1, open: false, facilitatorToken: token);
        var question = await AddItemAsync(s, new { kind = "text", text = new { nl = "Wat moet er geregeld zijn?" } });
        var ranking = await AddItemAsync(s, new
        {
            kind = "ranking", text = new { nl = "Wie betaalt de leiding?" },
            options = new[] { new { key = "city", nl = "Gemeente" }, new { key = "grid", nl = "Netbeheerder" } },
        });
        // 1 and 2 rate, 3 is an open question, 4 a ranking: the convergence page used to count only items with figures (4 became 3).
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var participant = await browser.NewPersonAsync();
        await using (participant)
        {
            await Axe.AddToAsync(participant);
            var q = await participant.NewPageAsync();
            await q.GotoAsync(Url($"/p/{s.Participants[0].Token}"));
            await Assertions.Expect(q.Locator($"#item-{ranking}-title")).ToContainTextAsync("Stelling 4");
            await Assertions.Expect(q.Locator($"#item-{question}-title")).ToContainTextAsync("Vraag 3");
            await NoAxeViolationsAsync(q);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/convergence"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stelling 4" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stelling 3" })).ToHaveCountAsync(0);
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/vision"));
        await Assertions.Expect(page.Locator($"label[for='statement-0-item-{ranking}']")).ToContainTextAsync("Stelling 4:");
    }

    [Fact]
    public async Task The_vision_editor_calls_an_open_question_an_open_question_after_the_round_closed()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var (s, question, _, _) = await RankedStudyAsync(token, freeze: false);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/vision"));
        var label = page.Locator($"label[for='statement-0-item-{question}']");
        await Assertions.Expect(label).ToContainTextAsync("Open vraag: de antwoorden worden gelezen, niet geteld");
        await Assertions.Expect(label).Not.ToContainTextAsync("Nog geen ronde gesloten");
        await NoAxeViolationsAsync(page);
    }

    [Fact]
    public async Task A_ranking_shows_its_raters_and_Kendalls_W_on_the_vision_signing_and_verification_pages()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var (s, question, ranking, signatory) = await RankedStudyAsync(token, freeze: true);

        // As the frozen document has them: 9 people ranked, and their agreement on the order (Kendall's W), not
        // "Answers 4" (the number of options) and a median a ranking has not.
        async Task RankingFiguresAsync(IPage on)
        {
            var basis = on.Locator($"[data-item='{ranking}']").First;
            await Assertions.Expect(basis.Locator("[data-figure=raters]")).ToHaveTextAsync("9");
            await Assertions.Expect(basis.Locator("[data-figure=kendallW]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^0,\d+$|^1$"));
            await Assertions.Expect(basis.Locator("[data-figure=n]")).ToHaveCountAsync(0);
            await Assertions.Expect(basis.Locator("[data-figure=median]")).ToHaveCountAsync(0);
            await Assertions.Expect(basis).ToContainTextAsync("Stelling 4:");
            await Assertions.Expect(on.Locator($"[data-item='{question}']").First).ToContainTextAsync("Open vraag");
            await NoAxeViolationsAsync(on);
        }
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/vision"));
        await RankingFiguresAsync(page);
        var anonymous = await browser.NewPersonAsync();
        await using (anonymous)
        {
            await Axe.AddToAsync(anonymous);
            var sign = await anonymous.NewPageAsync();
            await sign.GotoAsync(Url($"/sign/{signatory!.Token}"));
            await RankingFiguresAsync(sign);
            await sign.GotoAsync(Url($"/verify/{s.StudyId}"));
            await RankingFiguresAsync(sign);
        }
    }

    [Fact]
    public async Task After_the_vision_is_frozen_the_study_page_says_the_rounds_are_over_and_offers_no_round()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var v = await VisionScenario.AnsweredAndClosedAsync(app, perGroup: 1, facilitatorToken: token);
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(v), HttpStatusCode.Created);
        await Scenario.Expect(await v.Facilitator.PostAsync($"/api/v1/studies/{v.StudyId}/vision/freeze", null), HttpStatusCode.Created);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{v.StudyId}"));
        await Assertions.Expect(page.GetByText("De visie is vastgesteld op")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Ronde voorbereiden" })).ToHaveCountAsync(0);
        await NoAxeViolationsAsync(page);
    }

    [Fact]
    public async Task A_new_signing_link_shows_once_after_a_redirect_so_reloading_makes_no_second_signatory()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var v = await VisionScenario.AnsweredAndClosedAsync(app, perGroup: 1, facilitatorToken: token);
        await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(v), HttpStatusCode.Created);
        await Scenario.Expect(await v.Facilitator.PostAsync($"/api/v1/studies/{v.StudyId}/vision/freeze", null), HttpStatusCode.Created);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{v.StudyId}/vision/signatories"));
        await page.Locator("#field-organisation").FillAsync("Woonstichting Voorbeeld");
        await page.Locator("#field-name").FillAsync("Ans de Wit");
        await page.Locator("#field-role").FillAsync("Directeur");
        await page.Locator("#field-email").FillAsync("ans@example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Toevoegen en link maken" }).ClickAsync();
        await Assertions.Expect(page.Locator("#new-link")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(app.Address.ToString()) + "sign/"));
        await NoAxeViolationsAsync(page);
        var reloaded = await page.ReloadAsync();
        Assert.Equal("GET", reloaded!.Request.Method);
        await Assertions.Expect(page.Locator("#new-link")).ToHaveCountAsync(0);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM signatories WHERE study_id = {v.StudyId}"));
    }

    // ---- Issue 16, items 8–18 ----

    /// <summary>All answers of a study's participants to one item (one call per participant), each expected to be stored.</summary>
    private async Task AnswerAllAsync(Scenario s, long itemId, params int[] values)
    {
        for (var i = 0; i < values.Length; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId, value = values[i] }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Closing_a_round_asks_first_the_add_question_form_shows_only_the_chosen_kinds_fields_and_refused_controls_are_not_offered()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var page = await context.NewPageAsync();

        // The round limit: a study allowed one round offers no second one once round 1 is over.
        var s = await Scenario.CreateAsync(app, perGroup: 1, open: false, facilitatorToken: token);
        var criteria = System.Text.Json.Nodes.JsonNode.Parse((await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/criteria"), HttpStatusCode.OK)).GetProperty("criteria").GetRawText())!;
        criteria["maxRounds"] = 1;
        await Scenario.Expect(await s.Facilitator.PutAsync($"/api/v1/studies/{s.StudyId}/criteria",
            new StringContent(criteria.ToJsonString(), System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);

        // Nobody missing: everyone filled in something, so no reminder form (it would only be refused).
        await AnswerAllAsync(s, s.SevenPointItem, 5, 6, 7);
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/panel"));
        await Assertions.Expect(page.Locator("[data-nobody-missing]")).ToContainTextAsync("Iedereen heeft in ronde 1 al iets ingevuld");
        await Assertions.Expect(page.Locator("form[action*=Remind]")).ToHaveCountAsync(0);
        await NoAxeViolationsAsync(page);

        // "Close round 1…" only opens a confirmation: the round is still open until its button is pressed.
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}"));
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Ronde 1 sluiten", Exact = true })).ToBeHiddenAsync();
        await page.Locator("details.confirm > summary", new() { HasText = "Ronde 1 sluiten…" }).ClickAsync();
        await Assertions.Expect(page.Locator("details.confirm .confirm__body")).ToContainTextAsync("Dit kunt u niet ongedaan maken.");
        Assert.Equal("open", DatabaseDump.Text(app.DatabasePath, $"SELECT state FROM rounds WHERE id = {s.RoundId}"));
        await NoAxeViolationsAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Ronde 1 sluiten", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-round-limit]")).ToContainTextAsync("hoogstens 1 rondes");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Ronde voorbereiden" })).ToHaveCountAsync(0);
        Assert.Equal("closed", DatabaseDump.Text(app.DatabasePath, $"SELECT state FROM rounds WHERE id = {s.RoundId}"));

        // The add-question form shows the fields of the chosen kind only.
        var draft = await Scenario.CreateAsync(app, perGroup: 1, open: false, facilitatorToken: token);
        await page.GotoAsync(Url($"/f/studies/{draft.StudyId}/items"));
        var (rating, numbers, ranking) = (page.Locator("#field-lownl"), page.Locator("#field-rangemin"), page.Locator("#field-optionlines"));
        await page.Locator("#kind-rating").CheckAsync();
        await Assertions.Expect(rating).ToBeVisibleAsync();
        await Assertions.Expect(numbers).ToBeHiddenAsync();
        await Assertions.Expect(ranking).ToBeHiddenAsync();
        await page.Locator("#kind-year").CheckAsync();
        await Assertions.Expect(numbers).ToBeVisibleAsync();
        await Assertions.Expect(rating).ToBeHiddenAsync();
        await page.Locator("#kind-ranking").CheckAsync();
        await Assertions.Expect(ranking).ToBeVisibleAsync();
        await Assertions.Expect(numbers).ToBeHiddenAsync();
        await page.Locator("#kind-text").CheckAsync();
        await Assertions.Expect(page.Locator(".kind-fields:visible")).ToHaveCountAsync(0);
        await NoAxeViolationsAsync(page);
    }

    [Fact]
    public async Task A_new_participants_link_shows_whole_with_a_copy_button_that_copies_it()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = app.Address.ToString().TrimEnd('/') });
        var s = await Scenario.CreateAsync(app, perGroup: 1, open: false, facilitatorToken: token);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/panel"));
        await page.Locator("#field-name").FillAsync("Anna de Vries");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deelnemer toevoegen" }).ClickAsync();
        var link = await page.Locator("#new-link").InputValueAsync();
        Assert.StartsWith(app.Address + "p/", link);
        // The whole link shows (the box wraps it), on a desktop and on a phone.
        foreach (var width in new[] { 1100, 390 })
        {
            await page.SetViewportSizeAsync(width, 900);
            Assert.True(await page.Locator("#new-link").EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight + 1"), $"the link is cut off in its box at {width} px");
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Link kopiëren" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-copy-status]")).ToHaveTextAsync("De link is gekopieerd.");
        Assert.Equal(link, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await NoAxeViolationsAsync(page);
    }

    [Fact]
    public async Task Before_round_1_items_are_edited_moved_and_deleted_without_a_reason_and_from_round_1_on_they_are_not()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 1, open: false, facilitatorToken: token);
        var third = await AddItemAsync(s, new { kind = "text", text = new { nl = "Wat mist er nog?" } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/items"));
        await NoAxeViolationsAsync(page);

        // A typo fixed: no reason asked, nothing for participants to read in a changelog.
        var first = page.Locator($"#item-{s.SevenPointItem}");
        await first.Locator("summary", new() { HasText = "Tekst aanpassen" }).ClickAsync();
        await Assertions.Expect(first.Locator("textarea[name=ReasonNl]")).ToHaveCountAsync(0);
        await first.Locator($"#edit-{s.SevenPointItem}-nl").FillAsync("Restwarmte uit de haven gaat voor.");
        await first.GetByRole(AriaRole.Button, new() { Name = "Tekst opslaan" }).ClickAsync();
        await Assertions.Expect(page.Locator($"#item-{s.SevenPointItem}")).ToContainTextAsync("Restwarmte uit de haven gaat voor.");
        Assert.Equal("Restwarmte uit de haven gaat voor.", DatabaseDump.Text(app.DatabasePath, $"SELECT text_nl FROM items WHERE id = {s.SevenPointItem}"));
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM item_changes WHERE item_id = {s.SevenPointItem}"));

        // The open question moves up one place, then the 1–5 item is deleted after a confirmation.
        await page.GetByRole(AriaRole.Button, new() { Name = "Omhoog: vraag 3" }).ClickAsync();
        var order = await page.Locator("ol.item-list > li").EvaluateAllAsync<string[]>("els => els.map(e => e.id)");
        Assert.Equal([$"item-{s.SevenPointItem}", $"item-{third}", $"item-{s.FivePointItem}"], order);
        var five = page.Locator($"#item-{s.FivePointItem}");
        await five.Locator("summary", new() { HasText = "Verwijderen…" }).ClickAsync();
        await five.GetByRole(AriaRole.Button, new() { Name = "Ja, verwijderen: vraag 3" }).ClickAsync();
        await Assertions.Expect(page.Locator($"#item-{s.FivePointItem}")).ToHaveCountAsync(0);
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM items WHERE id = {s.FivePointItem}"));
        await NoAxeViolationsAsync(page);

        // Round 1 opens: the wording is fixed (rewording between rounds, with a reason, is what is left).
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/items"));
        await Assertions.Expect(page.Locator("summary", new() { HasText = "Tekst aanpassen" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("summary", new() { HasText = "Verwijderen…" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Omhoog" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_participant_reading_English_sees_the_studys_English_title_and_question()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("/f"));
        await page.Locator("#field-title").FillAsync("Warmtevisie Havenstad 2030");
        await page.Locator("#field-question").FillAsync("Hoe verwarmen we de stad in 2030?");
        await page.Locator("#field-titleen").FillAsync("Heat vision Port City 2030");
        await page.Locator("#field-questionen").FillAsync("How do we heat the city in 2030?");
        await page.Locator("#field-grouplines").FillAsync("Bewoners | Residents");
        await page.GetByRole(AriaRole.Button, new() { Name = "Studie maken" }).ClickAsync();
        var studies = await (await app.Client(token).GetAsync("/api/v1/studies")).ReadAsync();
        var study = studies.EnumerateArray().Single();
        Assert.Equal("Heat vision Port City 2030", study.GetProperty("titleEn").GetString());
        var studyId = study.GetProperty("id").GetInt64();

        var f = app.Client(token);
        var participant = await Scenario.Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/participants", new { group = "bewoners", name = "Sam" }), HttpStatusCode.Created);
        await AddItemAsync(new Scenario(f, token, studyId, 0, [], []), new { kind = "text", text = new { nl = "Wat moet er geregeld zijn?", en = "What must be arranged?" } });
        var round = await Scenario.Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { mode = "live" }), HttpStatusCode.Created);
        await Scenario.Expect(await f.PostAsync($"/api/v1/rounds/{round.GetProperty("id").GetInt64()}/open", null), HttpStatusCode.OK);

        foreach (var (locale, title, question) in new[] { ("en-GB", "Heat vision Port City 2030", "How do we heat the city in 2030?"), ("nl-NL", "Warmtevisie Havenstad 2030", "Hoe verwarmen we de stad in 2030?") })
        {
            await using var person = await browser.NewPersonAsync(locale);
            await Axe.AddToAsync(person);
            var p = await person.NewPageAsync();
            await p.GotoAsync(Url($"/p/{participant.GetProperty("token").GetString()}"));
            await Assertions.Expect(p.Locator("h1")).ToHaveTextAsync(title);
            await Assertions.Expect(p.Locator("p.utrecht-paragraph--lead").First).ToHaveTextAsync(question);
            Assert.StartsWith(title, await p.TitleAsync());
            await NoAxeViolationsAsync(p);
        }
    }

    [Fact]
    public async Task Participants_read_the_figures_in_plain_words_and_the_facilitator_keeps_the_exact_ones()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 3, open: false, facilitatorToken: token);
        var ranking = await AddItemAsync(s, new
        {
            kind = "ranking", text = new { nl = "Wie betaalt de leiding?", en = "Who pays for the pipe?" },
            options = new[] { new { key = "city", nl = "Gemeente" }, new { key = "grid", nl = "Netbeheerder" }, new { key = "homes", nl = "Bewoners" } },
        });
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        // 3, 4, 6: quartiles 3.5 and 5 — on a 1–7 scale a participant reads 4 – 5.
        await AnswerAllAsync(s, s.SevenPointItem, 6, 3, 4);
        for (var i = 0; i < 3; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId,
                new { itemId = ranking, ranks = new Dictionary<string, int> { ["city"] = 1, ["grid"] = 2 + i % 2, ["homes"] = 3 - i % 2 } }), HttpStatusCode.Created);

        await using var participant = await browser.NewPersonAsync();
        await Axe.AddToAsync(participant);
        var q = await participant.NewPageAsync();
        await q.GotoAsync(Url($"/p/{s.Participants[0].Token}"));
        await PageStates.Live(q, null!);
        var figures = q.Locator($"section.aggregate[data-kind=rating]").First;
        await Assertions.Expect(figures.Locator("[data-stat=quartiles]")).ToHaveTextAsync("4 – 5");
        await Assertions.Expect(figures).ToContainTextAsync("De middelste helft van de antwoorden ligt tussen");
        // My answer (6) is marked at the answer, not beside the number of people who gave it.
        var mine = figures.Locator("tr.is-mine");
        await Assertions.Expect(mine.Locator("th")).ToHaveTextAsync("6 (uw antwoord)");
        await Assertions.Expect(mine.Locator("td")).Not.ToContainTextAsync("uw antwoord");
        await Assertions.Expect(figures.Locator("table.distribution thead")).ToContainTextAsync("Aantal mensen");
        // The ranking's agreement in words; no Kendall's W, no quartiles with decimals, no revision numbers.
        var order = q.Locator("section.aggregate[data-kind=ranking]").First;
        await Assertions.Expect(order).ToContainTextAsync("Zijn de deelnemers het eens over de volgorde?");
        var text = await q.Locator("main").InnerTextAsync();
        Assert.DoesNotContain("Kendall", text);
        Assert.DoesNotContain("(versie", text);
        Assert.DoesNotContain("3,5", text);
        Assert.DoesNotMatch(@"\d ◀", text);
        await NoAxeViolationsAsync(q);

        var dashboard = await context.NewPageAsync();
        await dashboard.GotoAsync(Url($"/f/studies/{s.StudyId}/dashboard"));
        await Assertions.Expect(dashboard.Locator($"section.aggregate[data-kind=rating] [data-stat=quartiles]").First).ToHaveTextAsync("3,5 – 5");
        await Assertions.Expect(dashboard.Locator("main")).ToContainTextAsync("Kendall's W");
    }

    [Fact]
    public async Task A_long_argument_is_limited_shown_shortened_with_read_more_in_the_cards_type_scale_and_flagged_to_the_facilitator()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 1, facilitatorToken: token);
        var words = string.Join(" ", Enumerable.Repeat("De restwarmte van de haven is er al en wacht op een leiding.", 14));
        Assert.InRange(words.Length, 801, 1000);
        // Longer than the limit: refused, naming the field; at the limit: stored.
        var refused = await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 7, rationale = new string('x', 1001) }), HttpStatusCode.BadRequest);
        Assert.Contains("1000", refused.GetProperty("errors").GetProperty("rationale")[0].GetString());
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 7, rationale = words }), HttpStatusCode.Created);
        await AnswerAllAsync(s, s.FivePointItem, 4, 4, 4);
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[1].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[2].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);

        await using var participant = await browser.NewPersonAsync();
        await Axe.AddToAsync(participant);
        var q = await participant.NewPageAsync();
        await q.GotoAsync(Url($"/p/{s.Participants[1].Token}"));
        var card = q.Locator($"#item-{s.SevenPointItem}");
        // The limit is said beside the field, and the field keeps to it.
        await Assertions.Expect(card.Locator("[data-why-length]")).ToContainTextAsync("Hoogstens 1000 tekens");
        await Assertions.Expect(card.Locator("textarea[name=Rationale]")).ToHaveAttributeAsync("maxlength", "1000");
        var argument = card.Locator("[data-long-argument]");
        var shown = await argument.Locator(".argument__cut").InnerTextAsync();
        Assert.InRange(shown.Length, 300, 602);
        await Assertions.Expect(argument.Locator(".argument__full")).ToBeHiddenAsync();
        var sizes = await q.EvaluateAsync<double[]>($$"""
            () => [getComputedStyle(document.querySelector('#item-{{s.SevenPointItem}} .argument__cut')).fontSize,
                   getComputedStyle(document.querySelector('#item-{{s.SevenPointItem}} .item-card__text')).fontSize].map(parseFloat)
            """);
        Assert.True(sizes[0] <= sizes[1], $"the argument ({sizes[0]} px) is larger than the statement ({sizes[1]} px)");
        await argument.Locator("summary", new() { HasText = "Lees het hele argument" }).ClickAsync();
        await Assertions.Expect(argument.Locator(".argument__full")).ToHaveTextAsync(words);
        await Assertions.Expect(argument.Locator(".argument__cut")).ToBeHiddenAsync();
        await NoAxeViolationsAsync(q);

        // The facilitator sees it flagged where the arguments are read in full (the report's annex of dissent).
        var report = await context.NewPageAsync();
        await report.GotoAsync(Url($"/f/studies/{s.StudyId}/report"));
        var flags = await report.Locator("[data-long-argument]").CountAsync();
        var annex = await report.Locator("blockquote.argument").CountAsync();
        Assert.True(annex == 0 || flags > 0, "a long argument in the report is not flagged");
    }

    /// <summary>A signatory of a frozen vision signs on their page; returns their link's token and the study.</summary>
    private async Task<(string Token, long StudyId)> SignedAsync(string token)
    {
        var (s, _, _, signatory) = await RankedStudyAsync(token, freeze: true);
        await using var person = await browser.NewPersonAsync();
        var sign = await person.NewPageAsync();
        await sign.GotoAsync(Url($"/sign/{signatory!.Token}"));
        await sign.Locator("#confirm").CheckAsync();
        await sign.Locator("form button[type=submit]").Last.ClickAsync();
        await Assertions.Expect(sign).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/receipt$"));
        return (signatory.Token, s.StudyId);
    }

    [Fact]
    public async Task The_receipt_and_the_verification_page_lead_with_plain_words_and_keep_the_hashes_under_technical_proof()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var (signed, studyId) = await SignedAsync(token);
        await using var director = await browser.NewPersonAsync();
        await Axe.AddToAsync(director);
        var page = await director.NewPageAsync();

        await page.GotoAsync(Url($"/sign/{signed}/receipt"));
        await Assertions.Expect(page.Locator("[data-receipt-summary]")).ToContainTextAsync("De handtekening van Netbeheer Voorbeeld staat in het register: vermelding 1 van 1. Het register is gecontroleerd en klopt");
        await Assertions.Expect(page.Locator("[data-entry-hash]")).ToBeHiddenAsync();
        Assert.DoesNotContain("scripts/delphi", await page.Locator("main").InnerTextAsync());
        await NoAxeViolationsAsync(page);
        await page.Locator("summary", new() { HasText = "Technisch bewijs" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-entry-hash]")).ToBeVisibleAsync();

        await page.GotoAsync(Url($"/verify/{studyId}"));
        await Assertions.Expect(page.Locator("[data-plain-summary]")).ToHaveTextAsync("De 1 vermelding in het register is gecontroleerd. Niets is veranderd of weggehaald.");
        // The text's fingerprint stays in sight (it is printed with the document); the chain and the offline check are the technical proof.
        await Assertions.Expect(page.Locator("[data-document-hash]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("table.vision-chain")).ToBeHiddenAsync();
        Assert.DoesNotContain("scripts/delphi", await page.Locator("main").InnerTextAsync());
        await NoAxeViolationsAsync(page);
        await page.Locator("summary", new() { HasText = "Technisch bewijs" }).ClickAsync();
        await Assertions.Expect(page.Locator("table.vision-chain")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Dates_follow_the_browsers_locale_and_no_page_for_people_shows_a_raw_ISO_time()
    {
        var iso = new System.Text.RegularExpressions.Regex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}");
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var (signed, studyId) = await SignedAsync(token);
        foreach (var locale in new[] { "nl-NL", "en-GB" })
        {
            await using var person = await browser.NewPersonAsync(locale);
            var page = await person.NewPageAsync();
            foreach (var path in new[] { $"/sign/{signed}/receipt", $"/verify/{studyId}" })
            {
                await page.GotoAsync(Url(path));
                var visible = await page.Locator("main").InnerTextAsync();
                Assert.False(iso.IsMatch(visible), $"{path} [{locale}] shows an ISO time: {iso.Match(visible).Value}");
            }
        }
        // The downloadable proof keeps ISO 8601.
        Assert.Matches(iso, await app.Client().GetStringAsync($"/sign/{signed}/receipt.json"));

        // A numeric date as the browser's locale writes it: en-GB day first, en-US month first.
        foreach (var locale in new[] { "en-GB", "en-US" })
        {
            var (facilitator, own) = await FacilitatorAsync(locale);
            await using var __ = facilitator;
            var s = await Scenario.CreateAsync(app, perGroup: 1, facilitatorToken: own);
            await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
            var closedAt = DateTimeOffset.Parse(DatabaseDump.Text(app.DatabasePath, $"SELECT closed_at FROM rounds WHERE id = {s.RoundId}"), System.Globalization.CultureInfo.InvariantCulture);
            var page = await facilitator.NewPageAsync();
            await page.GotoAsync(Url($"/f/studies/{s.StudyId}"));
            var expected = closedAt.ToLocalTime().ToString("g", System.Globalization.CultureInfo.GetCultureInfo(locale));
            await Assertions.Expect(page.Locator("main table")).ToContainTextAsync(expected);
        }
    }

    [Fact]
    public async Task Every_page_has_a_favicon_and_the_themes_fonts_come_from_the_server()
    {
        await using var person = await browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        var fonts = new List<string>();
        page.Response += (_, r) => { if (r.Url.Contains("/fonts/") && r.Status == 200) fonts.Add(r.Url); };
        await page.GotoAsync(Url("/help"));
        var icon = await page.Locator("link[rel=icon]").GetAttributeAsync("href");
        Assert.NotNull(icon);
        var response = await app.Client().GetAsync(icon!.Split('?')[0]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The theme names Noto Sans: it is bundled and used, not a fallback of the machine.
        await page.EvaluateAsync("() => document.fonts.ready");
        Assert.True(await page.EvaluateAsync<bool>("() => document.fonts.check('16px \"Noto Sans\"') && [...document.fonts].some(f => f.family.replace(/\"/g, '') === 'Noto Sans' && f.status === 'loaded')"),
            "Noto Sans is not loaded from the server");
        Assert.NotEmpty(fonts);
        Assert.All(fonts, f => Assert.StartsWith(app.Address.ToString(), f));
    }

    [Fact]
    public async Task A_required_field_is_not_red_before_it_is_touched_and_a_drop_down_looks_like_one()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 1, open: false, facilitatorToken: token);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/items"));
        const string Border = "e => getComputedStyle(e).borderTopColor";
        var untouched = await page.Locator("#field-textnl").EvaluateAsync<string>(Border);
        var normal = await page.Locator("#field-texten").EvaluateAsync<string>(Border);
        Assert.Equal(normal, untouched);
        // Touched and left empty, it does say so.
        await page.Locator("#field-textnl").FillAsync("x");
        await page.Locator("#field-textnl").FillAsync("");
        await page.Locator("#field-texten").FocusAsync();
        Assert.NotEqual(normal, await page.Locator("#field-textnl").EvaluateAsync<string>(Border));

        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/panel"));
        Assert.Contains("svg", await page.Locator("#field-groupid").EvaluateAsync<string>("e => getComputedStyle(e).backgroundImage"));
    }

    [Fact]
    public async Task On_a_phone_an_answered_questions_form_folds_away_and_opens_again_to_change_the_answer()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 1);
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);
        await using var participant = await browser.NewPersonAsync();
        await Axe.AddToAsync(participant);
        var q = await participant.NewPageAsync();
        await q.SetViewportSizeAsync(390, 844);
        await q.GotoAsync(Url($"/p/{s.Participants[0].Token}"));
        var answered = q.Locator($"#item-{s.SevenPointItem}");
        var open = q.Locator($"#item-{s.FivePointItem}");
        await Assertions.Expect(answered.Locator(".answered-note")).ToBeVisibleAsync();
        await Assertions.Expect(answered.Locator("form.answer-form")).ToBeHiddenAsync();
        await Assertions.Expect(open.Locator("form.answer-form")).ToBeVisibleAsync();
        var folded = await answered.EvaluateAsync<double>("e => e.getBoundingClientRect().height");
        await NoAxeViolationsAsync(q);
        await answered.Locator("summary", new() { HasText = "Antwoord veranderen" }).ClickAsync();
        var unfolded = await answered.EvaluateAsync<double>("e => e.getBoundingClientRect().height");
        // Seven stacked answers, the "why?" field and the button: folded away, a phone scrolls past a short card.
        Assert.True(unfolded - folded > 300, $"folding saves only {unfolded - folded} px ({unfolded} → {folded})");
        await answered.GetByRole(AriaRole.Radio, new() { Name = "6", Exact = false }).First.CheckAsync();
        await answered.GetByRole(AriaRole.Button, new() { Name = "Antwoord wijzigen" }).ClickAsync();
        await Assertions.Expect(q.Locator($"#item-{s.SevenPointItem} .answered-note")).ToContainTextAsync("Uw antwoord: 6.");
    }
}
