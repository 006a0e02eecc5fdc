using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DelphiRounds.Security;
using Scalar.AspNetCore;

namespace DelphiRounds.ApiReference;

/// <summary>
/// <c>/api/docs</c>: the interactive API reference (Scalar), read from <c>/openapi/v1.json</c>. Scalar's
/// script ships inside the Scalar.AspNetCore package and is served from here: no CDN, no fonts or proxy
/// from elsewhere. Its page starts Scalar with one inline script: the policy of that page allows exactly
/// that script (by its SHA-256) and inline styles (Scalar's components add their own), nothing else.
/// </summary>
public static partial class ApiReference
{
    public const string Path = "/api/docs";

    [GeneratedRegex(@"<script[^>]*>(?<body>[\s\S]*?)</script>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    public static void MapApiReference(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Path), branch => branch.Use(AllowItsInlineScriptAsync));
        app.MapScalarApiReference(Path, o => o
                .WithTitle("DelphiRounds API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts()
                .AddPreferredSecuritySchemes("Bearer"))
            .AllowAnonymous();
    }

    private static async Task AllowItsInlineScriptAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        var hashes = new List<string>();
        if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
        {
            foreach (Match m in InlineScript().Matches(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)))
            {
                var body = m.Groups["body"].Value;
                if (body.Trim().Length > 0) hashes.Add($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(body)))}'");
            }
        }
        context.Items[SecurityHeadersMiddleware.PolicyOverrideKey] =
            $"default-src 'self'; script-src 'self' {string.Join(' ', hashes)}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
        if (context.Response.ContentLength is not null) context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }
}
