using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Testing;
using Xunit.Abstractions;

namespace DelphiRounds.Tests.Trust;

/// <summary>
/// A fuzzing run driven by the OpenAPI document (issue 17): for every documented operation, requests built from its
/// schemas — valid ones (the suite's samples and values generated within the documented rules), and broken ones
/// (a required field left out, a wrong type, a text over its length, a value off the list, junk, no body) — with ids of
/// the caller's study, of another study and of nothing, sent with a facilitator's token, a participant's token and none.
/// Every response must be documented (status, media type, schema), no 5xx, every refusal a problem, and no request
/// without the credential its operation requires may succeed.
/// </summary>
public sealed class OpenApiFuzzTests(DelphiApp app, ITestOutputHelper output) : IClassFixture<DelphiApp>
{
    /// <summary>Requests per operation and credential: 46 operations × 3 credentials × 40 ≈ 5,500 requests.</summary>
    private const int PerOperationAndCredential = 40;

    [Fact]
    public async Task Thousands_of_requests_generated_from_the_openapi_document_get_documented_answers_and_no_unauthorised_access()
    {
        var cast = await TrustCast.CreateAsync(app);
        var world = await cast.NewWorldAsync();
        var contract = await app.ContractAsync();
        var credentials = new (string Name, string? Token, string? Scheme)[]
        {
            ("facilitator", world.Clients[Role.FacilitatorA].Bearer, Hosting.OpenApiSetup.FacilitatorToken),
            ("participant", world.A.Participants[0].Token, Hosting.OpenApiSetup.ParticipantToken),
            ("none", null, null),
        };
        // A fixed seed, so a failure can be run again; DELPHI_FUZZ_SEED explores other requests and orders (the seed is printed).
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DELPHI_FUZZ_SEED"), out var chosen) ? chosen : 17;
        var generator = new RequestGenerator(contract, world, seed);
        var cases = new List<FuzzCase>();
        foreach (var (path, method, op) in generator.Operations())
            foreach (var credential in credentials)
                for (var i = 0; i < PerOperationAndCredential; i++)
                    cases.Add(generator.Next(path, method, op, credential.Name, credential.Token, credential.Scheme));
        // Shuffled, so the state changes some requests make (a round closed, a vision frozen) fall between the others.
        var random = new Random(seed);
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(cases));

        using var client = cast.Client();
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var byCredential = new Dictionary<string, int>();
        var (serverErrors, unauthorised, notProblems) = (0, 0, 0);
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (c, ct) =>
        {
            using var request = c.Request();
            using var response = await client.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            var media = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStringAsync(ct);
            var problems = contract.Check(c.Operation, status, media, body).ToList();
            // No unauthorised access: without a credential the operation accepts, nothing but a refusal.
            var accepted = c.Schemes.Count == 0 || c.Scheme is not null && c.Schemes.Contains(c.Scheme);
            var denied = !accepted && status is >= 200 and < 400;
            // Another study's ids with one's own credential: never a success (public routes excepted: anyone may read a ledger).
            var foreign = c.Foreign && c.Schemes.Count > 0 && status is >= 200 and < 300;
            if (denied) problems.Add($"{status} without a credential the operation accepts ({c.Credential})");
            if (foreign) problems.Add($"{status} for another study's ids");
            // Before any credential is looked at, routing refuses an id its constraint does not take (404) and a body that is
            // not JSON (415): refusals that reveal nothing but that the route exists.
            if (!accepted && status is not (401 or 403 or 429 or 415) && !(c.Unroutable && status == 404)) problems.Add($"{status} where 401 or 403 was due ({c.Credential})");
            lock (failures)
            {
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                byCredential[c.Credential] = byCredential.GetValueOrDefault(c.Credential) + 1;
                if (status >= 500) serverErrors++;
                if (denied || foreign) unauthorised++;
                if (status >= 400 && media != "application/problem+json") notProblems++;
                foreach (var p in problems) failures.Add($"{c}: {p} — {Excerpt(body)}");
            }
        });
        watch.Stop();

        output.WriteLine($"OpenAPI fuzz (seed {seed}): {cases.Count} requests in {watch.Elapsed.TotalSeconds:0.0} s over {cases.Select(c => c.Key).Distinct().Count()} operations " +
                         $"({string.Join(", ", byCredential.OrderBy(k => k.Key).Select(k => $"{k.Value} {k.Key}"))}); " +
                         $"{serverErrors} server errors, {unauthorised} unauthorised successes, {notProblems} refusals that are not problems, {failures.Count} contract failures.");
        output.WriteLine("  statuses: " + string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
        output.WriteLine("  kinds: " + string.Join(", ", cases.GroupBy(c => c.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} responses break the contract:\n" + string.Join("\n", failures.Distinct().Take(60)));
        Assert.True(cases.Count >= 5000, $"only {cases.Count} requests");
        Assert.Equal(0, serverErrors);
        Assert.Equal(0, unauthorised);
        // Valid requests got through: the run is not all refusals.
        Assert.True(statuses.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value) >= 500,
            "fewer than 500 requests succeeded: the generator no longer builds valid requests from the document");
        // Issue 17 asks for under two minutes on two cores: the time is printed above (and in the README's table),
        // not asserted — a timed assertion fails on a busy machine, not on a slow fuzzer.
    }

    [Fact]
    public async Task The_contract_check_finds_an_undocumented_status_a_broken_body_and_a_refusal_that_is_not_a_problem()
    {
        var contract = await app.ContractAsync();
        var op = contract.Operation("GET", "/api/v1/studies/{studyId:long}")!.Value;
        Assert.Contains(contract.Check(op, 418, "application/problem+json", """{"status":418}"""), p => p.Contains("not documented"));
        Assert.Contains(contract.Check(op, 500, "application/problem+json", """{"status":500}"""), p => p.Contains("server error"));
        Assert.Contains(contract.Check(op, 404, "text/html", "<p>no</p>"), p => p.Contains("not application/problem+json"));
        Assert.Contains(contract.Check(op, 404, "application/problem+json", """{"type":"x","title":"t","status":404}"""), p => p.Contains("errors"));
        Assert.Contains(contract.Check(op, 200, "application/json", """{"id":"seven"}"""), p => p.Contains("$.id"));
        Assert.Contains(contract.Check(op, 200, "application/json", """{"id":1,"title":"t","surprise":true}"""), p => p.Contains("surprise"));
        // A real response of that operation passes.
        var (_, token, _, _) = await app.FacilitatorAsync();
        using var api = app.Client(token);
        var created = await Scenario.Expect(await api.PostJsonAsync("/api/v1/studies", new { title = "Contract", question = "Hoe?", organiser = "Gemeente", groups = new[] { new { name = "Bewoners" } } }), HttpStatusCode.Created);
        using var response = await api.GetAsync($"/api/v1/studies/{created.GetProperty("id").GetInt64()}");
        Assert.Empty(contract.Check(op, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync()));
        // And the recorder saw it, with the route it matched.
        Assert.Contains(app.Recorder.Responses, r => r.RoutePattern.StartsWith("/api/v1/studies/{studyId", StringComparison.Ordinal) && r.Status == 200);
        Assert.Empty(await app.ContractViolationsAsync());
    }

    private static string Excerpt(string text) => text.Length > 160 ? text[..160] + "…" : text;
}

/// <summary>One generated request.</summary>
public sealed record FuzzCase(
    string Key, string Kind, string Method, string Url, string? Body, string? ContentType, IReadOnlyDictionary<string, string> Headers,
    string Credential, string? Token, string? Scheme, IReadOnlyList<string> Schemes, bool Foreign, JsonElement Operation)
{
    /// <summary>An id in the address that the route's constraint does not take (no route matches: 404).</summary>
    public bool Unroutable { get; init; }

    public HttpRequestMessage Request()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Url);
        if (Body is not null) request.Content = new StringContent(Body, Encoding.UTF8, ContentType ?? "application/json");
        if (Token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        foreach (var (k, v) in Headers) request.Headers.TryAddWithoutValidation(k, v);
        return request;
    }

    public override string ToString() => $"{Method} {Url} [{Kind}, {Credential}]" + (Body is { Length: > 0 } b ? " " + (b.Length > 200 ? b[..200] + "…" : b) : "");
}

/// <summary>Builds requests from the document's parameters and request schemas, with the ids of a <see cref="TrustWorld"/>.</summary>
public sealed class RequestGenerator(OpenApiContract contract, TrustWorld world, int seed)
{
    private readonly Random _random = new(seed);

    public IEnumerable<(string Path, string Method, JsonElement Operation)> Operations()
    {
        foreach (var path in contract.Document.GetProperty("paths").EnumerateObject())
            foreach (var op in path.Value.EnumerateObject())
                if (op.Name is "get" or "post" or "put" or "delete" or "patch")
                    yield return (path.Name, op.Name.ToUpperInvariant(), op.Value);
    }

    public FuzzCase Next(string path, string method, JsonElement op, string credential, string? token, string? scheme)
    {
        var key = $"{method} {path}";
        var foreign = false;
        var unroutable = false;
        var headers = new Dictionary<string, string>();
        var query = new List<string>();
        var url = path;
        foreach (var p in op.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray() : Enumerable.Empty<JsonElement>())
        {
            var name = p.GetProperty("name").GetString()!;
            var where = p.GetProperty("in").GetString();
            var schema = p.TryGetProperty("schema", out var s) ? contract.Resolve(s) : default;
            string? value;
            if (where == "path")
            {
                var roll = _random.NextDouble();
                var own = TrustWorld.RouteValue(name, world.A, path);
                var other = TrustWorld.RouteValue(name, world.B, path);
                if (roll < 0.6 && own is not null) value = own;
                else if (roll < 0.75 && other is not null && other != own) { value = other; foreign = true; }
                else value = Pick("987654321", "0", "-1", "9223372036854775807", "abc", "1.5", "99999999999999999999");
                // A value the route's constraint does not take: no route matches, so 404 before any credential is looked at.
                unroutable |= Type(schema) is "integer" && (schema.TryGetProperty("format", out var fmt) && fmt.GetString() == "int32" ? !int.TryParse(value, out _) : !long.TryParse(value, out _));
                url = url.Replace("{" + name + "}", Uri.EscapeDataString(value));
                continue;
            }
            value = _random.NextDouble() < 0.7 ? Scalar(schema, name, valid: true) : Pick("", "x", new string('k', 300), "a b;c", "%00", "../..");
            if (value is null) continue;
            if (where == "header") headers[name] = value;
            else if (where == "query") query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
        }
        if (query.Count > 0) url += "?" + string.Join("&", query);

        string? body = null, contentType = null, kind = "no body";
        if (op.TryGetProperty("requestBody", out var requestBody))
        {
            var schema = requestBody.GetProperty("content").EnumerateObject().First().Value.GetProperty("schema");
            var samples = TrustSamples.JsonAll(key, world.A);
            var roll = _random.NextDouble();
            JsonNode? node;
            if (roll < 0.3 && samples.Count > 0)
            {
                kind = "sample";
                node = JsonSerializer.SerializeToNode(samples[_random.Next(samples.Count)].Body, Json.Web);
            }
            else if (roll < 0.65)
            {
                kind = "generated";
                node = Generate(schema, "", 0, valid: true);
            }
            else
            {
                kind = "broken";
                node = samples.Count > 0 && _random.NextDouble() < 0.5
                    ? JsonSerializer.SerializeToNode(samples[_random.Next(samples.Count)].Body, Json.Web)
                    : Generate(schema, "", 0, valid: true);
                (node, kind) = Break(node, schema);
            }
            contentType = kind == "broken: content type" ? "text/plain" : "application/json";
            body = kind switch
            {
                "broken: not json" => Pick("{", "{\"a\":", "nul", "[1,2", "\"x\"\"", "{'single': 1}"),
                "broken: no body" => null,
                _ => node?.ToJsonString() ?? "null",
            };
        }
        return new FuzzCase(key, kind, method, url, body, contentType, headers, credential, token, scheme, OpenApiContract.Schemes(op), foreign, op) { Unroutable = unroutable };
    }

    /// <summary>A value for <paramref name="schema"/>; with <paramref name="valid"/>, within its documented rules.</summary>
    private JsonNode? Generate(JsonElement schema, string name, int depth, bool valid)
    {
        schema = contract.Resolve(schema);
        if (depth > 6) return null;
        if (schema.TryGetProperty("allOf", out var allOf)) return Generate(Merge(allOf), name, depth + 1, valid);
        if (schema.TryGetProperty("oneOf", out var oneOf) || schema.TryGetProperty("anyOf", out oneOf))
        {
            var options = oneOf.EnumerateArray().Where(o => !IsNull(o)).ToList();
            return options.Count == 0 || _random.NextDouble() < 0.05 ? null : Generate(options[_random.Next(options.Count)], name, depth + 1, valid);
        }
        if (schema.TryGetProperty("enum", out var e))
        {
            var values = e.EnumerateArray().ToList();
            return JsonNode.Parse(values[_random.Next(values.Count)].GetRawText());
        }
        var type = Type(schema);
        switch (type)
        {
            case "object":
                var obj = new JsonObject();
                var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet() : [];
                if (schema.TryGetProperty("properties", out var props))
                {
                    foreach (var prop in props.EnumerateObject())
                        if (required.Contains(prop.Name) || _random.NextDouble() < 0.6)
                            obj[prop.Name] = Generate(prop.Value, prop.Name, depth + 1, valid);
                }
                else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
                {
                    var keys = name == "ranks" ? world.A.RankingKeys.ToList() : name == "labels" ? ["1", "2", "5"] : ["a", "b"];
                    foreach (var k in keys.Take(_random.Next(keys.Count + 1)))
                        obj[k] = name == "ranks" ? JsonValue.Create((double)(keys.IndexOf(k) + 1)) : Generate(additional, k, depth + 1, valid);
                }
                return obj;
            case "array":
                var array = new JsonArray();
                var min = schema.TryGetProperty("minItems", out var mi) ? mi.GetInt32() : 0;
                var count = Math.Max(min, _random.Next(4));
                for (var i = 0; i < count; i++)
                    if (schema.TryGetProperty("items", out var items)) array.Add(Generate(items, Singular(name), depth + 1, valid));
                return array;
            default:
                var scalar = Scalar(schema, name, valid);
                if (scalar is null) return null;
                return type switch
                {
                    "integer" => JsonValue.Create(long.Parse(scalar)),
                    "number" => JsonValue.Create(double.Parse(scalar, System.Globalization.CultureInfo.InvariantCulture)),
                    "boolean" => JsonValue.Create(scalar == "true"),
                    _ => JsonValue.Create(scalar),
                };
        }
    }

    /// <summary>The parts of an <c>allOf</c> as one schema: properties merged keyword by keyword, required joined.</summary>
    private JsonElement Merge(JsonElement allOf)
    {
        var merged = new JsonObject();
        foreach (var part in allOf.EnumerateArray().Select(contract.Resolve))
            foreach (var keyword in part.EnumerateObject())
            {
                var node = JsonNode.Parse(keyword.Value.GetRawText());
                if (keyword.Name == "properties" && merged["properties"] is JsonObject properties && node is JsonObject more)
                {
                    foreach (var (name, value) in more.ToList())
                    {
                        more.Remove(name);
                        if (properties[name] is JsonObject existing && value is JsonObject extra)
                            foreach (var (k, v) in extra.ToList()) { extra.Remove(k); existing[k] = v; }
                        else properties[name] = value;
                    }
                }
                else if (keyword.Name == "required" && merged["required"] is JsonArray required && node is JsonArray add)
                {
                    foreach (var r in add.ToList()) { add.Remove(r); if (!required.Any(x => x!.GetValue<string>() == r!.GetValue<string>())) required.Add(r); }
                }
                else if (keyword.Name != "type" || merged["type"] is null) merged[keyword.Name] = node;
            }
        return JsonSerializer.SerializeToElement(merged);
    }

    /// <summary>A scalar as text: ids of study A by the field's name, numbers within minimum/maximum, texts within their lengths.</summary>
    private string? Scalar(JsonElement schema, string name, bool valid)
    {
        if (schema.ValueKind != JsonValueKind.Object) return "x";
        if (schema.TryGetProperty("enum", out var e)) return e.EnumerateArray().ElementAt(_random.Next(e.GetArrayLength())).ToString();
        var a = world.A;
        switch (Type(schema))
        {
            case "integer":
            case "number":
                var ids = name.ToLowerInvariant() switch
                {
                    "itemid" or "itemids" or "item" => a.ItemIds.Concat(a.KindItems.Values).ToList(),
                    "statementid" or "statementids" or "statement" => a.StatementIds.ToList(),
                    "groupid" => a.GroupIds.ToList(),
                    "sourceanswerids" or "sourceanswerid" => [a.ArgumentId],
                    _ => [],
                };
                if (ids.Count > 0 && _random.NextDouble() < 0.85) return ids[_random.Next(ids.Count)].ToString();
                var min = schema.TryGetProperty("minimum", out var mn) ? Number(mn) : schema.TryGetProperty("exclusiveMinimum", out var xmn) ? Number(xmn) + 1 : (double?)null;
                var max = schema.TryGetProperty("maximum", out var mx) ? Number(mx) : schema.TryGetProperty("exclusiveMaximum", out var xmx) ? Number(xmx) - 1 : (double?)null;
                double v;
                if (min is not null || max is not null)
                {
                    var lo = min ?? max!.Value - 100;
                    var hi = max ?? min!.Value + 100;
                    v = lo + _random.NextDouble() * (hi - lo);
                }
                else v = Pick(1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 0.5, 2030.0, 100.0, -3.0);
                return Type(schema) == "integer" ? Math.Round(v).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            case "boolean":
                return _random.NextDouble() < 0.5 ? "true" : "false";
            default:
                var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
                if (format == "email") return $"fuzz{_random.Next(100000)}@example.org";
                if (format == "date-time") return "2030-01-01T00:00:00Z";
                if (name.Equals("idempotencyKey", StringComparison.OrdinalIgnoreCase) || name.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase))
                    return Guid.NewGuid().ToString("N");
                if (name is "group" or "groups" && a.GroupSlugs.Count > 0) return a.GroupSlugs[_random.Next(a.GroupSlugs.Count)];
                if (name is "key") return Pick("alpha", "beta", "gamma-2");
                var minLength = schema.TryGetProperty("minLength", out var ml) ? ml.GetInt32() : 0;
                var maxLength = schema.TryGetProperty("maxLength", out var xl) ? xl.GetInt32() : 60;
                var length = Math.Clamp(_random.Next(1, 40), Math.Max(1, minLength), Math.Max(1, maxLength));
                var words = new[] { "warmte", "net", "haven", "Bewoners", "2030", "énergie", "koude", "<b>", "'", "\"", "ß", "🙂" };
                var sb = new StringBuilder();
                while (sb.Length < length) sb.Append(words[_random.Next(words.Length)]).Append(' ');
                return sb.ToString()[..length].TrimEnd() is { Length: > 0 } t ? t : "x";
        }
    }

    /// <summary>One way to break a valid body (named for the report).</summary>
    private (JsonNode? Node, string Kind) Break(JsonNode? node, JsonElement schema)
    {
        var roll = _random.Next(9);
        var resolved = contract.Resolve(schema);
        if (node is JsonObject obj && obj.Count > 0 && roll < 6)
        {
            var names = obj.Select(p => p.Key).ToList();
            var name = names[_random.Next(names.Count)];
            switch (roll)
            {
                case 0:
                    var required = resolved.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).Where(obj.ContainsKey).ToList() : [];
                    if (required.Count == 0) goto case 1;
                    obj.Remove(required[_random.Next(required.Count)]);
                    return (obj, "broken: required left out");
                case 1:
                    obj[name] = Pick<JsonNode?>(JsonValue.Create("text"), JsonValue.Create(12345), new JsonArray(), new JsonObject(), JsonValue.Create(true));
                    return (obj, "broken: wrong type");
                case 2:
                    obj[name] = JsonValue.Create(new string('w', 5000));
                    return (obj, "broken: too long");
                case 3:
                    obj[name] = null;
                    return (obj, "broken: null");
                case 4:
                    obj[name] = JsonValue.Create(Pick(1e308, -1e308, 9.2e18, -1.0, 0.0, 1.5));
                    return (obj, "broken: number");
                default:
                    obj[name] = JsonValue.Create(Pick("\u202Egro.kaab", "zzz-not-on-the-list", "", "   ", "<script>alert(1)</script>"));
                    return (obj, "broken: text");
            }
        }
        return roll switch
        {
            6 => (null, "broken: not json"),
            7 => (null, "broken: no body"),
            _ => (node, "broken: content type"),
        };
    }

    private static bool IsNull(JsonElement s) => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null";

    private static string? Type(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var t)) return schema.TryGetProperty("properties", out _) ? "object" : null;
        return t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()).FirstOrDefault(x => x != "null") : t.GetString();
    }

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static string Singular(string name) => name.EndsWith("Ids", StringComparison.Ordinal) ? name[..^1] : name.TrimEnd('s');

    private T Pick<T>(params T[] values) => values[_random.Next(values.Length)];
}
