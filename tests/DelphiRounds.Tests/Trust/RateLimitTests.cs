using System.Net;
using System.Threading.RateLimiting;
using DelphiRounds.Security;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace DelphiRounds.Tests.Trust;

/// <summary>The app with very low limits, so the limiter itself can be seen at work.</summary>
public sealed class LowLimitsApp : DelphiApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:Answers:PermitLimit"] = "3",
        ["RateLimits:Answers:WindowSeconds"] = "60",
        ["RateLimits:Login:PermitLimit"] = "2",
        ["RateLimits:Login:WindowSeconds"] = "300",
        ["RateLimits:Signing:PermitLimit"] = "2",
        ["RateLimits:Signing:WindowSeconds"] = "60",
    };
}

/// <summary>Rate limits on answering (per participant), login (per address) and signing (per link): 429 with Retry-After.</summary>
public sealed class RateLimitTests(LowLimitsApp app) : IClassFixture<LowLimitsApp>
{
    [Fact]
    public async Task Answers_beyond_the_limit_get_429_with_Retry_After_and_store_nothing_per_participant()
    {
        var s = await Scenario.CreateAsync(app);
        var (a, b) = (s.Participants[0], s.Participants[1]);
        for (var i = 1; i <= 3; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, s.RoundId, new { itemId = s.SevenPointItem, value = i }), HttpStatusCode.Created);

        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await Scenario.AnswerAsync(app, a.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4 });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 60); // one answer comes back every 60 s / 3 = 20 s
        var problem = await refused.ReadAsync();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains($"{retryAfter}", problem.GetProperty("errors").GetProperty("Retry-After")[0].GetString());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        // Per participant, not per address: everyone here comes from 127.0.0.1, and B may still answer.
        await Scenario.Expect(await Scenario.AnswerAsync(app, b.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4 }), HttpStatusCode.Created);
        // Reading is never limited.
        for (var i = 0; i < 5; i++)
            await Scenario.Expect(await app.Client(a.Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);

        // The questionnaire form counts against the same limit: the person gets the "please wait" page.
        var browser = app.Client(followRedirects: false);
        await browser.GetAsync($"/p/{a.Token}");
        var page = await browser.GetStringAsync("/p");
        var form = await browser.PostAsync("/p?handler=Answer", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ItemId"] = s.FivePointItem.ToString(), ["Value"] = "2", ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
        }));
        Assert.Equal(HttpStatusCode.TooManyRequests, form.StatusCode);
        Assert.True(form.Headers.Contains("Retry-After"));
        Assert.Contains("Wacht even", await form.Content.ReadAsStringAsync());
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {a.Id} AND item_id = {s.FivePointItem}"));
    }

    [Fact]
    public async Task Login_attempts_beyond_the_limit_get_429_with_Retry_After_even_with_the_right_password()
    {
        var (_, _, email, password) = await app.FacilitatorAsync();
        var browser = app.Client(followRedirects: false);
        for (var i = 0; i < 2; i++)
        {
            var page = await browser.GetStringAsync("/login");
            var wrong = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = email, ["Password"] = "guess " + i, ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
            }));
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }
        var login = await browser.GetStringAsync("/login"); // the page itself is not limited
        var refused = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = TrustCast.Antiforgery(login)!,
        }));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single()), 1, 300);
        Assert.Contains("Wacht even", await refused.Content.ReadAsStringAsync());
        Assert.DoesNotContain(refused.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith(TrustCast.CookieName, StringComparison.Ordinal)));
    }

    [Fact]
    public void Signing_posts_are_limited_per_signing_link()
    {
        // The signing page (/sign/{token}) comes with the endorsement work; its rule is in RateLimits.Routes already.
        var limits = new RateLimitOptions { Signing = new RateLimit { PermitLimit = 2, WindowSeconds = 60 } };
        using var limiter = PartitionedRateLimiter.Create<HttpContext, string>(c => RateLimits.Partition(c, limits));
        HttpContext Post(string token)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "POST";
            context.Request.Path = "/sign/" + token;
            context.Request.RouteValues["token"] = token;
            context.SetEndpoint(new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/sign/{token}"), 0, EndpointMetadataCollection.Empty, "sign"));
            return context;
        }
        Assert.True(limiter.AttemptAcquire(Post("dls_one")).IsAcquired);
        Assert.True(limiter.AttemptAcquire(Post("dls_one")).IsAcquired);
        using var third = limiter.AttemptAcquire(Post("dls_one"));
        Assert.False(third.IsAcquired);
        Assert.True(third.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero);
        Assert.True(limiter.AttemptAcquire(Post("dls_two")).IsAcquired); // another link has its own limit
        var get = Post("dls_one");
        get.Request.Method = "GET";
        Assert.True(limiter.AttemptAcquire(get).IsAcquired); // reading the signing page is not limited
    }

    [Fact]
    public void Every_limited_route_exists_in_the_app_or_is_announced()
    {
        var routes = TrustRoutes.All(app.Services).Select(r => (r.Method, r.Route)).ToHashSet();
        foreach (var rule in RateLimits.Routes.Where(r => !r.Prefix))
            Assert.Contains((rule.Method, TrustRoutes.Normalize(rule.RoutePattern)), routes);
    }
}
