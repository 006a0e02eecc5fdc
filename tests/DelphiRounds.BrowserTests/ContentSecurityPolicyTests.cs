using System.Net;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// The pages work in a real browser under the strict Content-Security-Policy (no inline script or style,
/// WebSocket to ourselves only): live figures arrive, forms post, and the browser reports no violation.
/// </summary>
public sealed class ContentSecurityPolicyTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    private const string CollectViolations = """
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
        """;

    [Fact]
    public async Task Participant_and_facilitator_pages_run_live_under_the_policy_without_a_single_violation()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3);
        var (_, token, email, password) = await app.FacilitatorAsync();
        // A study of this facilitator's own, for the live dashboard.
        var api = app.Client(token);
        var study = await Scenario.Expect(await api.PostJsonAsync("/api/v1/studies", new { title = "CSP", groups = new[] { new { name = "Bewoners" } } }), HttpStatusCode.Created);
        var studyId = study.GetProperty("id").GetInt64();
        await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/items", new { kind = "rating", text = new { nl = "Stelling" }, scale = new { min = 1, max = 5 } }), HttpStatusCode.Created);
        var round = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { }), HttpStatusCode.Created);
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{round.GetProperty("id").GetInt64()}/open", null), HttpStatusCode.OK);
        var consoleErrors = new List<string>();

        await using var participant = await browser.NewPersonAsync();
        await participant.AddInitScriptAsync(CollectViolations);
        var page = await participant.NewPageAsync();
        page.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add(m.Text); };
        var document = await page.GotoAsync(new Uri(app.Address, $"/p/{s.Participants[0].Token}").ToString());
        Assert.Contains("frame-ancestors 'none'", (await document!.AllHeadersAsync())["content-security-policy"]);
        await Assertions.Expect(page.Locator("[data-live-status]")).ToContainTextAsync("aan", new() { Timeout = 10_000 });

        // A push over the WebSocket reaches the page.
        // Three answers: the first release (threshold release, k = 3).
        foreach (var p in s.Participants.Skip(3).Take(3))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        var block = page.Locator($"[data-stats][data-item=\"{s.SevenPointItem}\"]");
        await Assertions.Expect(block.Locator("[data-stat=n]")).ToHaveTextAsync("3", new() { Timeout = 10_000 });
        // The form posts (form-action 'self').
        var card = page.Locator($"#item-{s.SevenPointItem}");
        await card.GetByLabel("4", new() { Exact = false }).First.CheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Antwoord opslaan" }).ClickAsync();
        await Assertions.Expect(page.Locator(".utrecht-alert--ok")).ToContainTextAsync("opgeslagen");
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__csp"));

        await using var facilitator = await browser.NewPersonAsync();
        await facilitator.AddInitScriptAsync(CollectViolations);
        var f = await facilitator.NewPageAsync();
        f.Console += (_, m) => { if (m.Type == "error") consoleErrors.Add(m.Text); };
        await f.GotoAsync(new Uri(app.Address, "/login").ToString());
        await f.GetByLabel("E-mailadres").FillAsync(email);
        await f.GetByLabel("Wachtwoord").FillAsync(password);
        await f.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).ClickAsync();
        await Assertions.Expect(f).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/f$"));
        foreach (var path in new[] { "/f", "/f/account", $"/f/studies/{studyId}", $"/f/studies/{studyId}/panel", $"/f/studies/{studyId}/items" })
        {
            await f.GotoAsync(new Uri(app.Address, path).ToString());
            Assert.Empty(await f.EvaluateAsync<string[]>("() => window.__csp"));
        }
        await f.GotoAsync(new Uri(app.Address, $"/f/studies/{studyId}/dashboard").ToString());
        await Assertions.Expect(f.Locator("[data-live-status]")).ToContainTextAsync("aan", new() { Timeout = 10_000 });
        Assert.Empty(await f.EvaluateAsync<string[]>("() => window.__csp"));
        Assert.DoesNotContain(consoleErrors, e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));

        // The watch works: an inline script injected into the page is blocked and reported.
        await f.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.appendChild(s); }");
        await Assertions.Expect(f.Locator("body")).ToBeVisibleAsync();
        await f.WaitForFunctionAsync("() => window.__csp.length > 0", null, new() { Timeout = 5_000 });
        Assert.Contains("script-src", (await f.EvaluateAsync<string[]>("() => window.__csp"))[0]);
        Assert.False(await f.EvaluateAsync<bool>("() => window.__ran === true"));
    }
}
