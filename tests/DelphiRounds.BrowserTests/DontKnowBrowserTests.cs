using System.Net;
using System.Net.Http.Json;
using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// A resident answers "don't know" (issue 14, item 7) on a 390 px phone, in Dutch and in English: without script
/// (one radio group with the scale, a checkbox next to a number), by keyboard, with labels, and the optional
/// expertise question; the page passes axe.
/// </summary>
public sealed class DontKnowBrowserTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_participant_answers_dont_know_and_gives_the_expertise_without_script_by_keyboard_in_Dutch_and_English()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SevenPointItem}/answering",
            new { allowDontKnow = true, askExpertise = true }), HttpStatusCode.OK);
        var numeric = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items", new
        {
            kind = "numeric", text = new { nl = "Aandeel warmtenet in 2030", en = "Share of district heating in 2030" },
            unit = "%", rangeMin = 0, rangeMax = 100, allowDontKnow = true,
        }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);

        var phone = new ViewportSize { Width = 390, Height = 844 };
        var runs = new[]
        {
            (Locale: "nl-NL", Participant: s.Participants[0], DontKnow: "Weet ik niet", Expertise: "4 – veel", Save: "Antwoord opslaan", Saved: "opgeslagen", Mine: "Uw antwoord: Weet ik niet."),
            (Locale: "en-GB", Participant: s.Participants[1], DontKnow: "Don't know", Expertise: "4 – a lot", Save: "Save answer", Saved: "saved", Mine: "Your answer: Don't know."),
        };
        foreach (var run in runs)
        {
            // Without script: the form posts and the page comes back with the answer.
            await using (var plain = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { Locale = run.Locale, ViewportSize = phone, JavaScriptEnabled = false }))
            {
                var page = await plain.NewPageAsync();
                await page.GotoAsync(new Uri(app.Address, $"/p/{run.Participant.Token}").ToString());
                var card = page.Locator($"#item-{s.SevenPointItem}");
                await card.GetByLabel(run.DontKnow, new() { Exact = true }).CheckAsync();
                await card.GetByLabel(run.Expertise, new() { Exact = true }).CheckAsync();
                await card.GetByRole(AriaRole.Button, new() { Name = run.Save }).ClickAsync();
                await Assertions.Expect(page.Locator(".utrecht-alert--ok")).ToContainTextAsync(run.Saved);
                await Assertions.Expect(page.Locator($"#item-{s.SevenPointItem} .answered-note")).ToContainTextAsync(run.Mine);

                var number = page.Locator($"#item-{numeric}");
                await number.GetByLabel(run.DontKnow, new() { Exact = true }).CheckAsync();
                await number.GetByRole(AriaRole.Button, new() { Name = run.Save }).ClickAsync();
                await Assertions.Expect(page.Locator($"#item-{numeric} .answered-note")).ToContainTextAsync(run.Mine);
            }

            // With script, by keyboard: from the scale's last point the arrow key reaches "don't know" in the same group.
            await using var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { Locale = run.Locale, ViewportSize = phone });
            await Axe.AddToAsync(context);
            var live = await context.NewPageAsync();
            await live.GotoAsync(new Uri(app.Address, $"/p/{run.Participant.Token}").ToString());
            // The answered form folds away; open it to change the answer.
            var form = live.Locator($"#item-{s.SevenPointItem} details[data-change-answer]");
            await form.Locator("summary").ClickAsync();
            var seven = form.Locator($"#item-{s.SevenPointItem}-v7");
            await seven.FocusAsync();
            await live.Keyboard.PressAsync("Space");
            await Assertions.Expect(seven).ToBeCheckedAsync();
            await live.Keyboard.PressAsync("ArrowRight");
            await Assertions.Expect(form.Locator($"#item-{s.SevenPointItem}-dontknow")).ToBeCheckedAsync();
            await Assertions.Expect(form.Locator($"#item-{s.SevenPointItem}-dontknow")).ToBeFocusedAsync();
            await Assertions.Expect(form.Locator($"#item-{s.SevenPointItem}-expertise-4")).ToBeCheckedAsync();
            // Nothing sticks out of a 390 px screen.
            Assert.True(await live.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 390 px");
            await Axe.AssertNoViolationsAsync(live);
            await live.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath($"dont-know-{run.Locale}.png"), FullPage = true });
        }

        // Stored apart: two "don't know" answers without a value, with the expertise given.
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(*) FROM answers WHERE round_id = {s.RoundId} AND item_id = {s.SevenPointItem} AND value IS NULL AND detail_json LIKE '%\"dontKnow\":true%' AND detail_json LIKE '%\"expertise\":4%'"));
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(*) FROM answers WHERE round_id = {s.RoundId} AND item_id = {numeric} AND value IS NULL AND detail_json LIKE '%\"dontKnow\":true%'"));
    }
    /// <summary>
    /// The facilitator's side (issue 14, item 7): before round 1, the study's "citizen panel" and an item's "don't know"
    /// and expertise question are set in forms, by label, in Dutch and in English; the pages pass axe.
    /// </summary>
    [Fact]
    public async Task A_facilitator_sets_citizen_panel_dont_know_and_expertise_in_the_forms_in_Dutch_and_English()
    {
        foreach (var (locale, citizen, saveCitizen, savedCitizen, fold, dontKnow, expertise, save, shown) in new[]
        {
            ("nl-NL", "Het panel bestaat uit bewoners (burgerpanel)", "Bewaar keuze voor burgerpanel", "Bewaard: dit is een burgerpanel.",
                "'Weet ik niet' en kennis", "Deelnemers mogen 'Weet ik niet' kiezen", "Vraag ook hoeveel de deelnemer ervan weet (1 tot en met 5)", "Bewaar", "'Weet ik niet' mag"),
            ("en-GB", "The panel is residents (citizen panel)", "Save citizen panel choice", "Saved: this is a citizen panel.",
                "'Don't know' and knowledge", "Participants may choose 'Don't know'", "Also ask how much the participant knows about it (1 to 5)", "Save", "'Don't know' allowed"),
        })
        {
            var (context, token) = await browser.SignedInAsync(app, locale);
            await using var _ = context;
            var s = await Scenario.CreateAsync(app, open: false, facilitatorToken: token);
            var page = await context.NewPageAsync();
            await page.SetViewportSizeAsync(390, 844);

            await page.GotoAsync(new Uri(app.Address, $"/f/studies/{s.StudyId}").ToString());
            await page.GetByLabel(citizen, new() { Exact = true }).CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = saveCitizen }).ClickAsync();
            await Assertions.Expect(page.Locator(".utrecht-alert--ok")).ToContainTextAsync(savedCitizen);
            await Assertions.Expect(page.GetByLabel(citizen, new() { Exact = true })).ToBeCheckedAsync();
            await Axe.AssertNoViolationsAsync(page);

            await page.GotoAsync(new Uri(app.Address, $"/f/studies/{s.StudyId}/items").ToString());
            var item = page.Locator($"#item-{s.SevenPointItem}");
            await item.GetByText(fold, new() { Exact = true }).ClickAsync();
            await item.GetByLabel(dontKnow, new() { Exact = true }).CheckAsync();
            await item.GetByLabel(expertise, new() { Exact = true }).CheckAsync();
            await item.GetByRole(AriaRole.Button, new() { Name = save, Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator($"#item-{s.SevenPointItem} [data-answering]")).ToContainTextAsync(shown);
            // A citizen panel: the add form's "don't know" starts ticked.
            await Assertions.Expect(page.Locator("#field-allowdontknow")).ToBeCheckedAsync();
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the items page scrolls sideways at 390 px");
            await Axe.AssertNoViolationsAsync(page);

            var stored = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/items"), HttpStatusCode.OK);
            var seven = stored.EnumerateArray().Single(i => i.GetProperty("id").GetInt64() == s.SevenPointItem);
            Assert.True(seven.GetProperty("allowDontKnow").GetBoolean());
            Assert.True(seven.GetProperty("askExpertise").GetBoolean());
        }
    }
}
