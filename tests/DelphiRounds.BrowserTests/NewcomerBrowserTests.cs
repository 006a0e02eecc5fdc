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

    private async Task<(IBrowserContext Context, string Token)> FacilitatorAsync()
    {
        var (_, token, email, password) = await app.FacilitatorAsync();
        var context = await browser.NewPersonAsync();
        await Axe.AddToAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("/login"));
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("form.stack button[type=submit]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(Url("/f"));
        await page.CloseAsync();
        return (context, token);
    }

    private static async Task NoAxeViolationsAsync(IPage page)
    {
        var violations = await Axe.RunAsync(page);
        Assert.True(violations.Length == 0, $"{page.Url}: {string.Join("\n", violations.Select(v => v.ToString()))}");
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

        await fresh.GetByRole(AriaRole.Button, new() { Name = "Ronde 1 sluiten" }).ClickAsync();
        await Assertions.Expect(fresh.GetByRole(AriaRole.Button, new() { Name = "Ronde 1 sluiten" })).ToHaveCountAsync(0);
        // Post/redirect/get: the page after the close is a plain GET, so reloading (or Back and Forward) posts nothing again.
        var reloaded = await fresh.ReloadAsync();
        Assert.Equal("GET", reloaded!.Request.Method);

        await stale.GetByRole(AriaRole.Button, new() { Name = "Ronde 1 sluiten" }).ClickAsync();
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
}
