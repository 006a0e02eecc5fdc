using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Trust;

/// <summary>
/// A retry after a network failure — the request reached the server and was stored, but the response
/// never came back — does not create a second revision: not through the API (key in the body or in the
/// <c>Idempotency-Key</c> header) and not through the questionnaire form.
/// </summary>
public sealed partial class IdempotencyTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    /// <summary>Lets a request through to the server, waits for the server's answer, then throws it away as a dropped connection would.</summary>
    private sealed class LoseResponses(int howMany) : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true })
    {
        private int _left = howMany;
        public List<HttpStatusCode> Lost { get; } = [];

        public CookieContainer Cookies => ((HttpClientHandler)InnerHandler!).CookieContainer;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (Interlocked.Decrement(ref _left) < 0) return response;
            Lost.Add(response.StatusCode);
            response.Dispose();
            throw new HttpRequestException("The connection was reset before the response arrived (simulated).");
        }
    }

    /// <summary>What a careful client does: on a network error, send the same request again (same key), a few times.</summary>
    private static async Task<HttpResponseMessage> SendWithRetriesAsync(HttpClient client, Func<HttpRequestMessage> request)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await client.SendAsync(request());
            }
            catch (HttpRequestException) when (attempt < 4)
            {
            }
        }
    }

    private long Count(string where) => DatabaseDump.Count(app.DatabasePath, "SELECT COUNT(*) FROM answers WHERE " + where);

    [Theory]
    [InlineData("body")]
    [InlineData("header")]
    [InlineData("both")]
    public async Task An_api_retry_after_a_lost_response_does_not_create_a_second_revision(string keyIn)
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[0];
        var lossy = new LoseResponses(howMany: 2);
        using var client = new HttpClient(lossy) { BaseAddress = app.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", p.Token);
        var key = "answer-" + Guid.NewGuid().ToString("N");
        HttpRequestMessage Request()
        {
            var body = keyIn == "header" ? (object)new { itemId = s.SevenPointItem, value = 5 } : new { itemId = s.SevenPointItem, value = 5, idempotencyKey = key };
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/rounds/{s.RoundId}/answers") { Content = System.Net.Http.Json.JsonContent.Create(body, options: Json.Web) };
            if (keyIn != "body") request.Headers.Add("Idempotency-Key", key);
            return request;
        }

        using var response = await SendWithRetriesAsync(client, Request);

        // The first attempt was stored (201, lost), the second replayed (200, lost), the third comes through: 200, the same answer.
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.OK], lossy.Lost);
        var answer = await Scenario.Expect(response, HttpStatusCode.OK);
        Assert.Equal(1, answer.GetProperty("revision").GetInt32());
        Assert.Equal(1, Count($"participant_id = {p.Id}"));
        Assert.Equal(1, Count($"idempotency_key = '{key}'"));

        // A real revision (a new key) is revision 2; replaying the first key still gives revision 1 and stores nothing.
        var revised = await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 2, idempotencyKey = key + "-2" }), HttpStatusCode.Created);
        Assert.Equal(2, revised.GetProperty("revision").GetInt32());
        using var plain = app.Client(p.Token);
        var replay = await Scenario.Expect(await plain.SendAsync(Request()), HttpStatusCode.OK);
        Assert.Equal(answer.GetProperty("id").GetInt64(), replay.GetProperty("id").GetInt64());
        Assert.Equal(2, Count($"participant_id = {p.Id}"));
    }

    [Fact]
    public async Task A_form_retry_after_a_lost_response_does_not_create_a_second_revision()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[1];
        var lossy = new LoseResponses(howMany: 0);
        using var browser = new HttpClient(lossy) { BaseAddress = app.Address };
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync($"/p/{p.Token}")).StatusCode);
        var page = await browser.GetStringAsync("/p");
        var form = ItemForm(page, s.FivePointItem);

        var lossyPost = new LoseResponses(howMany: 1);
        lossyPost.Cookies.Add(app.Address, lossy.Cookies.GetCookies(app.Address));
        using var flaky = new HttpClient(lossyPost) { BaseAddress = app.Address };
        using var response = await SendWithRetriesAsync(flaky, () => new HttpRequestMessage(HttpMethod.Post, "/p?handler=Answer")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["ItemId"] = s.FivePointItem.ToString(), ["Value"] = "4", ["IdempotencyKey"] = form.Key, ["__RequestVerificationToken"] = form.Antiforgery,
            }),
        });

        Assert.Equal([HttpStatusCode.Redirect], lossyPost.Lost);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(1, Count($"participant_id = {p.Id}"));
        Assert.Equal(1, Count($"idempotency_key = '{form.Key}'"));

        // Loading the page again gives a new key: answering again from it is a deliberate revision.
        var again = ItemForm(await flaky.GetStringAsync("/p"), s.FivePointItem);
        Assert.NotEqual(form.Key, again.Key);
        // The page shows the one answer (participants are not told revision numbers: that is jargon; the rows are counted above).
        Assert.Contains("Uw antwoord: 4.", WebUtility.HtmlDecode(await flaky.GetStringAsync("/p")));
    }

    [Fact]
    public async Task A_header_key_that_differs_from_the_body_key_or_is_malformed_is_refused_and_stores_nothing()
    {
        var s = await Scenario.CreateAsync(app);
        using var client = app.Client(s.Participants[2].Token);
        var before = DatabaseDump.Take(app.DatabasePath);
        foreach (var (header, bodyKey) in new[] { ("key-a", "key-b"), ("has spaces", null), (new string('k', 101), null) })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/rounds/{s.RoundId}/answers")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { itemId = s.SevenPointItem, value = 3, idempotencyKey = bodyKey }, options: Json.Web),
            };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", header);
            var problem = await Scenario.Expect(await client.SendAsync(request), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), problem.ToString());
        }
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        // The same key in both places is fine.
        var same = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/rounds/{s.RoundId}/answers")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { itemId = s.SevenPointItem, value = 3, idempotencyKey = "same-key" }, options: Json.Web),
        };
        same.Headers.Add("Idempotency-Key", "same-key");
        await Scenario.Expect(await client.SendAsync(same), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Concurrent_duplicates_of_one_request_store_one_answer()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[3];
        var key = "burst-" + Guid.NewGuid().ToString("N");
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6, idempotencyKey = key })));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.ReadAsync()).GetProperty("id").GetInt64()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, Count($"participant_id = {p.Id}"));
    }

    [GeneratedRegex("""<form method="post" action="/p\?handler=Answer#item-(\d+)".*?name="IdempotencyKey" value="([^"]+)".*?</form>""", RegexOptions.Singleline)]
    private static partial Regex AnswerForm();

    private static (string Key, string Antiforgery) ItemForm(string page, long itemId)
    {
        var form = AnswerForm().Matches(page).Single(m => m.Groups[1].Value == itemId.ToString());
        return (form.Groups[2].Value, TrustCast.Antiforgery(form.Value)!);
    }
}
