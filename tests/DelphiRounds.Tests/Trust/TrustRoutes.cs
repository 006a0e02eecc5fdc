using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.Trust;

/// <summary>One way in: an HTTP method on a route (for a Razor page, one handler).</summary>
/// <param name="Method">GET, POST, … or ANY for endpoints that take every method (health checks, the hub).</param>
/// <param name="Route">The route pattern with a leading slash, without constraints: <c>/api/v1/studies/{studyId}</c>.</param>
/// <param name="Handler">The Razor page handler (<c>?handler=…</c>), if any.</param>
public sealed record RouteCase(string Method, string Route, string? Handler, Endpoint Endpoint)
{
    /// <summary>How the tables name it: <c>POST /f/studies/{studyId}/panel?handler=Add</c>.</summary>
    public string Key => $"{Method} {Route}{(Handler is null ? "" : "?handler=" + Handler)}";

    public bool IsPage => Endpoint.Metadata.GetMetadata<CompiledPageActionDescriptor>() is not null;

    /// <summary>The endpoint reads a JSON body.</summary>
    public bool JsonBody => Endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>()
        .Any(a => a.ContentTypes.Any(t => t.Contains("json", StringComparison.OrdinalIgnoreCase)));

    /// <summary>A browser form post to a page.</summary>
    public bool FormPost => IsPage && Method == "POST";

    public bool IsHub => Endpoint.Metadata.GetMetadata<HubMetadata>() is not null;

    /// <summary>The method actually sent (ANY: GET, or POST for the hub's negotiate).</summary>
    public string SendMethod => Method != "ANY" ? Method
        : Endpoint.Metadata.GetMetadata<NegotiateMetadata>() is not null ? "POST" : "GET";

    public IReadOnlyList<string> Parameters => TrustRoutes.ParameterNames(Route);

    public override string ToString() => Key;
}

/// <summary>Every endpoint of the app, read from its <see cref="EndpointDataSource"/>: routes added later are covered without a change here.</summary>
public static partial class TrustRoutes
{
    [GeneratedRegex(@"\{\**([A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex Parameter();

    public static IReadOnlyList<RouteCase> All(IServiceProvider services)
    {
        var list = new List<RouteCase>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var route = Normalize(endpoint.RoutePattern.RawText ?? "");
            if (endpoint.Metadata.GetMetadata<CompiledPageActionDescriptor>() is { } page)
            {
                // A page answers GET even without an OnGet; every handler method is its own way in.
                var handlers = page.HandlerMethods.Select(h => (Method: h.HttpMethod.ToUpperInvariant(), h.Name)).ToList();
                if (!handlers.Any(h => h.Method == "GET")) handlers.Add(("GET", null));
                foreach (var (method, name) in handlers.Distinct())
                    list.Add(new RouteCase(method, route, name, endpoint));
            }
            else if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 } methods)
            {
                foreach (var method in methods.HttpMethods) list.Add(new RouteCase(method, route, null, endpoint));
            }
            else list.Add(new RouteCase("ANY", route, null, endpoint));
        }
        return list.DistinctBy(r => r.Key).OrderBy(r => r.Route, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary><c>api/v1/studies/{studyId:long}/</c> → <c>/api/v1/studies/{studyId}</c>.</summary>
    public static string Normalize(string raw) => "/" + Parameter().Replace(raw, "{$1}").Trim('/');

    public static IReadOnlyList<string> ParameterNames(string route) =>
        Parameter().Matches(route).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The address of a route with its parameters filled in; an empty value drops an optional segment.</summary>
    public static string Url(string route, Func<string, string?> value)
    {
        var missing = new List<string>();
        var url = Parameter().Replace(route, m =>
        {
            var v = value(m.Groups[1].Value);
            if (v is null) missing.Add(m.Groups[1].Value);
            return Uri.EscapeDataString(v ?? "");
        });
        if (missing.Count > 0)
            throw new Xunit.Sdk.XunitException($"Route {route} has parameter(s) {string.Join(", ", missing)} without a value: add them to TrustWorld.RouteValue.");
        url = url.Replace("//", "/");
        return url.Length > 1 ? url.TrimEnd('/') : url;
    }
}
