using System.Net;
using System.Text.Json.Nodes;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Hardening;

/// <summary>
/// Issue 17, item 2: hiding is about the text. When its author posts the hidden rationale again — as a new
/// revision, or in the next round — it stays hidden in the API, on the questionnaire page and in the exports;
/// another text of theirs is shown.
/// </summary>
public sealed class HiddenArgumentTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private const string Hidden = "Bel meneer Jansen van de haven, die weet het.";

    [Fact]
    public async Task A_hidden_rationale_posted_again_stays_hidden_in_the_api_the_pages_and_the_exports()
    {
        var s = await Scenario.CreateAsync(app);
        var (author, reader) = (s.Participants[0], s.Participants[3]);
        var first = await Scenario.Expect(await Scenario.AnswerAsync(app, author.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 2, rationale = Hidden }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/arguments/{first.GetProperty("id")}/hide", new { reason = "noemt een persoon" }), HttpStatusCode.NoContent);

        // The same text again as a new revision (another value), and on the other item a text that was never hidden.
        var again = await Scenario.Expect(await Scenario.AnswerAsync(app, author.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 3, rationale = Hidden }), HttpStatusCode.Created);
        Assert.Equal(2, again.GetProperty("revision").GetInt32());
        await Scenario.Expect(await Scenario.AnswerAsync(app, author.Token, s.RoundId, new { itemId = s.FivePointItem, value = 3, rationale = "Eerst de prijs." }), HttpStatusCode.Created);

        await AssertHiddenAsync(s, s.RoundId, reader.Token);

        // The facilitator still sees it, with the reason, on the revision the panel would otherwise see.
        var mod = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/arguments"), HttpStatusCode.OK);
        var seen = mod.EnumerateArray().Single(a => a.GetProperty("rationale").GetString() == Hidden);
        Assert.Equal(again.GetProperty("id").GetInt64(), seen.GetProperty("answerId").GetInt64());
        Assert.Equal("noemt een persoon", seen.GetProperty("hiddenReason").GetString());

        // In the next round the same text is still the hidden text.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var round2 = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/open", null), HttpStatusCode.OK);
        await Scenario.Expect(await Scenario.AnswerAsync(app, author.Token, round2, new { itemId = s.SevenPointItem, value = 4, rationale = Hidden }), HttpStatusCode.Created);
        await Scenario.Expect(await Scenario.AnswerAsync(app, author.Token, round2, new { itemId = s.FivePointItem, value = 4, rationale = "Eerst de prijs." }), HttpStatusCode.Created);
        await AssertHiddenAsync(s, round2, reader.Token);
    }

    private async Task AssertHiddenAsync(Scenario s, long roundId, string readerToken)
    {
        var api = await Scenario.Expect(await app.Client(readerToken).GetAsync($"/api/v1/rounds/{roundId}/arguments"), HttpStatusCode.OK);
        Assert.DoesNotContain(api.EnumerateArray(), a => a.GetProperty("rationale").GetString() == Hidden);
        Assert.Contains(api.EnumerateArray(), a => a.GetProperty("rationale").GetString() == "Eerst de prijs.");

        var browser = app.Client();
        await browser.GetAsync($"/p/{readerToken}");
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync("/p"));
        Assert.DoesNotContain("meneer Jansen", page);
        Assert.Contains("Eerst de prijs.", page);

        var json = JsonNode.Parse(await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export/arguments.json"))!.AsArray();
        Assert.DoesNotContain(json, a => a!["rationale"]!.GetValue<string>() == Hidden);
        Assert.Contains(json, a => a!["rationale"]!.GetValue<string>() == "Eerst de prijs.");
        Assert.DoesNotContain("meneer Jansen", await s.Facilitator.GetStringAsync($"/api/v1/studies/{s.StudyId}/export/arguments.csv"));
    }
}
