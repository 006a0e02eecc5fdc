using System.Net;
using System.Text.Json;

namespace DelphiRounds.Testing;

/// <summary>A signatory registered through the API, with their one-time signing link.</summary>
public sealed record SignatoryLink(long Id, string Organisation, string Token, string Url);

/// <summary>
/// A study taken through the API to a frozen vision: round 1 answered and closed (real snapshots and
/// verdicts), a draft whose statements link to both items, frozen; and signatories registered.
/// </summary>
public sealed record VisionScenario(Scenario Study, string DocumentHash, IReadOnlyList<SignatoryLink> Signatories)
{
    public long StudyId => Study.StudyId;

    /// <summary>Round 1 answered by every participant (agreeing) and closed; nothing about the vision yet.</summary>
    public static async Task<Scenario> AnsweredAndClosedAsync(DelphiApp app, int perGroup = 3, string? facilitatorToken = null)
    {
        var s = await Scenario.CreateAsync(app, perGroup, facilitatorToken: facilitatorToken);
        for (var i = 0; i < s.Participants.Count; i++)
        {
            var token = s.Participants[i].Token;
            await Scenario.Expect(await Scenario.AnswerAsync(app, token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 + i % 2 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, token, s.RoundId, new { itemId = s.FivePointItem, value = 2 + i % 3 }), HttpStatusCode.Created);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        return s;
    }

    /// <summary>The first draft: two statements, the first resting on the 1–7 item, the second on both items.</summary>
    public static Task<HttpResponseMessage> SaveFirstDraftAsync(Scenario s) =>
        s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Gezamenlijke warmtevisie (test)",
            preamble = "De partijen zijn het **eens** over het volgende.",
            statements = new object[]
            {
                new { text = "Restwarmte is de **belangrijkste bron**.", itemIds = new[] { s.SevenPointItem } },
                new { text = "Over de prijs praten we verder.", itemIds = new[] { s.SevenPointItem, s.FivePointItem } },
            },
        });

    /// <summary>A frozen vision with <paramref name="signatories"/> registered signatories.</summary>
    public static async Task<VisionScenario> FrozenAsync(DelphiApp app, int signatories = 2)
    {
        var s = await AnsweredAndClosedAsync(app);
        await Scenario.Expect(await SaveFirstDraftAsync(s), HttpStatusCode.Created);
        var frozen = await FreezeKeepingEveryStatementAsync(s);
        var links = new List<SignatoryLink>();
        for (var i = 0; i < signatories; i++) links.Add(await RegisterAsync(s, $"Organisatie {i + 1} (test)", $"Ondertekenaar {i + 1}", $"signatory{i + 1}@example.org"));
        return new VisionScenario(s, frozen.GetProperty("sha256").GetString()!, links);
    }

    /// <summary>
    /// Freezes the latest version with every statement kept in the vision (issue 18: a statement resting on an item
    /// without consensus would otherwise move to the open questions chapter), so scenarios about signing and the agenda
    /// sign the vision as written. 201 expected.
    /// </summary>
    public static async Task<JsonElement> FreezeKeepingEveryStatementAsync(Scenario s)
    {
        var vision = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/vision"), HttpStatusCode.OK);
        var keep = vision.GetProperty("freezeCheck").GetProperty("withoutConsensus").EnumerateArray()
            .Select(u => new { statement = u.GetProperty("statement").GetInt32(), reason = "De uitspraak blijft in de visie zoals hij geschreven is (test)." }).ToArray();
        return await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", new { keep }), HttpStatusCode.Created);
    }

    public static async Task<SignatoryLink> RegisterAsync(Scenario s, string organisation, string name, string email)
    {
        var created = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/signatories",
            new { name, organisation, role = "Directeur", email }), HttpStatusCode.Created);
        return new SignatoryLink(created.GetProperty("id").GetInt64(), organisation, created.GetProperty("token").GetString()!,
            created.GetProperty("signingUrl").GetString()!);
    }

    /// <summary>The public ledger document.</summary>
    public static async Task<JsonElement> LedgerAsync(DelphiApp app, long studyId) =>
        await Scenario.Expect(await app.Client().GetAsync($"/api/v1/studies/{studyId}/ledger"), HttpStatusCode.OK);
}
