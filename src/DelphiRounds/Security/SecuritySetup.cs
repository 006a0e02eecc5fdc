using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Security;

/// <summary>
/// Trustworthy under hostile input and abuse: security headers, request size limits, rate limits, and
/// problem details that always name a field (also for a route that does not exist or a wrong method).
/// </summary>
public static class SecuritySetup
{
    public static IServiceCollection AddSecurity(this IServiceCollection services)
    {
        services.AddSettings<RequestLimitOptions>(RequestLimitOptions.Section);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitOptions>>((k, limits) =>
            k.Limits.MaxRequestBodySize = limits.Value.HardLimit);
        services.AddOptions<Microsoft.AspNetCore.Http.Features.FormOptions>().Configure<IOptions<RequestLimitOptions>>((f, limits) =>
        {
            f.MultipartBodyLengthLimit = limits.Value.MaxBodyBytes;
            f.ValueLengthLimit = (int)Math.Min(int.MaxValue, limits.Value.MaxBodyBytes);
        });
        // Headers and size limits wrap the whole pipeline, the exception handler and static files included.
        services.AddTransient<IStartupFilter, SecurityStartupFilter>();
        services.AddDelphiRateLimits();
        services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(o => o.Filters.Add(new TamperedFormFilter()));
        services.PostConfigure<ProblemDetailsOptions>(o =>
        {
            var earlier = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = c =>
            {
                earlier?.Invoke(c);
                NameTheField(c);
            };
        });
        return services;
    }

    /// <summary>Rate limits, after routing and authentication (they count per participant and per route).</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// Problems written by the framework (no route, wrong method, an empty 401…) get an <c>errors</c> object
    /// like ours, so a client always finds the field to fix.
    /// </summary>
    internal static void NameTheField(ProblemDetailsContext c)
    {
        var problem = c.ProblemDetails;
        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 } || problem.Extensions.ContainsKey("errors")) return;
        var status = problem.Status ?? c.HttpContext.Response.StatusCode;
        var (field, message) = status switch
        {
            404 => ("path", $"There is nothing at {c.HttpContext.Request.Path} in this API; check the address and the ids in it."),
            405 => ("method", $"{c.HttpContext.Request.Method} is not allowed here."),
            401 => ("Authorization", "This needs a bearer token: send 'Authorization: Bearer <token>'."),
            403 => ("Authorization", "This token may not do this."),
            413 => ("body", "The request body is too large."),
            415 => ("Content-Type", "Send the body as application/json."),
            429 => ("Retry-After", "Too many requests; wait and try again."),
            >= 500 => ("server", "Something went wrong on our side; please try again later."),
            _ => ("request", problem.Detail ?? problem.Title ?? "The request was refused."),
        };
        problem.Title ??= Problems.TitleFor(status);
        problem.Detail ??= $"{field}: {message}";
        problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [message] };
    }

    private sealed class SecurityStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<SecurityHeadersMiddleware>();
            app.UseMiddleware<RequestLimitsMiddleware>();
            app.UseMiddleware<TokenGuessingMiddleware>();
            next(app);
        };
    }
}
