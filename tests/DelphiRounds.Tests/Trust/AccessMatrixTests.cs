using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace DelphiRounds.Tests.Trust;

/// <summary>
/// Every route of the app (read from its endpoints, pages and their handlers included) and every hub
/// method (by reflection), tried as every role: allowed where <see cref="AccessRules"/> says so, refused
/// (401, 403, 404 or the login page) everywhere else. A route nobody classified fails the test.
/// </summary>
public sealed class AccessMatrixTests(DelphiApp app, ITestOutputHelper output) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Every_route_lets_in_exactly_the_roles_its_access_rule_names()
    {
        var routes = TrustRoutes.All(app.Services);
        var rules = AccessRules.Classify(routes);
        var cast = await TrustCast.CreateAsync(app);
        var failures = new List<string>();
        var table = new StringBuilder();
        var cells = 0;
        TrustWorld? world = null;
        foreach (var route in routes)
        {
            // A request that changes something (closing the round, a new invitation link, logging out) gets fresh studies,
            // so it cannot spoil the next route's answer. Roles go in enum order: the owners last.
            // Only a request about an endorsement gets fresh finished studies (they take a while to make).
            var writes = route.SendMethod != "GET";
            if (world is null || writes) world = await cast.NewWorldAsync(freshEndorsement: world is null || TrustWorld.AboutEndorsement(route.Route));
            table.Append($"| `{route.Key}` | {rules[route]} |");
            foreach (var role in Enum.GetValues<Role>())
            {
                using var response = await world.SendAsync(route, world.Clients[role]);
                var outcome = Outcomes.Classify(response);
                var expected = rules[route].Allows(role) ? Outcome.Allowed : Outcome.Refused;
                cells++;
                table.Append($" {(int)response.StatusCode}{Where(response)} |");
                if (outcome != expected)
                    failures.Add($"{route.Key} as {role}: expected {expected}, got {(int)response.StatusCode} {response.Headers.Location} {Excerpt(await response.Content.ReadAsStringAsync())}");
            }
            table.AppendLine();
            if (writes) world = null;
        }
        output.WriteLine($"Access matrix: {routes.Count} routes × {Enum.GetValues<Role>().Length} roles = {cells} requests, {failures.Count} wrong.");
        output.WriteLine($"| route | rule | {string.Join(" | ", Enum.GetNames<Role>())} |");
        output.WriteLine(table.ToString());
        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} route × role requests were answered wrongly:\n" + string.Join("\n", failures));
        Assert.True(routes.Count >= 40, $"only {routes.Count} routes found: the enumeration is broken");
    }

    [Fact]
    public async Task Every_hub_method_lets_in_exactly_the_roles_its_rule_names()
    {
        var methods = typeof(LiveHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
        var unclassified = methods.Where(m => !AccessRules.HubMethods.ContainsKey(m.Name)).Select(m => m.Name).ToList();
        Assert.True(unclassified.Count == 0,
            $"hub method(s) without a rule: {string.Join(", ", unclassified)}. Add them to AccessRules.HubMethods in tests/DelphiRounds.Tests/Trust/AccessRules.cs.");
        var cast = await TrustCast.CreateAsync(app);
        var world = await cast.NewWorldAsync();
        var failures = new List<string>();
        var cells = 0;
        foreach (var role in Enum.GetValues<Role>())
        {
            var client = world.Clients[role];
            await using var hub = app.Hub(client.Bearer);
            var connected = true;
            try { await hub.StartAsync(); }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.Unauthorized) { connected = false; }
            foreach (var method in methods)
            {
                cells++;
                var expected = AccessRules.HubMethods[method.Name].Allows(role);
                bool allowed;
                if (!connected) allowed = false;
                else
                {
                    var args = method.GetParameters().Select(p => (object?)HubArgument(p.Name!, world.A)).ToArray();
                    try { await hub.InvokeCoreAsync(method.Name, typeof(object), args); allowed = true; }
                    catch (HubException) { allowed = false; }
                }
                if (allowed != expected) failures.Add($"{method.Name} as {role}: expected {(expected ? "allowed" : "refused")}, got {(allowed ? "allowed" : "refused")}");
            }
            if (connected) Assert.Equal(HubConnectionState.Connected, hub.State);
        }
        output.WriteLine($"Hub matrix: {methods.Length} methods × {Enum.GetValues<Role>().Length} roles = {cells} calls, {failures.Count} wrong.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_login_cookie_alone_never_authorises_an_api_write()
    {
        // Cookies travel with cross-site requests; API writes take a bearer token, so a forged form cannot use them.
        var cast = await TrustCast.CreateAsync(app);
        var world = await cast.NewWorldAsync();
        var writes = TrustRoutes.All(app.Services).Where(r => r.Route.StartsWith("/api/", StringComparison.Ordinal) && r.SendMethod != "GET").ToList();
        Assert.NotEmpty(writes);
        var before = DatabaseDump.Take(app.DatabasePath);
        foreach (var route in writes)
        {
            foreach (var role in new[] { Role.FacilitatorA, Role.ParticipantA })
            {
                var client = world.Clients[role];
                var cookieOnly = new RoleClient(role, client.Http, bearer: null, client.Own, client.HomePage);
                using var response = await world.SendAsync(route, cookieOnly);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route.Key} with only {role}'s cookie: {(int)response.StatusCode}");
            }
        }
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    /// <summary>Values of hub method parameters, for study <paramref name="s"/>.</summary>
    internal static object HubArgument(string name, StudyData s) => name switch
    {
        "roundId" => s.RoundId,
        "itemId" => s.ItemIds[0],
        _ => throw new Xunit.Sdk.XunitException($"hub parameter '{name}' has no value: add it to AccessMatrixTests.HubArgument."),
    };

    /// <summary>Where a redirect goes, for the table: <c>→/login</c>, <c>→/p</c>, <c>→/sign/{token}/receipt</c>…</summary>
    private static string Where(HttpResponseMessage response) =>
        (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } l
            ? "→" + System.Text.RegularExpressions.Regex.Replace(l.IsAbsoluteUri ? l.AbsolutePath : l.OriginalString.Split('?')[0], "dl[a-z]_[A-Za-z0-9_-]+", "{token}")
            : "";

    private static string Excerpt(string body) => body.Length <= 300 ? body : body[..300] + "…";
}
