using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Accounts;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.Trust;

/// <summary>A study made through the API: its round is open, one participant per stakeholder group.</summary>
public sealed record StudyData(
    long StudyId, long RoundId, IReadOnlyList<long> ItemIds, IReadOnlyList<long> GroupIds, IReadOnlyList<string> GroupSlugs,
    IReadOnlyList<(long Id, string Token)> Participants);

/// <summary>A facilitator who logged in once: the login cookie is copied into every new client.</summary>
public sealed record Facilitator(long Id, string Email, string Token, string Cookie);

/// <summary>
/// The people of the trust suites: facilitators A and B (logged in, with API tokens) and a revoked token.
/// <see cref="NewWorldAsync"/> makes fresh studies A and B and a client per <see cref="Role"/>.
/// </summary>
public sealed partial class TrustCast
{
    public const string CookieName = "delphi.facilitator";

    public required DelphiApp App { get; init; }
    public required Facilitator A { get; init; }
    public required Facilitator B { get; init; }
    /// <summary>An API token of facilitator A that was revoked.</summary>
    public required string RevokedToken { get; init; }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    public static string? Antiforgery(string html) => AntiforgeryField().Match(html) is { Success: true } m ? m.Groups[1].Value : null;

    public static async Task<TrustCast> CreateAsync(DelphiApp app)
    {
        var a = await LoginAsync(app);
        var b = await LoginAsync(app);
        var store = app.Services.GetRequiredService<FacilitatorStore>();
        var revoked = await store.CreateApiTokenAsync(a.Id, "revoked");
        var id = (await store.ListApiTokensAsync(a.Id)).Single(t => t.Name == "revoked").Id;
        await store.RevokeApiTokenAsync(a.Id, id);
        return new TrustCast { App = app, A = a, B = b, RevokedToken = revoked };
    }

    private static async Task<Facilitator> LoginAsync(DelphiApp app)
    {
        var (id, token, email, password) = await app.FacilitatorAsync();
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var client = new HttpClient(handler) { BaseAddress = app.Address };
        var page = await client.GetStringAsync("/login");
        var posted = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = Antiforgery(page)!,
        }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var cookie = handler.CookieContainer.GetCookies(app.Address)[CookieName]?.Value;
        Assert.False(string.IsNullOrEmpty(cookie), "login set no cookie");
        return new Facilitator(id, email, token, cookie!);
    }

    /// <summary>A client on the real server that never follows redirects, with the given cookies.</summary>
    public HttpClient Client(params (string Name, string Value)[] cookies)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        foreach (var (name, value) in cookies) handler.CookieContainer.Add(App.Address, new Cookie(name, value));
        return new HttpClient(handler) { BaseAddress = App.Address };
    }

    /// <summary>Facilitator A's API client (bearer).</summary>
    public HttpClient Api(Facilitator f)
    {
        var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", f.Token);
        return client;
    }

    /// <summary>Makes a study through the API: three groups with one participant each, a 1–7 and a 1–5 item, round 1 open.</summary>
    public async Task<StudyData> StudyAsync(Facilitator f, string title = "Vertrouwensstudie")
    {
        using var api = Api(f);
        var study = await Scenario.Expect(await api.PostJsonAsync("/api/v1/studies", new
        {
            title, question = "Hoe?", organiser = "Gemeente", horizonYear = 2030,
            groups = new[] { new { name = "Netbeheerders", slug = "grid-operators" }, new { name = "Woningcorporaties", slug = "housing" }, new { name = "Bewoners", slug = "residents" } },
        }), HttpStatusCode.Created);
        var studyId = study.GetProperty("id").GetInt64();
        var groups = study.GetProperty("groups").EnumerateArray().Select(g => (Id: g.GetProperty("id").GetInt64(), Slug: g.GetProperty("slug").GetString()!)).ToList();
        var participants = new List<(long, string)>();
        foreach (var g in groups)
        {
            var p = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/participants",
                new { groupId = g.Id, name = $"Naam {g.Slug}", email = $"{g.Slug}@example.org" }), HttpStatusCode.Created);
            participants.Add((p.GetProperty("id").GetInt64(), p.GetProperty("token").GetString()!));
        }
        var items = new List<long>();
        foreach (var max in new[] { 7, 5 })
        {
            var item = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/items",
                new { kind = "rating", text = new { nl = $"Stelling tot {max}" }, scale = new { min = 1, max } }), HttpStatusCode.Created);
            items.Add(item.GetProperty("id").GetInt64());
        }
        var round = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { mode = "live" }), HttpStatusCode.Created);
        var roundId = round.GetProperty("id").GetInt64();
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{roundId}/open", null), HttpStatusCode.OK);
        return new StudyData(studyId, roundId, items, groups.Select(g => g.Id).ToList(), groups.Select(g => g.Slug).ToList(), participants);
    }

    /// <summary>A participant's browser: the cookie from opening the invitation link.</summary>
    public async Task<string> ParticipantCookieAsync(string token)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var client = new HttpClient(handler) { BaseAddress = App.Address };
        var enter = await client.GetAsync($"/p/{token}");
        Assert.Equal(HttpStatusCode.Redirect, enter.StatusCode);
        return handler.CookieContainer.GetCookies(App.Address)["delphi.participant"]!.Value;
    }

    /// <summary>Fresh studies A and B and a client for every role.</summary>
    public async Task<TrustWorld> NewWorldAsync()
    {
        var a = await StudyAsync(A);
        var b = await StudyAsync(B);
        // Participant A's second panel member opened their link, then the facilitator issued a new one: a stale cookie.
        var staleCookie = await ParticipantCookieAsync(a.Participants[1].Token);
        using (var api = Api(A))
            await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{a.StudyId}/participants/{a.Participants[1].Id}/invitation", null), HttpStatusCode.OK);
        var clients = new Dictionary<Role, RoleClient>
        {
            [Role.Anonymous] = new(Role.Anonymous, Client(), null, null, "/login"),
            [Role.ExpiredToken] = new(Role.ExpiredToken, Client(("delphi.participant", staleCookie)), RevokedToken, null, "/login"),
            [Role.ForeignToken] = new(Role.ForeignToken, Client((CookieName, "CfDJ8" + new string('x', 200))),
                Hosting.Secrets.NewToken(Hosting.Secrets.FacilitatorTokenPrefix), null, "/login"),
            [Role.ParticipantB] = new(Role.ParticipantB, Client(("delphi.participant", await ParticipantCookieAsync(b.Participants[0].Token))), b.Participants[0].Token, b, "/p"),
            [Role.FacilitatorB] = new(Role.FacilitatorB, Client((CookieName, B.Cookie)), B.Token, b, "/f"),
            [Role.ParticipantA] = new(Role.ParticipantA, Client(("delphi.participant", await ParticipantCookieAsync(a.Participants[0].Token))), a.Participants[0].Token, a, "/p"),
            [Role.FacilitatorA] = new(Role.FacilitatorA, Client((CookieName, A.Cookie)), A.Token, a, "/f"),
        };
        return new TrustWorld(this, a, b, clients);
    }
}

/// <summary>One person's browser and token: cookies in <see cref="Http"/>, the bearer token sent with every request.</summary>
public sealed class RoleClient(Role role, HttpClient http, string? bearer, StudyData? own, string homePage)
{
    private string? _antiforgery;

    public Role Role { get; } = role;
    public HttpClient Http { get; } = http;
    /// <summary>The token sent as <c>Authorization: Bearer</c> on every request (API and pages alike).</summary>
    public string? Bearer { get; } = bearer;
    /// <summary>The study this person belongs to, if any.</summary>
    public StudyData? Own { get; } = own;
    /// <summary>A page this person can open, for the anti-forgery token of their session.</summary>
    public string HomePage { get; } = homePage;

    /// <summary>The anti-forgery token of this person's session (from a page they can open).</summary>
    public async Task<string?> AntiforgeryAsync()
    {
        if (_antiforgery is not null) return _antiforgery;
        var page = await Http.GetAsync(HomePage);
        _antiforgery = TrustCast.Antiforgery(await page.Content.ReadAsStringAsync()) ?? "";
        return _antiforgery;
    }
}

/// <summary>Studies A and B and a client per role. Every address is about study A.</summary>
public sealed record TrustWorld(TrustCast Cast, StudyData A, StudyData B, IReadOnlyDictionary<Role, RoleClient> Clients)
{
    /// <summary>The value of a route parameter for <paramref name="study"/>; null when the table lacks it.</summary>
    public static string? RouteValue(string name, StudyData study) => name switch
    {
        "studyId" => study.StudyId.ToString(),
        "roundId" => study.RoundId.ToString(),
        "participantId" => study.Participants[2].Id.ToString(),
        "token" => study.Participants[0].Token,
        "culture" => "en",
        "code" => "",
        "documentName" => "v1",
        _ => null,
    };

    /// <summary>Parameters that name something of a study: with one of them, the address is about study A.</summary>
    public static readonly string[] StudyParameters = ["studyId", "roundId", "participantId", "token"];

    /// <summary>The study a request is about: the one in its address, else the caller's own.</summary>
    public StudyData Target(RouteCase route, RoleClient client) =>
        route.Parameters.Any(StudyParameters.Contains) ? A : client.Own ?? A;

    /// <summary>Sends the route's sample request (body or form) as <paramref name="client"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(RouteCase route, RoleClient client)
    {
        var target = Target(route, client);
        var url = TrustRoutes.Url(route.Route, n => RouteValue(n, A)) + (route.Handler is null ? "" : "?handler=" + route.Handler);
        var request = new HttpRequestMessage(new HttpMethod(route.SendMethod), url);
        if (client.Bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.Bearer);
        if (route.JsonBody)
        {
            var body = TrustSamples.Json(route.Key, target)
                       ?? throw new Xunit.Sdk.XunitException($"{route.Key} reads a JSON body but has no sample: add one to TrustSamples.Json.");
            request.Content = JsonContent.Create(body, options: Json.Web);
        }
        else if (route.FormPost)
        {
            var form = TrustSamples.Form(route.Key, target)
                       ?? throw new Xunit.Sdk.XunitException($"{route.Key} is a form post but has no sample: add one to TrustSamples.Form.");
            if (await client.AntiforgeryAsync() is { Length: > 0 } token) form["__RequestVerificationToken"] = token;
            request.Content = new FormUrlEncodedContent(form);
        }
        return await client.Http.SendAsync(request);
    }
}

/// <summary>
/// A valid request body per route (JSON) and per form post (fields), for the study the request is about.
/// The hostile suite mutates these; the matrix sends them as they are.
/// </summary>
public static class TrustSamples
{
    public static object? Json(string key, StudyData s) => key switch
    {
        "POST /api/v1/studies" => new
        {
            title = "Koude uit de haven", question = "Hoe?", organiser = "Provincie", horizonYear = 2030,
            groups = new[] { new { name = "Netbeheerders", nameEn = "Grid operators", slug = "grid" } },
        },
        "POST /api/v1/studies/{studyId}/groups" => new { name = "Haven", nameEn = "Port", slug = "port" },
        "POST /api/v1/studies/{studyId}/participants" => new { group = s.GroupSlugs[0], name = "Jan Jansen", email = "jan@example.org" },
        "POST /api/v1/studies/{studyId}/items" => new
        {
            kind = "rating", text = new { nl = "Restwarmte wordt benut.", en = "Residual heat is used." }, scale = new { min = 1, max = 5 },
            labels = new Dictionary<string, object> { ["1"] = new { nl = "Oneens", en = "Disagree" } },
        },
        "PUT /api/v1/studies/{studyId}/criteria" => new
        {
            maxIqr = 1.0, maxRelativeIqr = 0.2, agreementTopCategories = 2, minAgreement = 0.7, maxChangedFraction = 0.15,
            requireEveryGroup = true, minGroupSize = 3, maxRounds = 4, quantileMethod = 7,
        },
        "POST /api/v1/studies/{studyId}/rounds" => new { mode = "live" },
        "POST /api/v1/rounds/{roundId}/answers" => new { itemId = s.ItemIds[0], value = 4.0, rationale = "Omdat het kan.", idempotencyKey = Guid.NewGuid().ToString("N") },
        _ => null,
    };

    public static Dictionary<string, string>? Form(string key, StudyData s) => key switch
    {
        "POST /login" => new() { ["Email"] = "nobody@example.org", ["Password"] = "not the password" },
        "POST /error/{code}" => new(),
        "POST /f" => new() { ["Title"] = "Studie uit formulier", ["Question"] = "Hoe?", ["HorizonYear"] = "2030", ["GroupLines"] = "Netbeheerders\nBewoners" },
        "POST /f/account?handler=Create" => new() { ["TokenName"] = "script" },
        "POST /f/account?handler=Revoke" => new() { ["tokenId"] = "0" },
        "POST /f/studies/{studyId}?handler=NewRound" => new(),
        "POST /f/studies/{studyId}?handler=Open" => new() { ["roundId"] = s.RoundId.ToString() },
        "POST /f/studies/{studyId}?handler=Close" => new() { ["roundId"] = s.RoundId.ToString() },
        "POST /f/studies/{studyId}?handler=AddGroup" => new() { ["GroupName"] = "Haven | Port" },
        "POST /f/studies/{studyId}/items" => new() { ["TextNl"] = "Koude wordt benut.", ["ScaleMax"] = "5" },
        "POST /f/studies/{studyId}/panel?handler=Add" => new() { ["GroupId"] = s.GroupIds[0].ToString(), ["Name"] = "Piet", ["Email"] = "piet@example.org" },
        "POST /f/studies/{studyId}/panel?handler=Reissue" => new() { ["participantId"] = s.Participants[2].Id.ToString() },
        "POST /f/studies/{studyId}/panel/{participantId}/erase" => new(),
        "POST /p?handler=Answer" => new() { ["ItemId"] = s.ItemIds[0].ToString(), ["Value"] = "4", ["Rationale"] = "Zo.", ["IdempotencyKey"] = Guid.NewGuid().ToString("N") },
        _ => null,
    };
}

/// <summary>How a response came out for the door it was sent to.</summary>
public enum Outcome { Allowed, Refused, Broken }

public static class Outcomes
{
    /// <summary>
    /// Refused: 401, 403, 404, or a redirect to a login page. Allowed: 2xx, another redirect, or 400/409
    /// (the request got past the door and was judged on its content). Anything else (5xx, 429…) is broken.
    /// </summary>
    public static Outcome Classify(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status is 401 or 403 or 404) return Outcome.Refused;
        if (status is >= 300 and < 400)
        {
            var location = response.Headers.Location?.OriginalString ?? "";
            var path = location.StartsWith('/') ? location : (Uri.TryCreate(location, UriKind.Absolute, out var u) ? u.PathAndQuery : location);
            // The challenge of a login cookie: /login?ReturnUrl=… or /p/welcome-back?next=… (a plain /login after logging out is not one).
            return path.StartsWith("/login?", StringComparison.Ordinal) && path.Contains("ReturnUrl=", StringComparison.Ordinal)
                   || path.StartsWith("/p/welcome-back", StringComparison.Ordinal)
                ? Outcome.Refused : Outcome.Allowed;
        }
        if (status is >= 200 and < 300 or 400 or 409) return Outcome.Allowed;
        return Outcome.Broken;
    }
}
