using System.Net;
using System.Threading.RateLimiting;
using DelphiRounds.Kernel;
using DelphiRounds.Security;
using DelphiRounds.Testing;
using DelphiRounds.Tests.Trust;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;

namespace DelphiRounds.Tests.Hardening;

/// <summary>The app with low login and token-lookup limits, its log kept in memory.</summary>
public sealed class GuessingApp : LogKeepingApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["RateLimits:Login:PermitLimit"] = "3",
        ["RateLimits:Login:WindowSeconds"] = "300",
        ["RateLimits:TokenLookups:PermitLimit"] = "3",
        ["RateLimits:TokenLookups:WindowSeconds"] = "60",
    };
}

/// <summary>
/// Issue 17, item 7: login attempts count per /64 for IPv6 and per account as well, and a refusal says nothing about
/// the password; failed lookups of invitation, signing and bearer tokens are limited per address and logged at Warning.
/// </summary>
public sealed class GuessingLimitTests(GuessingApp app) : IClassFixture<GuessingApp>
{
    /// <summary>A client that reaches the server from another loopback address (127.0.0.2): another address than the other clients'.</summary>
    private HttpClient FromElsewhere() =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = app.Address };

    private static async Task<HttpResponseMessage> LoginAsync(HttpClient browser, string email, string password)
    {
        var page = await browser.GetStringAsync("/login");
        return await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
        }));
    }

    [Fact]
    public void Login_attempts_from_one_ipv6_64_share_a_limit_and_other_64s_do_not()
    {
        Assert.Equal(ClientAddress.Of(IPAddress.Parse("2001:db8:1:2::1")), ClientAddress.Of(IPAddress.Parse("2001:db8:1:2:ffff:1234:5678:9abc")));
        Assert.NotEqual(ClientAddress.Of(IPAddress.Parse("2001:db8:1:2::1")), ClientAddress.Of(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal("192.0.2.7", ClientAddress.Of(IPAddress.Parse("::ffff:192.0.2.7")));

        var limits = new RateLimitOptions { Login = new RateLimit { PermitLimit = 2, WindowSeconds = 300 } };
        using var limiter = PartitionedRateLimiter.Create<HttpContext, string>(c => RateLimits.Partition(c, limits));
        HttpContext Post(string address)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "POST";
            context.Connection.RemoteIpAddress = IPAddress.Parse(address);
            context.SetEndpoint(new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/login"), 0, EndpointMetadataCollection.Empty, "login"));
            return context;
        }
        Assert.True(limiter.AttemptAcquire(Post("2001:db8:1:2::1")).IsAcquired);
        Assert.True(limiter.AttemptAcquire(Post("2001:db8:1:2::2")).IsAcquired);
        Assert.False(limiter.AttemptAcquire(Post("2001:db8:1:2:aaaa::3")).IsAcquired); // a fresh address of the same /64
        Assert.True(limiter.AttemptAcquire(Post("2001:db8:1:3::1")).IsAcquired);
    }

    [Fact]
    public async Task Login_attempts_on_one_account_from_two_addresses_are_limited_and_the_refusal_does_not_tell_the_password()
    {
        var (_, _, email, password) = await app.FacilitatorAsync();
        using var v4 = app.Client(followRedirects: false);
        using var v6 = FromElsewhere();
        Assert.Equal(HttpStatusCode.BadRequest, (await LoginAsync(v4, email, "guess one")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await LoginAsync(v4, email, "guess two")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await LoginAsync(v6, email, "guess three")).StatusCode);

        // 127.0.0.2 has used one attempt of its three, but the account has none left: right or wrong, the same refusal.
        var right = await LoginAsync(v6, email, password);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.True(right.Headers.Contains("Retry-After"));
        var rightPage = await right.Content.ReadAsStringAsync();
        Assert.Contains("Wacht even", rightPage);
        Assert.DoesNotContain(right.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(c => c.StartsWith(TrustCast.CookieName, StringComparison.Ordinal)));
        using var other = FromElsewhere();
        var wrong = await LoginAsync(other, email.ToUpperInvariant(), "guess four");
        Assert.Equal(HttpStatusCode.TooManyRequests, wrong.StatusCode);
        Assert.Equal(Strip(rightPage), Strip(await wrong.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Failed_token_lookups_are_limited_per_address_and_logged_at_warning()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 1);
        var valid = s.Participants[0].Token;
        app.Lines.Clear();
        var guesser = app.Client(followRedirects: false);

        Assert.Equal(HttpStatusCode.NotFound, (await guesser.GetAsync("/p/dlp_guess0000000000000000000000000001")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guesser.GetAsync("/sign/dls_guess0000000000000000000000000002")).StatusCode);
        using var bogus = app.Client("dlp_guess0000000000000000000000000003");
        Assert.Equal(HttpStatusCode.Unauthorized, (await bogus.GetAsync($"/api/v1/rounds/{s.RoundId}/stats")).StatusCode);

        // The address has no failures left: even a valid token from it waits now.
        var page = await guesser.GetAsync($"/p/{valid}");
        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.True(page.Headers.Contains("Retry-After"));
        var api = await app.Client(valid).GetAsync($"/api/v1/rounds/{s.RoundId}/stats");
        var problem = await Scenario.Expect(api, HttpStatusCode.TooManyRequests);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Retry-After", out _));
        // Requests without a token, and other addresses, go on.
        Assert.Equal(HttpStatusCode.OK, (await guesser.GetAsync("/login")).StatusCode);
        using var elsewhere = FromElsewhere();
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.GetAsync($"/p/{valid}")).StatusCode);

        await Task.Delay(100);
        var lines = app.Lines.ToList();
        var failures = lines.Where(l => l.Message.Contains("Token lookup failed")).ToList();
        Assert.Equal(3, failures.Count);
        Assert.All(failures, l => Assert.Equal(LogLevel.Warning, l.Level));
        Assert.DoesNotContain(lines, l => l.Level >= LogLevel.Error);
        // Our own lines name the kind and the address, never the token (the request lines are masked by the JSON formatter).
        Assert.DoesNotContain(failures, l => l.Message.Contains("guess0000"));
    }

    /// <summary>The page without its per-request parts (antiforgery tokens, nonces).</summary>
    private static string Strip(string html) =>
        System.Text.RegularExpressions.Regex.Replace(html, "(value|nonce)=\"[^\"]*\"", "");
}
