using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace DelphiRounds.CrashTests;

/// <summary>A study set up through the JSON API of a running server.</summary>
public sealed record CrashStudy(long StudyId, long RoundId, IReadOnlyList<long> ItemIds, IReadOnlyList<(long Id, string Token)> Participants);

public static class Api
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static HttpClient Client(Uri address, string token, TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = address,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != status)
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)status}, got {(int)response.StatusCode}: {text}\n"
                        + ServerProcess.LogTailFor(response.RequestMessage?.RequestUri));
        return JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone();
    }

    /// <summary>A study with one group per 4 participants (or <paramref name="groups"/>), two rating items (1–7 and 1–5) and round 1 open.</summary>
    public static async Task<CrashStudy> StudyAsync(Uri address, string facilitatorToken, int participants, int? groups = null)
    {
        using var f = Client(address, facilitatorToken);
        var groupList = Enumerable.Range(0, groups ?? Math.Max(1, participants / 4)).Select(i => new { name = $"Groep {i}", slug = $"g{i}" }).ToArray();
        var study = await Expect(await f.PostAsJsonAsync("/api/v1/studies", new { title = "Crash", groups = groupList }, Web), HttpStatusCode.Created);
        var studyId = study.GetProperty("id").GetInt64();
        var list = new List<(long, string)>();
        for (var i = 0; i < participants; i++)
        {
            var p = await Expect(await f.PostAsJsonAsync($"/api/v1/studies/{studyId}/participants", new { group = groupList[i % groupList.Length].slug }, Web), HttpStatusCode.Created);
            list.Add((p.GetProperty("id").GetInt64(), p.GetProperty("token").GetString()!));
        }
        var items = new List<long>();
        foreach (var max in new[] { 7, 5 })
        {
            var item = await Expect(await f.PostAsJsonAsync($"/api/v1/studies/{studyId}/items",
                new { kind = "rating", text = new { nl = $"Stelling {max}" }, scale = new { min = 1, max } }, Web), HttpStatusCode.Created);
            items.Add(item.GetProperty("id").GetInt64());
        }
        var round = await Expect(await f.PostAsJsonAsync($"/api/v1/studies/{studyId}/rounds", new { }, Web), HttpStatusCode.Created);
        var roundId = round.GetProperty("id").GetInt64();
        await Expect(await f.PostAsync($"/api/v1/rounds/{roundId}/open", null), HttpStatusCode.OK);
        return new CrashStudy(studyId, roundId, items, list);
    }
}
