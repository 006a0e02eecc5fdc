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

    [Fact]
    public async Task A_frozen_vision_shows_ranking_figures_and_the_open_question_as_such_keeps_item_numbers_and_offers_no_new_round()
    {
        var (context, token) = await FacilitatorAsync();
        await using var _ = context;
        var s = await Scenario.CreateAsync(app, perGroup: 3, open: false, facilitatorToken: token);
        // Items 1 and 2 rate; 3 is an open question, 4 a ranking: without the open question, 4 would be the third with figures.
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

        // The questionnaire numbers the ranking 4, as every other page will.
        var participant = await browser.NewPersonAsync();
        await using (participant)
        {
            var q = await participant.NewPageAsync();
            await q.GotoAsync(Url($"/p/{s.Participants[0].Token}"));
            await Assertions.Expect(q.Locator($"#item-{ranking}-title")).ToContainTextAsync("Stelling 4");
            await Assertions.Expect(q.Locator($"#item-{question}-title")).ToContainTextAsync("Vraag 3");
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        var page = await context.NewPageAsync();
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/convergence"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stelling 4", Exact = false })).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stelling 3", Exact = false })).ToHaveCountAsync(0);

        // The editor, after the round closed: the open question is one, not "no round closed yet".
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/vision"));
        var questionLabel = page.Locator($"label[for='statement-0-item-{question}']");
        await Assertions.Expect(questionLabel).ToContainTextAsync("Open vraag");
        await Assertions.Expect(questionLabel).Not.ToContainTextAsync("Nog geen ronde gesloten");
        await Assertions.Expect(page.Locator($"label[for='statement-0-item-{ranking}']")).ToContainTextAsync("Stelling 4:");
        await NoAxeViolationsAsync(page);

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
        var signatory = await VisionScenario.RegisterAsync(s, "Netbeheer Voorbeeld", "Piet Bakker", "piet@example.org");

        // The ranking as the frozen document has it: 9 people ranked, and their agreement on the order (Kendall's W).
        async Task RankingFiguresAsync(IPage on)
        {
            var basis = on.Locator($"[data-item='{ranking}']").First;
            await Assertions.Expect(basis.Locator("[data-figure=raters]")).ToHaveTextAsync("9");
            await Assertions.Expect(basis.Locator("[data-figure=kendallW]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^0,\d+$|^1$"));
            await Assertions.Expect(basis.Locator("[data-figure=n]")).ToHaveCountAsync(0);
            await Assertions.Expect(basis).ToContainTextAsync("Stelling 4:");
            await Assertions.Expect(on.Locator($"[data-item='{question}']").First).ToContainTextAsync("Open vraag");
            await NoAxeViolationsAsync(on);
        }
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/vision"));
        await RankingFiguresAsync(page);
        var anonymous = await browser.NewPersonAsync();
        await using (anonymous)
        {
            await Axe.AddToAsync(anonymous);
            var sign = await anonymous.NewPageAsync();
            await sign.GotoAsync(Url($"/sign/{signatory.Token}"));
            await RankingFiguresAsync(sign);
            await sign.GotoAsync(Url($"/verify/{s.StudyId}"));
            await RankingFiguresAsync(sign);
        }

        // The study page says the rounds are over and offers no round to prepare.
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}"));
        await Assertions.Expect(page.GetByText("De visie is vastgesteld op")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Ronde voorbereiden" })).ToHaveCountAsync(0);
        await NoAxeViolationsAsync(page);

        // A new signatory: the link shows once after a redirect; reloading is a GET and makes no second link.
        await page.GotoAsync(Url($"/f/studies/{s.StudyId}/vision/signatories"));
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
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM signatories WHERE study_id = {s.StudyId}"));
    }
}
