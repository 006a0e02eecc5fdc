using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DelphiRounds.Testing;

/// <summary>
/// Issue 18 item 5: a study whose round 1 agreed on the 1–7 item and split the groups on the 1–5 one, with organisations
/// of the panel, a draft of three statements and a review in which an organisation objects.
/// </summary>
public static class ReviewScenario
{
    public const string ObjectingOrganisation = "Netbeheerder Stad";

    /// <summary>Adds organisations and puts members (by their index in the group) in them; returns their ids by name.</summary>
    public static async Task<Dictionary<string, long>> OrganisationsAsync(Scenario s, params (string Name, string Group, int[] Members)[] organisations)
    {
        var url = $"/api/v1/studies/{s.StudyId}/organisations";
        var ids = new Dictionary<string, long>();
        foreach (var (name, group, members) in organisations)
        {
            var id = (await Scenario.Expect(await s.Facilitator.PostJsonAsync(url, new { name, group }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
            ids[name] = id;
            var ofGroup = s.Participants.Where(p => p.Group == group).ToList();
            foreach (var m in members)
            {
                var put = await s.Facilitator.PutAsJsonAsync($"{url}/members/{ofGroup[m].Id}", new { organisationId = id }, Json.Web);
                if (put.StatusCode != HttpStatusCode.NoContent) throw new InvalidOperationException($"membership: {put.StatusCode}");
            }
        }
        return ids;
    }

    /// <summary>
    /// Round 1 answered and closed so that the 1–7 item reaches consensus and the 1–5 item splits the groups: grid
    /// operators all 5 (for), housing all 1 and residents mostly 1 (against) — three answers per group, so each may be named.
    /// </summary>
    public static async Task<Scenario> SplitAsync(DelphiApp app, string? facilitatorToken = null)
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3, facilitatorToken: facilitatorToken);
        var index = 0;
        foreach (var p in s.Participants)
        {
            var five = p.Group == "grid-operators" ? 5 : p.Group == "housing" ? 1 : (index++ % 2 == 0 ? 1 : 5);
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 7 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.FivePointItem, value = five }), HttpStatusCode.Created);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        return s;
    }

    /// <summary>Three statements: 1 on the agreed item, 2 on the split one, 3 on both.</summary>
    public static async Task<JsonElement> DraftAsync(Scenario s) =>
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Gezamenlijke warmtevisie (review)",
            preamble = "Wat de partijen samen willen.",
            statements = new object[]
            {
                new { text = "Restwarmte is de belangrijkste bron.", itemIds = new[] { s.SevenPointItem } },
                new { text = "Eén beheerder voor het hele net.", itemIds = new[] { s.FivePointItem } },
                new { text = "Over de prijs praten we verder.", itemIds = new[] { s.SevenPointItem, s.FivePointItem } },
            },
        }), HttpStatusCode.Created);

    /// <summary>
    /// Opens the review: the second grid operator (of <see cref="ObjectingOrganisation"/>) objects to statement 1, their
    /// colleague and a housing member agree; a resident without organisation objects to statement 3.
    /// </summary>
    public static async Task ObjectAsync(DelphiApp app, Scenario s, JsonElement draft)
    {
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/open", null), HttpStatusCode.OK);
        long Statement(int i) => draft.GetProperty("statements")[i].GetProperty("id").GetInt64();
        var grid = s.Participants.Where(p => p.Group == "grid-operators").ToList();
        var housing = s.Participants.First(p => p.Group == "housing");
        var resident = s.Participants.First(p => p.Group == "residents");
        foreach (var (p, statement, position) in new[] { (grid[0], 0, "agree"), (grid[1], 0, "object"), (housing, 0, "agree"), (resident, 2, "object") })
            await Scenario.Expect(await app.Client(p.Token).PostJsonAsync("/api/v1/vision/review/answers",
                new { statementId = Statement(statement), position, reason = position == "object" ? "Dit gaat te snel voor ons." : null }), HttpStatusCode.Created);
    }
}
