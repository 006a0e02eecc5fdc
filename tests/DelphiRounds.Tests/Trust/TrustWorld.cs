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
    IReadOnlyList<(long Id, string Token)> Participants)
{
    /// <summary>Items of the other kinds, asked in the open round too: <c>numeric</c> (low / likely / high, 0–100 %), <c>year</c>, <c>ranking</c>, <c>text</c>.</summary>
    public IReadOnlyDictionary<string, long> KindItems { get; init; } = new Dictionary<string, long>();
    /// <summary>The options of the ranking item.</summary>
    public IReadOnlyList<string> RankingKeys { get; init; } = [];
    /// <summary>An item added after the round opened (not asked in it, so it may be reworded).</summary>
    public long SpareItemId { get; init; }
    /// <summary>A background document of the study (shown to its participants).</summary>
    public long DocumentId { get; init; }
    /// <summary>An argument: the answer with a rationale of the second panel member on the first item.</summary>
    public long ArgumentId { get; init; }
    /// <summary>The draft of the joint vision under the panel's review, and its statements.</summary>
    public int DraftVersion { get; init; }
    public IReadOnlyList<long> StatementIds { get; init; } = [];
    /// <summary>Another study of the same facilitator, finished: its vision frozen, endorsed, with signatories.</summary>
    public EndorsedStudy? Endorsed { get; init; }
}

/// <summary>
/// A finished study (round 1 answered and closed, the vision frozen) with two signatories: one who signed with a
/// replacement link (the first link was replaced before), and one still invited.
/// </summary>
public sealed record EndorsedStudy(long StudyId, long SignatoryId, string SigningLink, string ReplacedLink, long InvitedSignatoryId, string InvitedLink)
{
    /// <summary>A commitment its signed organisation made, and an experiment on its agenda.</summary>
    public long CommitmentId { get; init; }
    public long ExperimentId { get; init; }
    /// <summary>A reflection round on its frozen vision (issue 21), closed.</summary>
    public long ReflectionRoundId { get; init; }
}

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
        var kinds = new Dictionary<string, long>();
        foreach (var (kind, body) in TrustSamples.ItemKinds())
            kinds[kind] = (await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/items", body), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var round = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { mode = "live" }), HttpStatusCode.Created);
        var roundId = round.GetProperty("id").GetInt64();
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{roundId}/open", null), HttpStatusCode.OK);
        var spare = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/items",
            new { kind = "rating", text = new { nl = "Na de opening toegevoegd" }, scale = new { min = 1, max = 5 } }), HttpStatusCode.Created);
        var document = await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{studyId}/documents", TrustSamples.Document()), HttpStatusCode.Created);
        return new StudyData(studyId, roundId, items, groups.Select(g => g.Id).ToList(), groups.Select(g => g.Slug).ToList(), participants)
        {
            KindItems = kinds, RankingKeys = TrustSamples.RankingKeys, SpareItemId = spare.GetProperty("id").GetInt64(),
            DocumentId = document.GetProperty("id").GetInt64(),
        };
    }

    /// <summary>
    /// <see cref="StudyAsync"/> and what the later features need: the first two panel members answered the first item
    /// (the second with a rationale: an argument), a draft of the joint vision is under review, and the facilitator has
    /// a second, finished study whose vision was frozen and endorsed (<see cref="EndorsedAsync"/>).
    /// </summary>
    public async Task<StudyData> FullStudyAsync(Facilitator f, bool freshEndorsement = true)
    {
        var s = await StudyAsync(f);
        await Scenario.Expect(await Scenario.AnswerAsync(App, s.Participants[0].Token, s.RoundId, new { itemId = s.ItemIds[0], value = 5 }), HttpStatusCode.Created);
        var argument = await Scenario.Expect(await Scenario.AnswerAsync(App, s.Participants[1].Token, s.RoundId,
            new { itemId = s.ItemIds[0], value = 2, rationale = "Eerst de warmtenetten, dan de rest." }), HttpStatusCode.Created);
        using var api = Api(f);
        var draft = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Visie in wording", preamble = "Wat we **samen** willen.",
            statements = new object[] { new { text = "Restwarmte eerst.", itemIds = new[] { s.ItemIds[0] } }, new { text = "Betaalbaar voor iedereen." } },
        }), HttpStatusCode.Created);
        await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/open", null), HttpStatusCode.OK);
        return s with
        {
            ArgumentId = argument.GetProperty("id").GetInt64(),
            DraftVersion = draft.GetProperty("version").GetInt32(),
            StatementIds = draft.GetProperty("statements").EnumerateArray().Select(x => x.GetProperty("id").GetInt64()).ToList(),
            Endorsed = !freshEndorsement && _endorsed.TryGetValue(f.Id, out var earlier) ? earlier : _endorsed[f.Id] = await EndorsedAsync(f),
        };
    }

    /// <summary>The finished study made last for each facilitator, for worlds that do not change it.</summary>
    private readonly Dictionary<long, EndorsedStudy> _endorsed = [];

    /// <summary>
    /// A finished study of <paramref name="f"/>: round 1 answered by all three and closed, a draft frozen, a signatory
    /// whose first link was replaced and who signed with the second (through the signing page), and one still invited.
    /// </summary>
    public async Task<EndorsedStudy> EndorsedAsync(Facilitator f)
    {
        var s = await StudyAsync(f, "Afgeronde studie");
        using var api = Api(f);
        foreach (var (_, token) in s.Participants)
            foreach (var (itemId, value) in new[] { (s.ItemIds[0], 6), (s.ItemIds[1], 4) })
                await Scenario.Expect(await Scenario.AnswerAsync(App, token, s.RoundId, new { itemId, value }), HttpStatusCode.Created);
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Vastgestelde visie", statements = new object[] { new { text = "Restwarmte eerst.", itemIds = new[] { s.ItemIds[0] } } },
        }), HttpStatusCode.Created);
        await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{s.StudyId}/vision/freeze", null), HttpStatusCode.Created);
        async Task<(long Id, string Token)> RegisterAsync(string organisation)
        {
            var created = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/signatories",
                new { name = $"Ondertekenaar {organisation}", organisation, role = "Directeur", email = $"{Slug(organisation)}@example.org" }), HttpStatusCode.Created);
            return (created.GetProperty("id").GetInt64(), created.GetProperty("token").GetString()!);
        }
        var (signatoryId, replaced) = await RegisterAsync("Netbedrijf");
        var link = (await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{s.StudyId}/signatories/{signatoryId}/link", null), HttpStatusCode.OK))
            .GetProperty("token").GetString()!;
        await SignAsync(link);
        var (invitedId, invited) = await RegisterAsync("Woonstichting");
        // The agenda after signing: the organisation that signed commits through its link, and an experiment is registered.
        var commitToken = (await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/agenda/commitment-links", new { signatoryId }),
            HttpStatusCode.Created)).GetProperty("token").GetString()!;
        var browser = Client();
        var commitPage = await browser.GetStringAsync($"/commit/{commitToken}");
        var committed = await browser.PostAsync($"/commit/{commitToken}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Text"] = "Wij sluiten 500 woningen aan.", ["Statements"] = "1", ["Due"] = "2030-12-31", ["OwnerRole"] = "Directeur",
            ["__RequestVerificationToken"] = Antiforgery(commitPage) ?? "",
        }));
        Assert.True(committed.IsSuccessStatusCode || committed.StatusCode == HttpStatusCode.SeeOther, $"committing: {(int)committed.StatusCode}");
        var commitmentId = (await Scenario.Expect(await api.GetAsync($"/api/v1/studies/{s.StudyId}/agenda/commitments"), HttpStatusCode.OK))[0]
            .GetProperty("id").GetInt64();
        var experimentId = (await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/agenda/experiments", new
        {
            organisation = "Netbedrijf", title = "Wijknet", tried = "Een wijknet op lage temperatuur.", statements = new[] { 1 }, started = "2026-01-01",
        }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        // A reflection round on the frozen vision, closed again (so the study has no open round).
        var reflectionRoundId = (await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{s.StudyId}/agenda/reflection-rounds", new { mode = "classic" }),
            HttpStatusCode.Created)).GetProperty("roundId").GetInt64();
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{reflectionRoundId}/close", null), HttpStatusCode.OK);
        return new EndorsedStudy(s.StudyId, signatoryId, link, replaced, invitedId, invited)
        {
            CommitmentId = commitmentId, ExperimentId = experimentId, ReflectionRoundId = reflectionRoundId,
        };
    }

    /// <summary>Signs with a link as a signatory does: opens the page, confirms, and is sent to the receipt.</summary>
    public async Task<HttpResponseMessage> SignAsync(string link, HttpClient? browser = null)
    {
        var client = browser ?? Client();
        var page = await client.GetStringAsync($"/sign/{link}");
        var posted = await client.PostAsync($"/sign/{link}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Confirm"] = "true", ["Mandate"] = "Statutair directeur", ["__RequestVerificationToken"] = Antiforgery(page) ?? "",
        }));
        Assert.True(posted.StatusCode == HttpStatusCode.SeeOther, $"signing with {link[..8]}…: {(int)posted.StatusCode}");
        return posted;
    }

    private static string Slug(string s) => s.ToLowerInvariant().Replace(' ', '-');

    /// <summary>A participant's browser: the cookie from opening the invitation link.</summary>
    public async Task<string> ParticipantCookieAsync(string token)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var client = new HttpClient(handler) { BaseAddress = App.Address };
        var enter = await client.GetAsync($"/p/{token}");
        Assert.Equal(HttpStatusCode.Redirect, enter.StatusCode);
        return handler.CookieContainer.GetCookies(App.Address)["delphi.participant"]!.Value;
    }

    /// <summary>
    /// Fresh studies A and B (<see cref="FullStudyAsync"/>) and a client for every role. Their finished siblings are
    /// fresh too, unless <paramref name="freshEndorsement"/> is false (then the last ones are used again: for requests
    /// that do not touch an endorsement, which takes a while to make).
    /// </summary>
    public async Task<TrustWorld> NewWorldAsync(bool freshEndorsement = true)
    {
        var a = await FullStudyAsync(A, freshEndorsement);
        var b = await FullStudyAsync(B, freshEndorsement);
        // Participant A's second panel member opened their link, then the facilitator issued a new one: a stale cookie.
        var staleCookie = await ParticipantCookieAsync(a.Participants[1].Token);
        using (var api = Api(A))
            await Scenario.Expect(await api.PostAsync($"/api/v1/studies/{a.StudyId}/participants/{a.Participants[1].Id}/invitation", null), HttpStatusCode.OK);
        // The signatory opened their receipt (the link signed already): its cookies are theirs.
        var signatory = Client();
        var receipt = $"/sign/{a.Endorsed!.SigningLink}/receipt";
        Assert.Equal(HttpStatusCode.OK, (await signatory.GetAsync(receipt)).StatusCode);
        var clients = new Dictionary<Role, RoleClient>
        {
            [Role.Anonymous] = new(Role.Anonymous, Client(), null, null, "/login") { SigningLink = "" },
            [Role.ExpiredToken] = new(Role.ExpiredToken, Client(("delphi.participant", staleCookie)), RevokedToken, null, "/login") { SigningLink = a.Endorsed.ReplacedLink },
            [Role.ForeignToken] = new(Role.ForeignToken, Client((CookieName, "CfDJ8" + new string('x', 200))),
                Kernel.Secrets.NewToken(Kernel.Secrets.FacilitatorTokenPrefix), null, "/login") { SigningLink = Kernel.Secrets.NewToken(Endorsement.EndorsementStore.TokenPrefix) },
            [Role.ParticipantB] = new(Role.ParticipantB, Client(("delphi.participant", await ParticipantCookieAsync(b.Participants[0].Token))), b.Participants[0].Token, b, "/p"),
            [Role.FacilitatorB] = new(Role.FacilitatorB, Client((CookieName, B.Cookie)), B.Token, b, "/f"),
            [Role.Signatory] = new(Role.Signatory, signatory, a.Endorsed.SigningLink, a, receipt) { SigningLink = a.Endorsed.SigningLink },
            [Role.ParticipantA] = new(Role.ParticipantA, Client(("delphi.participant", await ParticipantCookieAsync(a.Participants[0].Token))), a.Participants[0].Token, a, "/p"),
            [Role.FacilitatorA] = new(Role.FacilitatorA, Client((CookieName, A.Cookie)), A.Token, a, "/f"),
        };
        return new TrustWorld(this, a, b, clients);
    }
}

/// <summary>One person's browser and token: cookies in <see cref="Http"/>, the bearer token sent with every request.</summary>
public sealed class RoleClient(Role role, HttpClient http, string? bearer, StudyData? own, string homePage)
{
    private readonly Dictionary<string, string> _antiforgery = [];

    public Role Role { get; } = role;
    public HttpClient Http { get; } = http;
    /// <summary>The token sent as <c>Authorization: Bearer</c> on every request (API and pages alike).</summary>
    public string? Bearer { get; } = bearer;
    /// <summary>The study this person belongs to, if any.</summary>
    public StudyData? Own { get; } = own;
    /// <summary>A page this person can open, for the anti-forgery token of their session.</summary>
    public string HomePage { get; } = homePage;
    /// <summary>
    /// What this person puts in a signing link's address (<c>/sign/{token}</c>): the signatory their own link; everyone
    /// else the link-shaped credential they hold (a replaced link, one never issued, their invitation or API token, nothing).
    /// </summary>
    public string SigningLink { get; init; } = bearer ?? "";

    /// <summary>The anti-forgery token of this person's session (from a page they can open: <paramref name="page"/>, else their home page).</summary>
    public async Task<string?> AntiforgeryAsync(string? page = null)
    {
        page ??= HomePage;
        if (_antiforgery.TryGetValue(page, out var token)) return token;
        var response = await Http.GetAsync(page);
        return _antiforgery[page] = TrustCast.Antiforgery(await response.Content.ReadAsStringAsync()) ?? "";
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
        "itemId" => study.SpareItemId.ToString(),
        "documentId" => study.DocumentId.ToString(),
        "answerId" => study.ArgumentId.ToString(),
        "version" => study.DraftVersion.ToString(),
        "culture" => "en",
        "code" => "",
        "documentName" => "v1",
        "file" => "answers.csv",
        _ => null,
    };

    /// <summary>
    /// The value of a parameter of <paramref name="route"/> for <paramref name="study"/>. Routes about the endorsement
    /// of a frozen vision (<see cref="AboutEndorsement"/>) are about the study's finished sibling
    /// (<see cref="StudyData.Endorsed"/>): its id, its invited signatory, and — in <c>/sign/{token}</c> — its signatory's link.
    /// </summary>
    public static string? RouteValue(string name, StudyData study, string route)
    {
        if (!AboutEndorsement(route) || study.Endorsed is not { } e) return RouteValue(name, study);
        return name switch
        {
            "studyId" => e.StudyId.ToString(),
            "signatoryId" => e.InvitedSignatoryId.ToString(),
            "commitmentId" => e.CommitmentId.ToString(),
            "experimentId" => e.ExperimentId.ToString(),
            "roundId" when route.Contains("/reflection-rounds/", StringComparison.Ordinal) => e.ReflectionRoundId.ToString(),
            "token" => e.SigningLink,
            _ => RouteValue(name, study),
        };
    }

    /// <summary>Routes that need a frozen vision: signatories, the signing link and its receipt, the ledger, the document, the verification page.</summary>
    public static bool AboutEndorsement(string route) =>
        IsSigningLink(route) || route.StartsWith("/verify/", StringComparison.Ordinal) || route.Contains("/signatories", StringComparison.Ordinal)
        || route.EndsWith("/ledger", StringComparison.Ordinal) || route.EndsWith("/vision/document", StringComparison.Ordinal)
        || route.Contains("/agenda", StringComparison.Ordinal) || route.StartsWith("/commit/", StringComparison.Ordinal);

    /// <summary>The signing link and its receipt: the token in the address is the credential.</summary>
    public static bool IsSigningLink(string route) => route.StartsWith("/sign/{token}", StringComparison.Ordinal);

    /// <summary>Parameters that name something of a study: with one of them, the address is about study A.</summary>
    public static readonly string[] StudyParameters = ["studyId", "roundId", "participantId", "token", "itemId", "answerId", "signatoryId"];

    /// <summary>The study a request is about: the one in its address, else the caller's own.</summary>
    public StudyData Target(RouteCase route, RoleClient client) =>
        route.Parameters.Any(StudyParameters.Contains) ? A : client.Own ?? A;

    /// <summary>The address of <paramref name="route"/> as <paramref name="client"/> sends it (a signing link: the one they hold).</summary>
    public string Url(RouteCase route, RoleClient client) =>
        TrustRoutes.Url(route.Route, n => n == "token" && IsSigningLink(route.Route) ? client.SigningLink : RouteValue(n, A, route.Route))
        + (route.Handler is null ? "" : "?handler=" + route.Handler) + TrustSamples.Query(route.Key, Target(route, client));

    /// <summary>Sends the route's sample request (body or form) as <paramref name="client"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(RouteCase route, RoleClient client)
    {
        var target = Target(route, client);
        var url = Url(route, client);
        var request = new HttpRequestMessage(new HttpMethod(route.SendMethod), url);
        if (client.Bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.Bearer);
        if (route.JsonBody)
        {
            var body = TrustSamples.Json(route.Key, target)
                       ?? throw new Xunit.Sdk.XunitException($"{route.Key} reads a JSON body but has no sample: add one to TrustSamples.Json.");
            request.Content = JsonContent.Create(body, options: Json.Web);
        }
        else if (route.Key == "POST /api/v1/studies/{studyId}/documents") request.Content = TrustSamples.Document();
        else if (route.FormPost)
        {
            var form = TrustSamples.Form(route.Key, target)
                       ?? throw new Xunit.Sdk.XunitException($"{route.Key} is a form post but has no sample: add one to TrustSamples.Form.");
            // The token of a page the person can open in the same part of the site: a signing link needs no login, so
            // (but for the signatory, who has their receipt page) a public one; a participant's token from /p is not valid there.
            // A commitment link (/commit/{token}) needs no login either, and no role here holds one: a public page's token too.
            var formPage = (IsSigningLink(route.Route) && client.Role != Role.Signatory) || route.Route.StartsWith("/commit/", StringComparison.Ordinal) ? "/login" : null;
            if (await client.AntiforgeryAsync(formPage) is { Length: > 0 } token) form["__RequestVerificationToken"] = token;
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
        "PUT /api/v1/studies/{studyId}/report-notes" => new { delphiRationale = "Geen partij beheerst het gesprek.", dissemination = "Op de website." },
        "PUT /api/v1/studies/{studyId}/organisations-public" => new { organisationsPublic = false },
        "POST /api/v1/studies/{studyId}/vision/freeze" => new { keep = Array.Empty<object>() },
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
        "PUT /api/v1/studies/{studyId}/criteria/unit" => new { unit = "organisation" },
        "POST /api/v1/studies/{studyId}/rounds" => new { mode = "live" },
        "POST /api/v1/rounds/{roundId}/answers" => new { itemId = s.ItemIds[0], value = 4.0, rationale = "Omdat het kan.", idempotencyKey = Guid.NewGuid().ToString("N") },
        "POST /api/v1/studies/{studyId}/items/{itemId}/reword" => new
        {
            text = new { nl = "Restwarmte wordt zo veel mogelijk benut.", en = "Residual heat is used as much as possible." },
            reason = new { nl = "Duidelijker na ronde 1.", en = "Clearer after round 1." },
        },
        "PUT /api/v1/studies/{studyId}/items/{itemId}/answering" => new { allowDontKnow = true, askExpertise = true },
        "POST /api/v1/arguments/{answerId}/hide" => new { reason = "Noemt een persoon bij naam." },
        "POST /api/v1/studies/{studyId}/vision/drafts" => new
        {
            title = "Visie, versie 2", preamble = "Wat we **samen** willen.",
            statements = new object[] { new { text = "Restwarmte eerst, *daarna* de rest.", itemIds = new[] { s.ItemIds[0] } } },
            changeNote = "De bezwaren over de volgorde verwerkt.",
        },
        "POST /api/v1/vision/review/answers" => new { statementId = s.StatementIds[0], position = "object", reason = "Te vaag over de kosten." },
        "POST /api/v1/studies/{studyId}/signatories" => new { name = "Anna de Vries", organisation = "Haven Rotterdam", role = "Directeur", email = "anna@example.org" },
        "POST /api/v1/studies/{studyId}/reminders" => new { groups = new[] { s.GroupSlugs[0] } },
        "POST /api/v1/studies/{studyId}/organisations" => new { name = "Havenbedrijf " + Guid.NewGuid().ToString("N")[..8], group = s.GroupSlugs[0], kvk = "12345678", email = "info@haven.example.org" },
        "PUT /api/v1/studies/{studyId}/organisations/members/{participantId}" => new { organisationId = 999_999_999L },
        "POST /api/v1/studies/{studyId}/organisations/import" => new { csv = $"Havenbedrijf,{s.GroupSlugs[0]},Piet Haven,piet-{Guid.NewGuid():N}@example.org,nl" },
        "POST /api/v1/studies/{studyId}/agenda/indicators" => new { statement = 1, name = "Aansluitingen", unit = "%", source = "CBS", direction = "higher" },
        "POST /api/v1/studies/{studyId}/agenda/measurements" => new { indicator = "Geen indicator", date = "2030-01-01", value = 3.5, source = "CBS" },
        "POST /api/v1/studies/{studyId}/agenda/commitment-links" => new { signatoryId = s.Endorsed!.InvitedSignatoryId },
        "POST /api/v1/studies/{studyId}/agenda/commitments/{commitmentId}/done" => new { date = "2030-01-01", note = "Klaar." },
        "POST /api/v1/studies/{studyId}/agenda/experiments" => new { organisation = "Woonstad", title = "Proef in de wijk", tried = "Een wijknet.", statements = new[] { 1 }, started = "2026-01-01" },
        "POST /api/v1/studies/{studyId}/agenda/experiments/{experimentId}/notes" => new { date = "2026-06-01", text = "Geleerd." },
        "POST /api/v1/studies/{studyId}/agenda/reflection-rounds" => new { mode = "classic" },
        _ => null,
    };

    /// <summary>A background document upload (multipart): a small text file with its title.</summary>
    public static MultipartFormDataContent Document()
    {
        var file = new ByteArrayContent("Achtergrond bij de stellingen.\n"u8.ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        return new MultipartFormDataContent { { new StringContent("Achtergrond"), "title" }, { file, "file", "achtergrond.txt" } };
    }

    /// <summary>The query string a GET handler needs besides <c>?handler=…</c> (it starts with <c>&amp;</c>), or nothing.</summary>
    public static string Query(string key, StudyData s) => key switch
    {
        "GET /f/studies/{studyId}/convergence?handler=Item" => $"&itemId={s.ItemIds[0]}",
        "GET /f/studies/{studyId}/documents?handler=Download" or "GET /p?handler=Document" => $"&documentId={s.DocumentId}",
        _ => "",
    };

    /// <summary>
    /// Every sample body of a route, named: <see cref="Json"/> first, then the other shapes the route takes (an item of
    /// every kind, an answer to every kind of item). The hostile suite mutates each of them.
    /// </summary>
    public static IReadOnlyList<(string Name, object Body)> JsonAll(string key, StudyData s)
    {
        var list = new List<(string, object)>();
        if (Json(key, s) is { } first) list.Add(("sample", first));
        if (key == "POST /api/v1/studies/{studyId}/items")
            list.AddRange(ItemKinds().Select(k => (k.Kind, k.Body)));
        if (key == "POST /api/v1/rounds/{roundId}/answers" && s.KindItems.Count > 0)
        {
            list.Add(("numeric", new { itemId = s.KindItems["numeric"], low = 20.0, value = 35.5, high = 60.0, rationale = "Schatting." }));
            list.Add(("year", new { itemId = s.KindItems["year"], value = 2040.0 }));
            list.Add(("ranking", new { itemId = s.KindItems["ranking"], ranks = s.RankingKeys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => (double)x.i + 1) }));
            list.Add(("text", new { itemId = s.KindItems["text"], text = "Warmte uit de haven, via een open net." }));
        }
        return list;
    }

    /// <summary>
    /// Values the hostile generator tries that are in fact valid where it would try them, so they are no attack there:
    /// a numeric item's range may be any finite numbers (<c>-1</c>, <c>1e15</c>).
    /// </summary>
    public static bool Valid(string key, string shape, string path, string raw) => (key, shape, path, raw) switch
    {
        ("POST /api/v1/studies/{studyId}/items", "numeric", "rangeMin" or "rangeMax", "-1" or "1e15") => true,
        _ => false,
    };

    /// <summary>The options of the sample ranking item.</summary>
    public static readonly IReadOnlyList<string> RankingKeys = ["restwarmte", "aquathermie", "geothermie"];

    /// <summary>A valid new item of every kind besides rating.</summary>
    public static IReadOnlyList<(string Kind, object Body)> ItemKinds() =>
    [
        ("numeric", new { kind = "numeric", text = new { nl = "Aandeel woningen op een warmtenet in 2030", en = "Share of homes on a heat network in 2030" },
            unit = "%", rangeMin = 0.0, rangeMax = 100.0, threePoint = true }),
        ("year", new { kind = "year", text = new { nl = "Wanneer is de haven aardgasvrij?" }, rangeMin = 2025, rangeMax = 2060 }),
        ("ranking", new { kind = "ranking", text = new { nl = "Welke bron eerst?", en = "Which source first?" },
            options = new object[] { new { key = RankingKeys[0], nl = "Restwarmte", en = "Residual heat" }, new { key = RankingKeys[1], nl = "Aquathermie" }, new { key = RankingKeys[2], nl = "Geothermie", en = "Geothermal" } } }),
        ("text", new { kind = "text", text = new { nl = "Wat is er nog meer nodig?", en = "What else is needed?" }, sourceAnswerIds = Array.Empty<long>() }),
    ];

    public static Dictionary<string, string>? Form(string key, StudyData s) => key switch
    {
        "POST /login" => new() { ["Email"] = "nobody@example.org", ["Password"] = "not the password" },
        "POST /error/{code}" => new(),
        "POST /f" => new() { ["Title"] = "Studie uit formulier", ["Question"] = "Hoe?", ["HorizonYear"] = "2030", ["GroupLines"] = "Netbeheerders\nBewoners" },
        "POST /f/studies/{studyId}/documents" => new() { ["Title"] = "Zonder bestand" },
        "POST /f/studies/{studyId}/documents?handler=Remove" => new() { ["documentId"] = s.DocumentId.ToString() },
        "POST /f/account?handler=Create" => new() { ["TokenName"] = "script" },
        "POST /f/account?handler=Revoke" => new() { ["tokenId"] = "0" },
        // Not the current password: the facilitator gets the form back (400) and every role's cookie stays valid.
        "POST /f/account/password" => new() { ["CurrentPassword"] = "not the password", ["NewPassword"] = "een nieuw lang wachtwoord", ["RepeatPassword"] = "een nieuw lang wachtwoord" },
        "POST /f/studies/{studyId}?handler=NewRound" => new(),
        "POST /f/studies/{studyId}?handler=Open" => new() { ["roundId"] = s.RoundId.ToString() },
        "POST /f/studies/{studyId}?handler=Close" => new() { ["roundId"] = s.RoundId.ToString() },
        "POST /f/studies/{studyId}?handler=AddGroup" => new() { ["GroupName"] = "Haven | Port" },
        "POST /f/studies/{studyId}/items" => new() { ["TextNl"] = "Koude wordt benut.", ["ScaleMax"] = "5" },
        "POST /f/studies/{studyId}/panel?handler=Add" => new() { ["GroupId"] = s.GroupIds[0].ToString(), ["Name"] = "Piet", ["Email"] = "piet@example.org" },
        "POST /f/studies/{studyId}/panel?handler=Reissue" => new() { ["participantId"] = s.Participants[2].Id.ToString() },
        "POST /f/studies/{studyId}/organisations?handler=Add" => new() { ["GroupId"] = s.GroupIds[0].ToString(), ["Name"] = "Havenbedrijf " + Guid.NewGuid().ToString("N")[..8], ["Kvk"] = "" },
        "POST /f/studies/{studyId}/organisations?handler=Import" => new() { ["Csv"] = $"Havenbedrijf,{s.GroupSlugs[0]},Piet Haven,piet-{Guid.NewGuid():N}@example.org,nl" },
        "POST /f/studies/{studyId}/panel/{participantId}/erase" => new(),
        "POST /p?handler=Answer" => new() { ["ItemId"] = s.ItemIds[0].ToString(), ["Value"] = "4", ["Rationale"] = "Zo.", ["IdempotencyKey"] = Guid.NewGuid().ToString("N") },
        "POST /p?handler=Convincing" => new() { ["answerId"] = s.ArgumentId.ToString(), ["itemId"] = s.ItemIds[0].ToString() },
        "POST /f/studies/{studyId}?handler=Criteria" => new()
        {
            ["MaxIqr"] = "1", ["MinAgreementPercent"] = "70", ["AgreementTopCategories"] = "2", ["MaxChangedPercent"] = "15",
            ["MinGroupSize"] = "3", ["MaxRounds"] = "4", ["RequireEveryGroup"] = "true",
            ["DisagreementBottomCategories"] = "2", ["MaxNetChangePercent"] = "15", ["MedianShiftPercent"] = "5", ["MinRoundForConsensus"] = "2",
        },
        "POST /f/studies/{studyId}?handler=Unit" => new() { ["Unit"] = "organisation" },
        "POST /f/studies/{studyId}?handler=CitizenPanel" => new() { ["CitizenPanel"] = "true" },
        "POST /f/studies/{studyId}?handler=ItemRules" => new() { ["RulesItemId"] = s.ItemIds[0].ToString(), ["ItemMaxIqr"] = "1" },
        "POST /f/studies/{studyId}/exports?handler=Notes" => new() { ["DelphiRationale"] = "Geen partij beheerst het gesprek.", ["Dissemination"] = "Op de website." },
        "POST /f/studies/{studyId}/items?handler=Reword" => new()
        {
            ["itemId"] = s.SpareItemId.ToString(), ["TextNl"] = "Anders gezegd.", ["TextEn"] = "Put differently.", ["ReasonNl"] = "Duidelijker.", ["ReasonEn"] = "Clearer.",
        },
        "POST /f/studies/{studyId}/panel?handler=Remind" => new() { ["RemindGroups"] = s.GroupSlugs[0] },
        "POST /f/studies/{studyId}/items?handler=Retire" => new() { ["itemId"] = s.ItemIds[0].ToString() },
        // Round 1 is open in these studies: the owner's edit, delete and move are refused (409) and change nothing.
        "POST /f/studies/{studyId}/items?handler=Edit" => new() { ["itemId"] = s.SpareItemId.ToString(), ["TextNl"] = "Anders gezegd." },
        "POST /f/studies/{studyId}/items?handler=Delete" => new() { ["itemId"] = s.SpareItemId.ToString() },
        "POST /f/studies/{studyId}/items?handler=Move" => new() { ["itemId"] = s.SpareItemId.ToString(), ["direction"] = "up" },
        "POST /f/studies/{studyId}/items?handler=Answering" => new() { ["itemId"] = s.SpareItemId.ToString(), ["AllowDontKnow"] = "true", ["AskExpertise"] = "true" },
        "POST /f/studies/{studyId}/vision?handler=Save" => new()
        {
            ["Title"] = "Visie, versie 2", ["Preamble"] = "Samen.", ["ChangeNote"] = "Bezwaren verwerkt.",
            ["Statements[0].Text"] = "Restwarmte eerst.", ["Statements[0].ItemIds[0]"] = s.ItemIds[0].ToString(),
        },
        "POST /f/studies/{studyId}/vision?handler=OpenReview" => new(),
        "POST /f/studies/{studyId}/vision?handler=CloseReview" => new(),
        "POST /f/studies/{studyId}/vision?handler=Freeze" => new() { ["ConfirmFreeze"] = "true" },
        "POST /f/studies/{studyId}/vision/signatories?handler=Add" => new()
        {
            ["Name"] = "Piet Paulusma", ["Organisation"] = "Warmtebedrijf", ["Role"] = "Directeur", ["Email"] = "piet@example.org",
        },
        "POST /f/studies/{studyId}/vision/signatories?handler=Reissue" => new() { ["signatoryId"] = s.Endorsed!.InvitedSignatoryId.ToString() },
        "POST /f/studies/{studyId}/vision/signatories?handler=Erase" => new() { ["signatoryId"] = s.Endorsed!.InvitedSignatoryId.ToString() },
        "POST /p/vision" => new() { [$"position-{s.StatementIds[0]}"] = "object", [$"reason-{s.StatementIds[0]}"] = "Te vaag.", [$"position-{s.StatementIds[1]}"] = "agree" },
        "POST /sign/{token}" => new() { ["Confirm"] = "true", ["Mandate"] = "Statutair directeur" },
        "POST /f/studies/{studyId}/agenda?handler=Indicator" => new()
        {
            ["Statement"] = "1", ["Name"] = "Aansluitingen", ["Unit"] = "%", ["IndicatorSource"] = "CBS", ["Direction"] = "higher",
        },
        "POST /f/studies/{studyId}/agenda?handler=Measurement" => new()
        {
            ["MeasuredIndicator"] = "0", ["Date"] = "2030-01-01", ["Value"] = "3", ["MeasurementSource"] = "CBS",
        },
        "POST /f/studies/{studyId}/agenda?handler=Upload" => new(),
        "POST /f/studies/{studyId}/agenda?handler=Link" => new() { ["signatoryId"] = s.Endorsed!.InvitedSignatoryId.ToString() },
        "POST /f/studies/{studyId}/organisations?handler=Visibility" => new() { ["OrganisationsPublic"] = "true" },
        "POST /f/studies/{studyId}/agenda?handler=Done" => new() { ["DoneCommitment"] = "0", ["DoneDate"] = "2030-01-01", ["DoneNote"] = "Klaar." },
        "POST /f/studies/{studyId}/agenda?handler=Experiment" => new()
        {
            ["ExperimentOrganisation"] = "Woonstad", ["ExperimentTitle"] = "Proef", ["ExperimentTried"] = "Een wijknet.", ["ExperimentStatements"] = "1",
            ["ExperimentStarted"] = "2026-01-01",
        },
        "POST /f/studies/{studyId}/agenda?handler=Note" => new() { ["NoteExperiment"] = "0", ["NoteDate"] = "2026-06-01", ["NoteText"] = "Geleerd." },
        "POST /f/studies/{studyId}/agenda?handler=Reflect" => new() { ["ReflectionMode"] = "classic", ["ReflectionCriteria"] = "", ["ReflectionReason"] = "" },
        "POST /commit/{token}" => new() { ["Text"] = "Wij doen mee.", ["Statements"] = "1", ["Due"] = "2030-12-31", ["OwnerRole"] = "Directeur" },
        "POST /sign/{token}/receipt?handler=Withdraw" => new() { ["ConfirmWithdraw"] = "true", ["Reason"] = "Het bestuur besloot anders." },
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
