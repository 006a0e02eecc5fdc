using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DelphiRounds.Testing;

/// <summary>
/// A study taken through the API past the signature (issue 21): round 1 on a 1–7 item, a 1–5 item and a numeric item
/// ("share of homes on a heat network", %), answered and closed; a vision whose second statement rests on the numeric
/// item (a target); frozen; signatories registered and the first <c>signed</c> of them signed through their links.
/// </summary>
public sealed partial record AgendaScenario(Scenario Study, string DocumentHash, long NumericItem, IReadOnlyList<SignatoryLink> Signatories)
{
    public long StudyId => Study.StudyId;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    public static string Antiforgery(string html) => AntiforgeryField().Match(html).Groups[1].Value;

    public static async Task<AgendaScenario> SignedAsync(DelphiApp app, int signatories = 3, int signed = 2, string? facilitatorToken = null)
    {
        var s = await Scenario.CreateAsync(app, open: false, facilitatorToken: facilitatorToken);
        var numeric = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items",
            new { kind = "numeric", text = new { nl = "Aandeel woningen op een warmtenet in 2030", en = "Share of homes on a heat network in 2030" }, unit = "%", rangeMin = 0, rangeMax = 100 }),
            HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        for (var i = 0; i < s.Participants.Count; i++)
        {
            var token = s.Participants[i].Token;
            await Scenario.Expect(await Scenario.AnswerAsync(app, token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 + i % 2 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, token, s.RoundId, new { itemId = s.FivePointItem, value = 2 + i % 3 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, token, s.RoundId, new { itemId = numeric, value = 40 + 5 * (i % 3) }), HttpStatusCode.Created);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Gezamenlijke warmtevisie (agenda)",
            preamble = "De partijen zijn het eens over het volgende.",
            statements = new object[]
            {
                new { text = "Restwarmte is de belangrijkste bron.", itemIds = new[] { s.SevenPointItem } },
                new { text = "In 2030 zit bijna de helft van de woningen op een warmtenet.", itemIds = new[] { numeric } },
            },
        }), HttpStatusCode.Created);
        var frozen = await VisionScenario.FreezeKeepingEveryStatementAsync(s);
        var links = new List<SignatoryLink>();
        for (var i = 0; i < signatories; i++)
            links.Add(await VisionScenario.RegisterAsync(s, $"Organisatie {i + 1} (agenda)", $"Ondertekenaar {i + 1}", $"signatory{i + 1}@example.org"));
        foreach (var link in links.Take(signed)) await SignAsync(app, link);
        return new AgendaScenario(s, frozen.GetProperty("sha256").GetString()!, numeric, links);
    }

    /// <summary>Signs through the link's form, as a browser without script would.</summary>
    public static async Task SignAsync(DelphiApp app, SignatoryLink link)
    {
        var browser = app.Client(followRedirects: false);
        var page = await browser.GetStringAsync($"/sign/{link.Token}");
        var signed = await browser.PostAsync($"/sign/{link.Token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Antiforgery(page), ["Confirm"] = "true", ["Mandate"] = "Statutair directeur",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, signed.StatusCode);
    }

    /// <summary>Adds an indicator on the numeric statement (2) and returns its id.</summary>
    public async Task<long> IndicatorAsync(string name = "Woningen op het warmtenet", string direction = "higher") =>
        (await Scenario.Expect(await Study.Facilitator.PostJsonAsync($"/api/v1/studies/{StudyId}/agenda/indicators",
            new { statement = 2, itemId = NumericItem, name, unit = "%", source = "CBS StatLine", direction }), HttpStatusCode.Created)).GetProperty("id").GetInt64();

    /// <summary>A one-time commitment link for a signatory (201 expected).</summary>
    public async Task<string> CommitmentLinkAsync(long signatoryId) =>
        (await Scenario.Expect(await Study.Facilitator.PostJsonAsync($"/api/v1/studies/{StudyId}/agenda/commitment-links", new { signatoryId }),
            HttpStatusCode.Created)).GetProperty("token").GetString()!;

    public static async Task<JsonElement> LedgerAsync(DelphiApp app, long studyId) => await VisionScenario.LedgerAsync(app, studyId);
}
