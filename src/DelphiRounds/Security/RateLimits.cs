using System.Globalization;
using System.Threading.RateLimiting;
using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Security;

/// <summary>One limit: a burst of <see cref="PermitLimit"/> requests, refilled at <see cref="PermitLimit"/> per <see cref="WindowSeconds"/>.</summary>
public sealed class RateLimit
{
    public int PermitLimit { get; set; }
    public int WindowSeconds { get; set; }
}

/// <summary>Abuse limits on answering, login and signing. Bound from the <c>RateLimits</c> section.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Switch all limits off (a load benchmark on one machine); on in production.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Answers (API and form) per participant. Generous: a workshop answers in bursts, many people behind one address.</summary>
    public RateLimit Answers { get; set; } = new() { PermitLimit = 120, WindowSeconds = 60 };

    /// <summary>Login attempts and password changes per IP address (IPv6: per /64), and login attempts per account as well. Strict: it slows down password guessing.</summary>
    public RateLimit Login { get; set; } = new() { PermitLimit = 10, WindowSeconds = 300 };

    /// <summary>Posts to one signing link (<c>/sign/{token}</c>).</summary>
    public RateLimit Signing { get; set; } = new() { PermitLimit = 10, WindowSeconds = 60 };

    /// <summary>Failed lookups of invitation, signing and bearer tokens per IP address (IPv6: per /64); then 429 for requests with a token.</summary>
    public RateLimit TokenLookups { get; set; } = new() { PermitLimit = 20, WindowSeconds = 60 };

    internal IEnumerable<(string Name, RateLimit Limit)> All => [(RateLimits.Answers, Answers), (RateLimits.Login, Login), (RateLimits.Signing, Signing), ("tokens", TokenLookups)];
}

/// <summary>A route whose requests count against a limit.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="RoutePattern">The endpoint's route pattern as mapped (or its start, with <paramref name="Prefix"/>).</param>
/// <param name="Policy">Which limit: <see cref="RateLimits.Answers"/>, <see cref="RateLimits.Login"/> or <see cref="RateLimits.Signing"/>.</param>
/// <param name="Prefix">Match every route pattern starting with <paramref name="RoutePattern"/>.</param>
public sealed record RateLimitedRoute(string Method, string RoutePattern, string Policy, bool Prefix = false)
{
    public bool Matches(string method, string? pattern)
    {
        if (pattern is null || !HttpMethods.Equals(method, Method)) return false;
        // Razor Pages patterns come without the leading slash ("p", "login"); API groups may end in one.
        pattern = "/" + pattern.Trim('/');
        return Prefix ? pattern.StartsWith(RoutePattern, StringComparison.Ordinal) : pattern == RoutePattern;
    }
}

/// <summary>
/// ASP.NET Core rate limiting for the three things worth abusing. A refusal is 429 with <c>Retry-After</c>:
/// a problem naming <c>Retry-After</c> for the API, the "please wait" page for forms.
/// To limit a new route, add a line to <see cref="Routes"/>.
/// </summary>
public static class RateLimits
{
    public const string Answers = "answers";
    public const string Login = "login";
    public const string Signing = "signing";

    /// <summary>Which requests count against which limit. Safe methods (GET) never do.</summary>
    public static readonly IReadOnlyList<RateLimitedRoute> Routes =
    [
        new("POST", "/api/v1/rounds/{roundId:long}/answers", Answers),
        new("POST", "/p", Answers), // the questionnaire form
        new("POST", "/login", Login),
        new("POST", "/f/account/password", Login), // asks for the current password: no guessing there either
        new("POST", "/sign/", Signing, Prefix: true), // the signing page /sign/{token} (Endorsement)
        new("POST", "/commit/", Signing, Prefix: true), // the commitment page /commit/{token} (Agenda)
    ];

    private static IEnumerable<string> RateRules(string name, RateLimit limit)
    {
        if (limit.PermitLimit < 1) yield return $"{name}:PermitLimit: must be at least 1 (is {limit.PermitLimit})";
        if (limit.WindowSeconds is < 1 or > 86_400) yield return $"{name}:WindowSeconds: must be between 1 and 86400 (is {limit.WindowSeconds})";
    }

    public static IServiceCollection AddDelphiRateLimits(this IServiceCollection services)
    {
        services.AddSettings<RateLimitOptions>(RateLimitOptions.Section, o =>
                new[] { ("Answers", o.Answers), ("Login", o.Login), ("Signing", o.Signing), ("TokenLookups", o.TokenLookups) }.SelectMany(limit => RateRules(limit.Item1, limit.Item2)))
            .Validate(o => o.All.All(l => l.Limit.PermitLimit is >= 1 and <= 1_000_000_000 && l.Limit.WindowSeconds is >= 1 and <= 86_400),
                "RateLimits: every PermitLimit must be 1 or more and every WindowSeconds between 1 and 86400.");
        services.AddRateLimiter(_ => { });
        services.AddSingleton<TokenGuessing>().AddSingleton<ITokenLookupFailures>(sp => sp.GetRequiredService<TokenGuessing>());
        services.AddSingleton<AccountLoginLimiter>();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((o, settings) =>
        {
            var limits = settings.Value;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits));
            o.OnRejected = (rejected, _) => RejectAsync(rejected.HttpContext, rejected.Lease, limits);
        });
        return services;
    }

    /// <summary>Which limit a request counts against, and whose (participant, IP address or signing link).</summary>
    internal static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions limits)
    {
        var route = Find(context);
        if (!limits.Enabled || route is null) return RateLimitPartition.GetNoLimiter("");
        var ip = ClientAddress.Of(context);
        var who = route.Policy switch
        {
            // Per participant, not per address: a whole workshop may share one address.
            Answers => context.User.ParticipantId() is { } participant ? "participant:" + participant : "ip:" + ip,
            Signing => "link:" + Secrets.Hash(context.Request.RouteValues["token"]?.ToString() ?? context.Request.Path.Value ?? ""),
            _ => "ip:" + ip,
        };
        var limit = limits.All.First(l => l.Name == route.Policy).Limit;
        return RateLimitPartition.GetTokenBucketLimiter(route.Policy + "|" + who, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.PermitLimit,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(limit.WindowSeconds) / limit.PermitLimit,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>The rate-limited route a request is for, or null.</summary>
    public static RateLimitedRoute? Find(HttpContext context)
    {
        var pattern = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        return Routes.FirstOrDefault(r => r.Matches(context.Request.Method, pattern));
    }

    private static async ValueTask RejectAsync(HttpContext context, RateLimitLease lease, RateLimitOptions limits)
    {
        var route = Find(context);
        var window = route is null ? 60 : limits.All.First(l => l.Name == route.Policy).Limit.WindowSeconds;
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : window;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // Pages: an empty 429 becomes the "please wait a moment" page (status code pages).
        if (!context.Request.Path.StartsWithSegments("/api")) return;
        var t = context.RequestServices.GetRequiredService<IStringLocalizer<Texts>>();
        var message = t["trust.rateLimit." + (route?.Policy ?? Answers), seconds].Value;
        await Problems.Write(context, new ProblemDetails { Status = 429, Detail = "Retry-After: " + message },
            new Dictionary<string, string[]> { ["Retry-After"] = [message] });
    }
}
