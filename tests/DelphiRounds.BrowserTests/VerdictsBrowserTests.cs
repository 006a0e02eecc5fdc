using DelphiRounds.Accounts;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Demo;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Issue 14: a facilitator walks the finished demo's consensus against (item 12) and its polarised item (5) on the
/// convergence page and in the report, in Dutch and in English: the verdict, its reasons in words, the poles by name;
/// axe finds nothing and the page fits a 390 px phone.
/// </summary>
public sealed class VerdictsBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    public static TheoryData<string> Languages => new() { "nl", "en" };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task The_demo_shows_consensus_against_and_a_polarised_item_with_its_poles(string lang)
    {
        var (id, _, email, password) = await app.FacilitatorAsync();
        var demo = await app.Services.GetRequiredService<ProcessDemo>().RunAsync(id, ProcessDemo.DefaultRounds, seed: 2031);
        var english = lang == "en";
        await using var person = await browser.NewPersonAsync(english ? "en-GB" : "nl-NL");
        await Axe.AddToAsync(person);
        var page = await person.NewPageAsync();
        await page.GotoAsync(new Uri(app.Address, "/login").ToString());
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("main form button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/f$"));

        foreach (var path in new[] { $"/f/studies/{demo.StudyId}/convergence", $"/f/studies/{demo.StudyId}/report" })
        {
            await page.GotoAsync(new Uri(app.Address, path).ToString());
            Assert.Equal(lang, await page.EvaluateAsync<string>("() => document.documentElement.lang"));
            var report = path.EndsWith("report", StringComparison.Ordinal);
            ILocator Item(long itemId) => report ? page.Locator($"#item-{itemId}") : page.Locator($"[data-convergence-item=\"{itemId}\"]");

            // Item 12: nearly everyone answers 1 or 2 — the panel rejects the statement.
            var against = Item(demo.Items[12]);
            await Assertions.Expect(against.Locator(".verdict--consensus-against").First).ToHaveTextAsync(english ? "Consensus against" : "Consensus: oneens");
            await Assertions.Expect(against.Locator("[data-reason]").First).ToContainTextAsync(english ? "chose 1 or 2; 70 % was needed." : "kozen 1 of 2; 70% was nodig.");

            // Item 5: two camps, named.
            var split = Item(demo.Items[5]);
            await Assertions.Expect(split.Locator(".verdict--polarised").First).ToHaveTextAsync(english ? "Polarised" : "Twee kampen");
            await Assertions.Expect(split.Locator(".poles")).ToHaveTextAsync(english
                ? "For: Housing corporations, Residents and users. Against: Energy producers and heat companies, Port authority and port industry."
                : "Eens: Woningcorporaties, Bewoners en gebruikers. Oneens: Energieproducenten en warmtebedrijven, Havenbedrijf en havenindustrie.");

            var violations = await Axe.RunAsync(page);
            Assert.True(violations.Length == 0, $"{path} [{lang}]: " + string.Join("\n", violations.Select(v => v.ToString())));
            await page.SetViewportSizeAsync(390, 844);
            Assert.Null(await ReflowTests.TooWideAsync(page));
            await page.SetViewportSizeAsync(1280, 900);
        }
    }
}
