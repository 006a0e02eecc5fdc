using System.Net;
using System.Text.Json;

namespace DelphiRounds.Testing;

/// <summary>A study set up through the facilitator API, as a facilitator's script would.</summary>
public sealed record Scenario(
    HttpClient Facilitator, string FacilitatorToken, long StudyId, long RoundId,
    IReadOnlyList<long> ItemIds, IReadOnlyList<(long Id, string Group, string Token)> Participants)
{
    public long SevenPointItem => ItemIds[0];
    public long FivePointItem => ItemIds[1];

    /// <summary>
    /// Creates a study with groups grid-operators, housing and residents, <paramref name="perGroup"/>
    /// participants in each, a 1–7 and a 1–5 rating item, and round 1 (live unless told otherwise) — opened unless told otherwise.
    /// The study belongs to a new facilitator, or to the one whose API token is given (one a browser test has logged in).
    /// </summary>
    public static async Task<Scenario> CreateAsync(DelphiApp app, int perGroup = 3, bool open = true, string mode = "live", string? facilitatorToken = null)
    {
        var token = facilitatorToken ?? (await app.FacilitatorAsync()).Token;
        var f = app.Client(token);

        var study = await Expect(await f.PostJsonAsync("/api/v1/studies", new
        {
            title = "Warmtevisie test",
            question = "Hoe ziet de warmte van de stad er in 2030 uit?",
            organiser = "Testgemeente",
            horizonYear = 2030,
            groups = new[]
            {
                new { name = "Netbeheerders", nameEn = "Grid operators", slug = "grid-operators" },
                new { name = "Woningcorporaties", nameEn = "Housing corporations", slug = "housing" },
                new { name = "Bewoners", nameEn = "Residents", slug = "residents" },
            },
        }), HttpStatusCode.Created);
        var studyId = study.GetProperty("id").GetInt64();

        var participants = new List<(long, string, string)>();
        foreach (var group in new[] { "grid-operators", "housing", "residents" })
        {
            for (var i = 0; i < perGroup; i++)
            {
                var p = await Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/participants",
                    new { group, name = $"{group} {i}", email = $"{group}.{i}@example.org" }), HttpStatusCode.Created);
                participants.Add((p.GetProperty("id").GetInt64(), group, p.GetProperty("token").GetString()!));
            }
        }

        var items = new List<long>();
        foreach (var max in new[] { 7, 5 })
        {
            var item = await Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/items", new
            {
                kind = "rating",
                text = new { nl = $"Stelling op een schaal tot {max}", en = $"Statement on a scale to {max}" },
                scale = new { min = 1, max },
                labels = new Dictionary<string, object> { ["1"] = new { nl = "Helemaal oneens", en = "Strongly disagree" } },
            }), HttpStatusCode.Created);
            items.Add(item.GetProperty("id").GetInt64());
        }

        var round = await Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { mode }), HttpStatusCode.Created);
        var roundId = round.GetProperty("id").GetInt64();
        if (open) await Expect(await f.PostAsync($"/api/v1/rounds/{roundId}/open", null), HttpStatusCode.OK);
        return new Scenario(f, token, studyId, roundId, items, participants);
    }

    /// <summary>Posts an answer with a participant's token.</summary>
    public static Task<HttpResponseMessage> AnswerAsync(DelphiApp app, string participantToken, long roundId, object body) =>
        app.Client(participantToken).PostJsonAsync($"/api/v1/rounds/{roundId}/answers", body);

    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.ReadAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>The stats of one item from <c>GET /api/v1/rounds/{id}/stats</c>.</summary>
    public static JsonElement ItemStats(JsonElement roundStats, long itemId) =>
        roundStats.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == itemId);
}
