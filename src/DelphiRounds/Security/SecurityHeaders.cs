namespace DelphiRounds.Security;

/// <summary>
/// Security headers on every response (pages, API, static files, errors). Set when the response starts,
/// so they survive the exception handler, which clears headers set earlier.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    /// <summary>
    /// Only our own files: no inline script or style (the pages have none; <c>live.js</c> is a file), no
    /// framing (click-jacking), forms post only to us. <c>connect-src 'self'</c> covers the SignalR WebSocket.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>A page that needs another policy (the API reference at /api/docs) puts it in <c>HttpContext.Items</c> under this key.</summary>
    public const string PolicyOverrideKey = "delphi.csp";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = http.Items[PolicyOverrideKey] as string ?? ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            // Invitation and signing tokens are in URLs: never send them on as a referrer.
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
