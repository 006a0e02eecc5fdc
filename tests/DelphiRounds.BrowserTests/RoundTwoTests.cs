using System.Net;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>A participant through round 1 and round 2: sees their own previous answer beside the group's, revises, gives a reason.</summary>
public sealed class RoundTwoTests(DelphiApp app, Browser browser) : IClassFixture<DelphiApp>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_participant_answers_round_one_then_sees_the_feedback_in_round_two_and_revises_with_a_reason()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 4);
        var others = new[] { 5, 3, 6, 6, 5, 6, 5, 6, 6, 5, 6 };
        for (var i = 0; i < others.Length; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i + 1].Token, s.RoundId, new
            {
                itemId = s.SevenPointItem, value = others[i],
                rationale = i == 0 ? "Restwarmte uit de haven is er al; gebruik die eerst." : i == 1 ? "Te afhankelijk van een paar bedrijven." : null,
            }), HttpStatusCode.Created);

        await using var person = await browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        await page.GotoAsync(new Uri(app.Address, $"/p/{s.Participants[0].Token}").ToString());
        var card = page.Locator($"#item-{s.SevenPointItem}");
        await card.GetByRole(AriaRole.Radio, new() { Name = "2", Exact = false }).First.CheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Antwoord opslaan" }).ClickAsync();
        await Assertions.Expect(page.Locator(".utrecht-alert--ok")).ToContainTextAsync("opgeslagen");

        // The facilitator closes round 1 and opens round 2 (same items).
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var round2 = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/open", null), HttpStatusCode.OK);

        await page.ReloadAsync();
        card = page.Locator($"#item-{s.SevenPointItem}");
        await Assertions.Expect(page.Locator("#progress")).ToContainTextAsync("Ronde 2");
        await Assertions.Expect(card.Locator(".your-previous")).ToHaveTextAsync("Uw antwoord in ronde 1: 2.");
        var feedback = card.Locator(".feedback");
        await Assertions.Expect(feedback.Locator("h3")).ToHaveTextAsync("Uitkomst van ronde 1");
        await Assertions.Expect(feedback.Locator("[data-stat=median]")).ToHaveTextAsync("5,5"); // {2,3,5,5,5,5,6,6,6,6,6,6}
        await Assertions.Expect(feedback.Locator("[data-stat=n]")).ToHaveTextAsync("12");
        await Assertions.Expect(feedback.Locator("tr.is-mine")).ToContainTextAsync("uw antwoord");
        await Assertions.Expect(card.Locator(".arguments")).ToContainTextAsync("Restwarmte uit de haven is er al");
        await Assertions.Expect(card.Locator(".arguments__side--against")).ToContainTextAsync("Te afhankelijk");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("participant-round2-nl.png"), FullPage = true });

        // Revising to 7 lies outside round 1's middle half (5 – 6): the form asks for a reason.
        await card.GetByRole(AriaRole.Radio, new() { Name = "7", Exact = false }).First.CheckAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Antwoord opslaan" }).ClickAsync();
        await Assertions.Expect(page.Locator($"#item-{s.SevenPointItem} .why__ask")).ToContainTextAsync("buiten de middelste helft");
        await page.Locator($"#item-{s.SevenPointItem}-why").FillAsync("De argumenten over restwarmte overtuigen mij.");
        await page.Locator($"#item-{s.SevenPointItem}").GetByRole(AriaRole.Button, new() { Name = "Antwoord wijzigen" }).ClickAsync();
        await Assertions.Expect(page.Locator(".utrecht-alert--ok")).ToContainTextAsync("opgeslagen");
        // The revision is saved (participants are not shown revision numbers: issue 16; the export below counts the rows).
        await Assertions.Expect(page.Locator($"#item-{s.SevenPointItem} .answered-note")).ToContainTextAsync("Uw antwoord: 7.");

        var export = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export.json"), HttpStatusCode.OK);
        var answers = export.GetProperty("rounds")[1].GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("itemId").GetInt64() == s.SevenPointItem).GetProperty("answers");
        Assert.Contains(answers.GetProperty("responses").EnumerateArray(), r => r.GetProperty("value").GetDouble() == 7);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(*) FROM answers WHERE round_id = {round2} AND participant_id = {s.Participants[0].Id} AND revision = 2 AND rationale = 'De argumenten over restwarmte overtuigen mij.'"));
    }
}
