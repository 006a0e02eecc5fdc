using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace DelphiRounds.Tests.Trust;

/// <summary>
/// Hostile input across every endpoint and hub method: each refusal is a 4xx problem naming the field
/// (or a hub error), never a 500, and the database is exactly as it was. Free text is kept as written
/// and always shown encoded.
/// </summary>
public sealed class HostileInputTests(DelphiApp app, ITestOutputHelper output) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Hundreds_of_generated_hostile_api_requests_are_refused_with_a_problem_and_change_nothing()
    {
        var cast = await TrustCast.CreateAsync(app);
        var world = await cast.NewWorldAsync();
        var doc = await Scenario.Expect(await app.Client().GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var cases = HostileRequests.From(doc, world);

        using var watch = new DatabaseWatch(app.DatabasePath);
        using var client = cast.Client();
        var failures = new List<string>();
        var byCategory = new SortedDictionary<string, (int Tried, int Refused)>();
        var (refused, errors500) = (0, 0);
        foreach (var c in cases)
        {
            var before = watch.Look();
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(c.Request());
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{c}: the connection failed ({e.Message})");
                continue;
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync();
                var problems = new List<string>();
                if (status >= 500) { errors500++; problems.Add($"{status}"); }
                else if (status is < 400 or >= 500) problems.Add($"not refused ({status})");
                else if (c.Statuses.Length > 0 && !c.Statuses.Contains(status)) problems.Add($"status {status}, expected {string.Join("/", c.Statuses)}");
                if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    problems.Add($"content type {response.Content.Headers.ContentType?.MediaType ?? "none"}, not a problem");
                else if (status >= 400 && !NamesField(text, c)) problems.Add($"errors do not name {c.Field ?? "a field"}");
                if (watch.Changed(before) is { } change) problems.Add("the database changed: " + change);
                var ok = problems.Count == 0;
                if (ok) refused++;
                else failures.Add($"{c}: {string.Join("; ", problems)} — {Excerpt(text)}");
                var tally = byCategory.GetValueOrDefault(c.Category);
                byCategory[c.Category] = (tally.Tried + 1, tally.Refused + (ok ? 1 : 0));
            }
        }

        output.WriteLine($"Hostile API requests: {cases.Count} tried, {refused} refused correctly (4xx problem naming the field, database unchanged), {errors500} answered 500.");
        foreach (var (category, (tried, ok)) in byCategory) output.WriteLine($"  {category,-20} {tried,4} tried {ok,4} refused");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} hostile requests were not refused properly:\n" + string.Join("\n", failures.Take(60)));
        Assert.True(cases.Count >= 200, $"only {cases.Count} hostile requests were generated");

        // The unchanged samples are accepted (or judged on the study's state): the refusals above were about the attacks.
        foreach (var key in new[] { "POST /api/v1/rounds/{roundId}/answers", "POST /api/v1/studies/{studyId}/groups", "POST /api/v1/studies/{studyId}/participants",
                     "POST /api/v1/studies/{studyId}/items", "PUT /api/v1/studies/{studyId}/criteria", "POST /api/v1/studies/{studyId}/rounds", "POST /api/v1/studies",
                     "POST /api/v1/studies/{studyId}/items/{itemId}/reword", "POST /api/v1/arguments/{answerId}/hide", "POST /api/v1/vision/review/answers",
                     "POST /api/v1/studies/{studyId}/vision/drafts", "POST /api/v1/studies/{studyId}/signatories" })
        {
            var route = TrustRoutes.All(app.Services).Single(r => r.Key == key);
            var role = AccessRules.Of(key) is Access.OwnParticipant or Access.AnyParticipant ? Role.ParticipantA : Role.FacilitatorA;
            using var response = await world.SendAsync(route, world.Clients[role]);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.Conflict,
                $"the sample of {key} itself was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Hostile_hub_calls_get_a_hub_error_and_the_connection_survives()
    {
        var cast = await TrustCast.CreateAsync(app);
        var world = await cast.NewWorldAsync();
        var participant = world.Clients[Role.ParticipantA];
        await using var hub = app.Hub(participant.Bearer);
        var pushes = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        hub.On<JsonElement>("StatsUpdated", u => pushes.Writer.TryWrite(u));
        await hub.StartAsync();

        var methods = typeof(LiveHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
        var calls = new List<(string Name, string Method, object?[] Args, bool MustFail)>();
        foreach (var m in methods)
        {
            var parameters = m.GetParameters();
            var good = parameters.Select(p => AccessMatrixTests.HubArgument(p.Name!, world.A)).ToArray();
            for (var i = 0; i < parameters.Length; i++)
            {
                foreach (var (label, bad) in new (string, object?)[]
                         {
                             ("a string", "abc"), ("SQL", "1; DROP TABLE answers"), ("true", true), ("an object", new { roundId = 1 }), ("an array", new[] { 1, 2 }),
                             ("null", null), ("a fraction", 1.5), ("a huge number", 1e300), ("10 KB of text", new string('x', 10_000)),
                         })
                {
                    var args = (object?[])good.Clone();
                    args[i] = bad;
                    calls.Add(($"{m.Name}({parameters[i].Name} = {label})", m.Name, args, true));
                }
                // Ids of another study, or of nothing: refused where the method touches a study's data.
                var refusesForeign = AccessRules.HubMethods[m.Name] != HubAccess.AnyConnected;
                foreach (var (label, id) in new (string, object)[] { ($"study B's {parameters[i].Name}", AccessMatrixTests.HubArgument(parameters[i].Name!, world.B)), ("one that does not exist", 987654321L), ("-1", -1L) })
                {
                    var args = (object?[])good.Clone();
                    args[i] = id;
                    calls.Add(($"{m.Name}({parameters[i].Name} = {label})", m.Name, args, refusesForeign));
                }
            }
            calls.Add(($"{m.Name} without arguments", m.Name, [], parameters.Length > 0));
            calls.Add(($"{m.Name} with an extra argument", m.Name, [.. good, "extra"], true));
        }
        calls.Add(("a method that does not exist", "DropAllTables", [], true));
        calls.Add(("a hub lifecycle method", "OnConnectedAsync", [], true));

        using var watch = new DatabaseWatch(app.DatabasePath);
        var before = watch.Look();
        var failures = new List<string>();
        var refused = 0;
        foreach (var (name, method, args, mustFail) in calls)
        {
            try
            {
                await hub.InvokeCoreAsync(method, typeof(object), args);
                if (mustFail) failures.Add($"{name}: accepted");
            }
            catch (HubException e)
            {
                if (!mustFail) failures.Add($"{name}: refused ({e.Message})");
                else refused++;
            }
            if (hub.State != HubConnectionState.Connected) failures.Add($"{name}: the connection dropped ({hub.State})");
        }
        Assert.Null(watch.Changed(before));
        output.WriteLine($"Hostile hub calls: {calls.Count} tried, {refused} refused with a hub error, {calls.Count(c => !c.MustFail)} harmless ones accepted, connection kept.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Still a working connection: join the own round and receive a push.
        await hub.InvokeAsync("JoinRound", world.A.RoundId);
        await Scenario.Expect(await Scenario.AnswerAsync(app, world.A.Participants[2].Token, world.A.RoundId, new { itemId = world.A.ItemIds[0], value = 3 }), HttpStatusCode.Created);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var push = await pushes.Reader.ReadAsync(cts.Token);
        Assert.Equal(world.A.RoundId, push.GetProperty("roundId").GetInt64());
    }

    [Fact]
    public async Task Hostile_form_posts_to_every_page_are_refused_and_change_nothing()
    {
        var cast = await TrustCast.CreateAsync(app);
        var world = await cast.NewWorldAsync();
        var forms = TrustRoutes.All(app.Services).Where(r => r.FormPost).ToList();
        Assert.NotEmpty(forms);
        using var watch = new DatabaseWatch(app.DatabasePath);
        var failures = new List<string>();
        var tried = 0;
        foreach (var route in forms)
        {
            var access = AccessRules.Of(route.Key);
            var client = world.Clients[access switch
            {
                Access.AnyParticipant or Access.OwnParticipant or Access.Viewer => Role.ParticipantA,
                Access.Public => Role.Anonymous,
                Access.SigningLink => Role.Signatory,
                _ => Role.FacilitatorA,
            }];
            var url = world.Url(route, client);
            var sample = TrustSamples.Form(route.Key, world.A) ?? throw new Xunit.Sdk.XunitException($"{route.Key}: add a sample to TrustSamples.Form");
            var token = await client.AntiforgeryAsync() ?? "";
            var page = route.Endpoint.Metadata.GetMetadata<CompiledPageActionDescriptor>()!;
            if (route.Endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.IgnoreAntiforgeryTokenAttribute>() is not null)
            {
                // Not a form (the error page, which status code pages re-execute with the original method): it must change nothing.
                tried++;
                var look = watch.Look();
                using var response = await client.Http.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string>(sample) { ["Junk"] = new string('a', 100_000) }));
                if ((int)response.StatusCode >= 500 || watch.Changed(look) is not null) failures.Add($"{route.Key}: {(int)response.StatusCode} or the database changed");
                continue;
            }
            var attacks = new List<(string Name, Dictionary<string, string> Form, bool MustBe4xx)>
            {
                ("no anti-forgery token", new Dictionary<string, string>(sample), true),
                ("a forged anti-forgery token", new Dictionary<string, string>(sample) { ["__RequestVerificationToken"] = "CfDJ8forged" }, true),
                ("2 MB in a field", new Dictionary<string, string>(sample) { ["__RequestVerificationToken"] = token, ["Padding"] = new string('a', 2 * HostileRequests.OneMegabyte) }, true),
            };
            // Every value the page binds (properties and handler parameters), given junk.
            var handler = page.HandlerMethods.FirstOrDefault(h => h.HttpMethod == "Post" && h.Name == route.Handler);
            var bound = page.BoundProperties.Select(p => (p.Name, p.ParameterType))
                .Concat(handler?.Parameters.Select(p => (p.Name, p.ParameterType)) ?? []);
            var types = bound.GroupBy(b => b.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().ParameterType, StringComparer.OrdinalIgnoreCase);
            foreach (var field in sample.Keys)
            {
                var t = types.TryGetValue(field, out var type) ? Nullable.GetUnderlyingType(type) ?? type : typeof(string);
                // Text: far longer than any field may be. Anything else: values that do not parse or make no sense.
                var junks = t == typeof(string) ? [new string('a', 100_000)] : new[] { "abc", "99999999999999999999", "1e400", "NaN", "-1" };
                foreach (var junk in junks)
                {
                    // -1 parses: a handler may treat it as "no such thing" and change nothing (a 3xx is fine then).
                    attacks.Add(($"{field} = {(junk.Length > 20 ? junk.Length + " characters" : junk)}",
                        new Dictionary<string, string>(sample) { [field] = junk, ["__RequestVerificationToken"] = token }, junk != "-1"));
                }
            }
            foreach (var (name, form, mustBe4xx) in attacks)
            {
                tried++;
                var before = watch.Look();
                using var response = await client.Http.PostAsync(url, new FormUrlEncodedContent(form));
                var status = (int)response.StatusCode;
                if (status >= 500 || mustBe4xx && status < 400) failures.Add($"{route.Key} [{name}]: {status} {response.Headers.Location}");
                if (watch.Changed(before) is { } change) failures.Add($"{route.Key} [{name}]: the database changed: {change}");
            }
        }
        output.WriteLine($"Hostile form posts: {tried} tried on {forms.Count} form handlers, {tried - failures.Count} refused and nothing changed " +
                         "(4xx; an id that parses but names nothing may also end in a redirect), none answered 500.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Free_text_with_script_and_sql_is_stored_as_written_and_shown_encoded_on_every_page()
    {
        // Direction overrides and zero-width characters have their own rule (DisplaySpoofingTests).
        const string hostile = "<script>alert('x')</script> '; DROP TABLE answers; -- \"quoted\" & <b>bold</b> evil 🥶";
        var cast = await TrustCast.CreateAsync(app);
        using var api = cast.Api(cast.A);
        var study = await Scenario.Expect(await api.PostJsonAsync("/api/v1/studies", new
        {
            title = hostile, question = hostile, organiser = hostile, groups = new[] { new { name = hostile, nameEn = hostile } },
        }), HttpStatusCode.Created);
        var studyId = study.GetProperty("id").GetInt64();
        var slug = study.GetProperty("groups")[0].GetProperty("slug").GetString();
        var p = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/participants", new { group = slug, name = hostile, email = "x@example.org" }), HttpStatusCode.Created);
        var p2 = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/participants", new { group = slug, name = hostile }), HttpStatusCode.Created);
        var item = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/items", new
        {
            kind = "rating", text = new { nl = hostile, en = hostile }, scale = new { min = 1, max = 5 },
            labels = new Dictionary<string, object> { ["1"] = new { nl = hostile, en = hostile } },
        }), HttpStatusCode.Created);
        var itemId = item.GetProperty("id").GetInt64();
        var round = await Scenario.Expect(await api.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { }), HttpStatusCode.Created);
        var roundId = round.GetProperty("id").GetInt64();
        await Scenario.Expect(await api.PostAsync($"/api/v1/rounds/{roundId}/open", null), HttpStatusCode.OK);
        var token = p.GetProperty("token").GetString()!;
        // The rationale names its author (the same text is their name and group): published anyway, as the warning allows.
        await Scenario.Expect(await Scenario.AnswerAsync(app, token, roundId, new { itemId, value = 4, rationale = hostile, publishAnyway = true }), HttpStatusCode.Created);
        // And through the form.
        var browser = cast.Client(("delphi.participant", await cast.ParticipantCookieAsync(p2.GetProperty("token").GetString()!)));
        var form = await browser.GetStringAsync("/p");
        var posted = await browser.PostAsync("/p?handler=Answer", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ItemId"] = itemId.ToString(), ["Value"] = "2", ["Rationale"] = hostile, ["PublishAnyway"] = "true", ["__RequestVerificationToken"] = TrustCast.Antiforgery(form)!,
        }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);

        // Stored exactly as written.
        foreach (var sql in new[]
                 {
                     $"SELECT COUNT(*) FROM studies WHERE id = {studyId} AND title = @h AND question = @h AND organiser = @h",
                     $"SELECT COUNT(*) FROM stakeholder_groups WHERE study_id = {studyId} AND name_nl = @h AND name_en = @h",
                     $"SELECT COUNT(*) FROM participant_identities i JOIN participants p ON p.id = i.participant_id WHERE p.study_id = {studyId} AND i.name = @h",
                     $"SELECT COUNT(*) FROM items WHERE id = {itemId} AND text_nl = @h AND text_en = @h AND labels_json LIKE '%DROP TABLE%'",
                     $"SELECT COUNT(*) FROM answers WHERE round_id = {roundId} AND rationale = @h",
                 })
        {
            using var c = DatabaseDump.Open(app.DatabasePath);
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            var parameter = cmd.CreateParameter();
            parameter.ParameterName = "h";
            parameter.Value = hostile;
            cmd.Parameters.Add(parameter);
            Assert.True(Convert.ToInt64(cmd.ExecuteScalar()) > 0, $"not stored as written: {sql}");
        }
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE round_id = {roundId}"));

        // Shown encoded on every page that can be opened, as the facilitator and as the participant.
        var facilitator = cast.Client((TrustCast.CookieName, cast.A.Cookie));
        var pages = TrustRoutes.All(app.Services).Where(r => r.IsPage && r.Method == "GET").ToList();
        var shown = new List<string>();
        foreach (var route in pages)
        {
            var url = TrustRoutes.Url(route.Route, n => n switch
            {
                "studyId" => studyId.ToString(),
                "participantId" => p.GetProperty("id").GetInt64().ToString(),
                "token" => "dlp_" + new string('Z', 43),
                _ => TrustWorld.RouteValue(n, new StudyData(studyId, roundId, [itemId], [], [], [])),
            });
            foreach (var who in new[] { facilitator, browser })
            {
                using var response = await who.GetAsync(url);
                var html = await response.Content.ReadAsStringAsync();
                Assert.DoesNotContain("<script>alert(", html);
                Assert.DoesNotContain("<b>bold</b>", html);
                if (html.Contains("&lt;script&gt;alert(", StringComparison.Ordinal)) shown.Add($"{url} ({(who == facilitator ? "facilitator" : "participant")})");
            }
        }
        output.WriteLine("The hostile text was shown encoded on: " + string.Join(", ", shown));
        foreach (var expected in new[] { "/f (", $"/f/studies/{studyId} (", $"/f/studies/{studyId}/items (", $"/f/studies/{studyId}/panel (", "/p (" })
            Assert.Contains(shown, s => s.StartsWith(expected, StringComparison.Ordinal));

        // The API gives it back exactly, JSON-escaped.
        var back = await Scenario.Expect(await api.GetAsync($"/api/v1/studies/{studyId}"), HttpStatusCode.OK);
        Assert.Equal(hostile, back.GetProperty("title").GetString());
    }

    private static bool NamesField(string text, HostileCase c)
    {
        try
        {
            var body = JsonDocument.Parse(text).RootElement;
            return body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
                && errors.EnumerateObject().All(e => e.Value.ValueKind == JsonValueKind.Array && e.Value.GetArrayLength() > 0 && !string.IsNullOrWhiteSpace(e.Value[0].GetString()))
                && c.NamesTheField(errors.EnumerateObject().Select(e => e.Name));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Excerpt(string body) => body.Length <= 240 ? body : body[..240] + "…";
}
