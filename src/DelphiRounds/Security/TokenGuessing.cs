using System.Globalization;
using System.Threading.RateLimiting;
using DelphiRounds.Kernel;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Security;

/// <summary>
/// Limits failed token lookups (invitation links, signing links, bearer tokens) per address (IPv6 per /64): tokens are
/// long and random, so many failures from one place are guessing, not typing. Each failure is logged at Warning (a
/// client's mistake or an attack, not a fault of ours), without the token. Once an address used up its failures,
/// every request of it that carries a token gets 429 until the bucket refills.
/// </summary>
public sealed class TokenGuessing : ITokenLookupFailures, IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly RateLimitOptions _options;
    private readonly ILogger<TokenGuessing> _logger;

    public TokenGuessing(IOptions<RateLimitOptions> options, ILogger<TokenGuessing> logger)
    {
        _options = options.Value;
        _logger = logger;
        var limit = _options.TokenLookups;
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.PermitLimit,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(limit.WindowSeconds) / limit.PermitLimit,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public void Failed(HttpContext context, string kind)
    {
        var address = ClientAddress.Of(context);
        _logger.LogWarning("Token lookup failed: no {TokenKind} token matches (request from {Address})", kind, address);
        if (_options.Enabled) _failures.AttemptAcquire(address).Dispose();
    }

    /// <summary>True when the address has no failures left: its requests with a token are refused.</summary>
    public bool Blocked(HttpContext context) =>
        _options.Enabled && _failures.GetStatistics(ClientAddress.Of(context)) is { CurrentAvailablePermits: <= 0 };

    /// <summary>Seconds until the address may try one token again.</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling((double)_options.TokenLookups.WindowSeconds / _options.TokenLookups.PermitLimit));

    /// <summary>True when the request carries a token that would be looked up.</summary>
    public static bool CarriesToken(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || request.Path.StartsWithSegments("/hubs") && request.Query.ContainsKey("access_token")
        || request.Path.StartsWithSegments("/p", out var p) && p.HasValue && p.Value!.Length > 1
        || request.Path.StartsWithSegments("/sign", out var s) && s.HasValue && s.Value!.Length > 1
        || request.Path.StartsWithSegments("/commit", out var c) && c.HasValue && c.Value!.Length > 1;

    public void Dispose() => _failures.Dispose();
}

/// <summary>Refuses requests carrying a token from an address that failed too many lookups (see <see cref="TokenGuessing"/>).</summary>
public sealed class TokenGuessingMiddleware(RequestDelegate next, TokenGuessing guessing)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!TokenGuessing.CarriesToken(context.Request) || !guessing.Blocked(context))
        {
            await next(context);
            return;
        }
        var seconds = guessing.RetryAfterSeconds;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (!context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/hubs"))
        {
            // A person gets the "please wait a moment" page (status code pages re-execute the empty 429).
            await next(WithoutToken(context));
            return;
        }
        var t = context.RequestServices.GetRequiredService<IStringLocalizer<Texts>>();
        var message = t["trust.rateLimit.tokens", seconds].Value;
        await Problems.Write(context, new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = 429, Detail = "Retry-After: " + message },
            new Dictionary<string, string[]> { ["Retry-After"] = [message] });
    }

    private static HttpContext WithoutToken(HttpContext context)
    {
        context.Request.Path = "/error/429";
        context.Request.QueryString = QueryString.Empty;
        context.Request.Method = HttpMethods.Get;
        return context;
    }
}

/// <summary>Login attempts per account, beside the limit per address: many addresses guessing one password count together.</summary>
public sealed class AccountLoginLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _attempts;
    private readonly RateLimitOptions _options;

    public AccountLoginLimiter(IOptions<RateLimitOptions> options)
    {
        _options = options.Value;
        var limit = _options.Login;
        _attempts = PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.GetTokenBucketLimiter(account, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.PermitLimit,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(limit.WindowSeconds) / limit.PermitLimit,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>
    /// Counts an attempt on the account (by e-mail address, whether it exists or not, so the answer does not tell).
    /// False, with the seconds to wait, when it has none left; the caller then checks no password at all.
    /// </summary>
    public bool TryAttempt(string? email, out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        if (!_options.Enabled || string.IsNullOrWhiteSpace(email)) return true;
        using var lease = _attempts.AttemptAcquire("account:" + Secrets.Hash(email.Trim().ToLowerInvariant()));
        if (lease.IsAcquired) return true;
        retryAfterSeconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : _options.Login.WindowSeconds;
        return false;
    }

    public void Dispose() => _attempts.Dispose();
}
