using System.Net;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>The app started with the example organisation theme (<c>Theme:Name=utrecht</c>).</summary>
public sealed class UtrechtThemedApp : DelphiApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Theme:Name"] = "utrecht" };
}

/// <summary>
/// Themes are design-tokens stylesheets chosen in the settings: the neutral default and Gemeente Utrecht's
/// tokens each style the same pages, both without accessibility violations (contrast included); and the
/// interactive API reference at /api/docs works under its own strict policy with nothing from elsewhere.
/// </summary>
[Collection(PeopleCollection.Name)]
public sealed class ThemeAndDocsTests(PeopleWorld world)
{
    [Fact]
    public async Task Both_themes_style_the_questionnaire_pass_axe_and_are_photographed_for_the_readme()
    {
        using var utrecht = new UtrechtThemedApp();
        var s = await Scenario.CreateAsync(utrecht, perGroup: 3);
        for (var i = 1; i < 7; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(utrecht, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3 + i % 4, rationale = i == 1 ? "De restwarmte is er al." : null }), HttpStatusCode.Created);

        var themes = new (string Name, string Url, string Class, string Stylesheet)[]
        {
            ("neutral", world.Url("/p/" + world.ParticipantTokens["round2"]).ToString(), "voorbeeld-theme", "/lib/voorbeeld-tokens/theme.css"),
            ("utrecht", new Uri(utrecht.Address, "/p/" + s.Participants[0].Token).ToString(), "utrecht-theme", "/lib/utrecht-tokens/theme.css"),
        };
        var colours = new List<string>();
        foreach (var (name, url, cssClass, stylesheet) in themes)
        {
            await using var person = await world.Browser.NewPersonAsync();
            var page = await person.NewPageAsync();
            await page.GotoAsync(url);
            await PageStates.Live(page, world);
            Assert.Equal(cssClass, await page.EvaluateAsync<string>("() => document.documentElement.className"));
            Assert.Equal(1, await page.Locator($"link[rel=stylesheet][href^=\"{stylesheet}\"]").CountAsync());
            var violations = await Axe.RunAsync(page);
            Assert.True(violations.Length == 0, $"{name}: " + string.Join("\n", violations.Select(v => v.ToString())));
            colours.Add(await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('.utrecht-button--primary-action')).backgroundColor"));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath($"theme-{name}.png"), FullPage = false });
        }
        Assert.NotEqual(colours[0], colours[1]); // the tokens, not the components, decide the look
    }

    [Fact]
    public async Task The_api_reference_at_api_docs_renders_the_api_under_its_policy_with_nothing_from_elsewhere()
    {
        await using var person = await world.Browser.NewPersonAsync("en-GB");
        await person.AddInitScriptAsync("""
            window.__csp = [];
            document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
            """);
        var page = await person.NewPageAsync();
        var elsewhere = new List<string>();
        page.Request += (_, r) => { if (!r.Url.StartsWith(world.App.Address.ToString().TrimEnd('/')) && !r.Url.StartsWith("data:") && !r.Url.StartsWith("blob:")) elsewhere.Add(r.Url); };
        var response = await page.GotoAsync(world.Url("/api/docs").ToString());
        Assert.Equal(200, response!.Status);
        Assert.Contains("sha256-", (await response.AllHeadersAsync())["content-security-policy"]);
        await Assertions.Expect(page.GetByText("DelphiRounds API").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        // The operations come from /openapi/v1.json: open the Studies group and its summaries are on the page.
        await page.GetByRole(AriaRole.Button, new() { Name = "Open Group - Studies" }).ClickAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByText("Your studies.").First).ToBeAttachedAsync(new() { Timeout = 20_000 });
        // An operation shows its request body: the schema's fields and an example made from it.
        await page.GetByText("Create a study with its stakeholder groups.").First.ClickAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByText("Copy link to horizonYear").First).ToBeAttachedAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("\"organiser\": \"string\"", new() { Timeout = 20_000 });
        // Scalar tries eval once (it compiles a schema helper) and carries on without it when the policy
        // refuses — the schema and the example above are shown all the same: the policy keeps no
        // 'unsafe-eval'. Nothing else may be refused.
        var refused = await page.EvaluateAsync<string[]>("() => window.__csp");
        Assert.DoesNotContain(refused, r => r != "script-src eval");
        Assert.Empty(elsewhere);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("api-docs.png") });

        // Every other page keeps the strict policy.
        var other = await world.App.Client().GetAsync("/help");
        Assert.Equal("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            string.Join("", other.Headers.GetValues("Content-Security-Policy")));
    }
}
