using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Trust;

/// <summary>One generated hostile request and what a correct refusal of it looks like.</summary>
/// <param name="Category">Kind of attack, for the report (wrong type, deep JSON, foreign id, …).</param>
/// <param name="Name">What exactly was sent.</param>
/// <param name="Field">The field the problem's <c>errors</c> must name (a JSON path, a header, <c>path</c>, <c>body</c>…); null: any field.</param>
/// <param name="Statuses">Acceptable statuses; empty: any 4xx.</param>
public sealed record HostileCase(
    string Category, string Name, string Method, string Url, Func<HttpContent?> Content, string? Authorization,
    IReadOnlyDictionary<string, string> Headers, string? Field, int[] Statuses)
{
    public HttpRequestMessage Request()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Url) { Content = Content() };
        if (Authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        foreach (var (k, v) in Headers) request.Headers.TryAddWithoutValidation(k, v);
        return request;
    }

    /// <summary>True when the problem's errors name <see cref="Field"/> (or a part of it: <c>scale</c> for <c>scale.min</c>).</summary>
    public bool NamesTheField(IEnumerable<string> keys) => Field is null
        ? keys.Any()
        : keys.Any(k => string.Equals(k, Field, StringComparison.OrdinalIgnoreCase)
                        || Field.StartsWith(k + ".", StringComparison.OrdinalIgnoreCase)
                        || Field.StartsWith(k + "[", StringComparison.OrdinalIgnoreCase)
                        || k.StartsWith(Field + ".", StringComparison.OrdinalIgnoreCase)
                        || k.StartsWith(Field + "[", StringComparison.OrdinalIgnoreCase));

    public override string ToString() => $"{Method} {Url} [{Category}: {Name}]";
}

/// <summary>
/// Generates hostile requests from the OpenAPI document: for every operation, body-level attacks (not
/// JSON, deep nesting, 1 MB, invalid UTF-8, wrong content type…), per-property attacks found by walking
/// the request schema (wrong types, NaN and Infinity, overflow, out-of-range, too long), header and path
/// attacks (other studies' ids, ids that do not exist or do not parse) and credential attacks (none,
/// revoked, foreign, forged, the wrong kind of person). Operations added later are covered as they appear.
/// </summary>
public static class HostileRequests
{
    private const string Hole = "__HOSTILE__";
    /// <summary>Longer than any text field may be (the longest, a vision's introduction, takes 20,000), well within the 64 KB body limit.</summary>
    public const int TooLong = 25_000;
    /// <summary>A megabyte as people count it (10^6 bytes).</summary>
    public const int OneMegabyte = 1_000_000;

    public static IReadOnlyList<HostileCase> From(JsonElement openApi, TrustWorld world)
    {
        var cases = new List<HostileCase>();
        foreach (var path in openApi.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                var method = op.Name.ToUpperInvariant();
                if (method is not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE")) continue;
                cases.AddRange(ForOperation(openApi, world, path.Name, method, op.Value));
            }
            cases.Add(Case("method", "PATCH, which no route takes", "PATCH", Url(path.Name, world), () => Json("{}"), Owner(world, path.Name, openApi), "method", [405]));
        }
        return cases;
    }

    private static string? Owner(TrustWorld world, string path, JsonElement openApi)
    {
        var op = openApi.GetProperty("paths").GetProperty(path).EnumerateObject().First();
        return Credential(world, $"{op.Name.ToUpperInvariant()} {path}");
    }

    /// <summary>The credential of the person the route is for (from the access rules).</summary>
    private static string? Credential(TrustWorld world, string key) => AccessRules.Of(key) switch
    {
        Access.Public or Access.SigningLink => null, // a signing link carries its credential in the address
        Access.AnyFacilitator or Access.OwnerFacilitator => "Bearer " + world.Clients[Role.FacilitatorA].Bearer,
        _ => "Bearer " + world.Clients[Role.ParticipantA].Bearer,
    };

    private static string Url(string path, TrustWorld world, string? param = null, string? value = null) =>
        TrustRoutes.Url(path, n => n == param ? value : TrustWorld.RouteValue(n, world.A, path));

    private static IEnumerable<HostileCase> ForOperation(JsonElement doc, TrustWorld world, string path, string method, JsonElement op)
    {
        var key = $"{method} {path}";
        var auth = Credential(world, key);
        var access = AccessRules.Of(key);
        var url = Url(path, world);
        // A JSON body gets the body and property attacks; a CSV upload (text/csv, issue 21) gets the path and credential ones.
        var hasBody = op.TryGetProperty("requestBody", out var requestBody) && requestBody.GetProperty("content").TryGetProperty("application/json", out _);
        string? sample = null;
        var samples = new List<(string Name, string Json)>();
        if (hasBody)
        {
            samples = TrustSamples.JsonAll(key, world.A).Select(x => (x.Name, JsonSerializer.Serialize(x.Body, Testing.Json.Web))).ToList();
            if (samples.Count == 0) throw new Xunit.Sdk.XunitException($"{key} takes a JSON body but has no sample: add one to TrustSamples.Json.");
            sample = samples[0].Json;
        }
        Func<HttpContent?> valid = () => sample is null ? null : Json(sample);

        // The body as a whole.
        if (sample is not null)
        {
            yield return Case("not JSON", "plain words", method, url, () => Json("not json at all"), auth, "body", [400]);
            yield return Case("not JSON", "empty body", method, url, () => Json(""), auth, "body", [400]);
            yield return Case("not JSON", "null", method, url, () => Json("null"), auth, "body", [400]);
            yield return Case("not JSON", "an array instead of an object", method, url, () => Json("[]"), auth, "body", [400]);
            yield return Case("not JSON", "a string instead of an object", method, url, () => Json("\"x\""), auth, "body", [400]);
            yield return Case("not JSON", "a number instead of an object", method, url, () => Json("42"), auth, "body", [400]);
            yield return Case("not JSON", "cut off halfway", method, url, () => Json(sample[..(sample.Length / 2)]), auth, null, [400]);
            yield return Case("not JSON", "trailing garbage", method, url, () => Json(sample + " x"), auth, "body", [400]);
            yield return Case("not JSON", "a comment", method, url, () => Json("/* hi */" + sample), auth, "body", [400]);
            yield return Case("not JSON", "single quotes", method, url, () => Json(sample.Replace('"', '\'')), auth, null, [400]);
            yield return Case("deep JSON", "arrays nested 1000 deep", method, url, () => Json(new string('[', 1000) + new string(']', 1000)), auth, "body", [400]);
            yield return Case("deep JSON", "objects nested 1000 deep under an unknown property", method, url,
                () => Json("{\"deep\":" + string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000) + "," + sample[1..]), auth, null, [400]);
            yield return Case("deep JSON", "arrays nested 1000 deep under an unknown property", method, url,
                () => Json("{\"deep\":" + new string('[', 1000) + new string(']', 1000) + "," + sample[1..]), auth, null, [400]);
            yield return Case("huge body", "1 MB with its length declared", method, url, () => Json(Padded(sample, OneMegabyte)), auth, "body", [413]);
            yield return Case("huge body", "1 MB sent in chunks, no length", method, url, () =>
            {
                var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(Padded(sample, OneMegabyte))));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return content;
            }, auth, "body", [413]);
            yield return Case("content type", "text/plain", method, url, () => new StringContent(sample, Encoding.UTF8, "text/plain"), auth, "Content-Type", [415]);
            yield return Case("content type", "a form", method, url, () => new StringContent("a=1", Encoding.UTF8, "application/x-www-form-urlencoded"), auth, "Content-Type", [415]);
            yield return Case("content type", "none", method, url, () => new ByteArrayContent(Encoding.UTF8.GetBytes(sample)), auth, "Content-Type", [415]);
        }

        // Every property of the request schema, in every sample shape (an item of each kind, an answer to each kind of item…).
        if (sample is not null && requestBody.GetProperty("content").TryGetProperty("application/json", out var media))
        {
            foreach (var (shape, json) in samples)
            {
                var label = samples.Count > 1 ? $" ({shape})" : "";
                foreach (var prop in Walk(doc, media.GetProperty("schema"), "", 0))
                {
                    foreach (var (category, name, raw, field) in Attacks(prop))
                    {
                        if (TrustSamples.Valid(key, shape, prop.Path, raw)) continue;
                        var text = Mutate(json, prop.Path, raw);
                        if (text is null) continue;
                        yield return Case(category, $"{prop.Path} = {Shorten(name)}{label}", method, url, () => JsonBytes(text), auth, field ?? prop.Path, []);
                    }
                    if (prop.Types.Contains("string"))
                    {
                        var invalid = MutateBytes(json, prop.Path);
                        if (invalid is not null)
                            yield return Case("invalid UTF-8", $"{prop.Path} with bytes FF FE{label}", method, url, () => RawJson(invalid), auth, prop.Path, [400]);
                    }
                }
            }
        }

        // Headers the operation reads.
        if (op.TryGetProperty("parameters", out var parameters))
        {
            foreach (var header in parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header"))
            {
                var name = header.GetProperty("name").GetString()!;
                foreach (var (label, value) in new[]
                         {
                             ("spaces and quotes", "key with ' spaces"), ("5000 characters", new string('k', 5000)),
                             ("SQL", "1;DROP TABLE answers"), ("differs from the body's key", "another-key-" + Guid.NewGuid().ToString("N")),
                         })
                {
                    yield return Case("header", $"{name}: {label}", method, url, valid, auth, name, [400], new Dictionary<string, string> { [name] = value });
                }
            }
        }

        // Ids in the address: another study's, one that does not exist, one that does not parse.
        foreach (var param in TrustRoutes.ParameterNames(path))
        {
            // Another study's id, where it is one: public addresses may name any study, and a version number is per study.
            var foreign = TrustWorld.RouteValue(param, world.B, path)!;
            if (access != Access.Public && foreign != TrustWorld.RouteValue(param, world.A, path))
                yield return Case("other study's id", $"{param} of study B", method, Url(path, world, param, foreign), valid, auth, param, [403, 404]);
            if (!long.TryParse(TrustWorld.RouteValue(param, world.A, path), out _))
            {
                // A name, not an id (a data file's): names that are none, a path out of the folder, SQL, a script.
                foreach (var (label, bad) in new[]
                         {
                             ("a name that is none", "passwords.csv"), ("another extension", "answers.xml"), ("no extension", "answers"),
                             ("a path out of the folder", "../../appsettings.json"), ("SQL", "answers.csv' OR '1'='1"), ("a script", "<script>alert(1)</script>.csv"),
                         })
                    yield return Case("unknown name", $"{param} = {label}", method, Url(path, world, param, bad), valid, auth, param, [404]);
                continue;
            }
            yield return Case("unknown id", $"{param} = 987654321", method, Url(path, world, param, "987654321"), valid, auth, param, [404]);
            yield return Case("unknown id", $"{param} = -1", method, Url(path, world, param, "-1"), valid, auth, param, [404]);
            yield return Case("unknown id", $"{param} = 0", method, Url(path, world, param, "0"), valid, auth, param, [404]);
            yield return Case("bad id", $"{param} = abc", method, Url(path, world, param, "abc"), valid, auth, "path", [404]);
            yield return Case("bad id", $"{param} overflows a long", method, Url(path, world, param, "99999999999999999999"), valid, auth, "path", [404]);
            yield return Case("bad id", $"{param} = SQL", method, Url(path, world, param, "1' OR '1'='1"), valid, auth, "path", [404]);
        }

        // Credentials.
        if (access != Access.Public)
        {
            var revoked = world.Cast.RevokedToken;
            yield return Case("token", "none", method, url, valid, null, "Authorization", [401]);
            yield return Case("token", "revoked (expired) API token", method, url, valid, "Bearer " + revoked, "Authorization", [401]);
            yield return Case("token", "well-formed but never issued (another installation)", method, url, valid,
                "Bearer " + Kernel.Secrets.NewToken(Kernel.Secrets.FacilitatorTokenPrefix), "Authorization", [401]);
            yield return Case("token", "participant token never issued", method, url, valid,
                "Bearer " + Kernel.Secrets.NewToken(Kernel.Secrets.ParticipantTokenPrefix), "Authorization", [401]);
            yield return Case("token", "SQL in the token", method, url, valid, "Bearer ' OR '1'='1", "Authorization", [401]);
            yield return Case("token", "another scheme (Basic)", method, url, valid, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:admin")), "Authorization", [401]);
            yield return Case("token", "valid token in the query string instead of the header", method,
                url + "?access_token=" + Uri.EscapeDataString(auth![7..]), valid, null, "Authorization", [401]);
            // The other kind of person of the same study.
            var otherKind = access is Access.AnyFacilitator or Access.OwnerFacilitator ? world.Clients[Role.ParticipantA].Bearer : world.Clients[Role.FacilitatorA].Bearer;
            if (access != Access.Viewer)
                yield return Case("token", "the other kind of person (participant ↔ facilitator)", method, url, valid, "Bearer " + otherKind, "Authorization", [403]);
            // The same kind of person of study B.
            if (access is Access.OwnerFacilitator or Access.OwnParticipant or Access.Viewer)
            {
                var b = access == Access.OwnerFacilitator ? world.Clients[Role.FacilitatorB].Bearer : world.Clients[Role.ParticipantB].Bearer;
                yield return Case("token", "the same kind of person of study B", method, url, valid, "Bearer " + b, null, [403, 404]);
            }
        }
    }

    /// <summary>The attacks on one property: (category, what, raw JSON, field expected in errors or null for the property).</summary>
    private static IEnumerable<(string, string, string, string?)> Attacks(SchemaProperty p)
    {
        var t = p.Types;
        var longText = "\"" + new string('a', TooLong) + "\"";
        if (t.Contains("number"))
        {
            foreach (var raw in new[] { "\"abc\"", "true", "{}", "[]", "\"NaN\"", "\"1\"" }) yield return ("wrong type", raw, raw, null);
            foreach (var raw in new[] { "NaN", "Infinity", "-Infinity" }) yield return ("NaN/Infinity", raw, raw, null);
            foreach (var raw in new[] { "1e400", "-1", "1e15" }) yield return ("out of range", raw, raw, null);
        }
        else if (t.Contains("integer"))
        {
            foreach (var raw in new[] { "\"abc\"", "true", "{}", "[]", "\"1\"", "1.5" }) yield return ("wrong type", raw, raw, null);
            foreach (var raw in new[] { "NaN", "Infinity" }) yield return ("NaN/Infinity", raw, raw, null);
            foreach (var raw in new[] { "99999999999999999999", "-1", "2147483648" }) yield return ("out of range", raw, raw, null);
        }
        else if (t.Contains("string"))
        {
            foreach (var raw in new[] { "123", "true", "{}", "[]" }) yield return ("wrong type", raw, raw, null);
            yield return ("too long", $"{TooLong} characters", longText, null);
            yield return ("invalid UTF-16", "a lone surrogate \\ud800", "\"\\ud800 x\"", null);
        }
        else if (t.Contains("boolean"))
        {
            foreach (var raw in new[] { "\"true\"", "1", "{}" }) yield return ("wrong type", raw, raw, null);
            if (!p.Nullable) yield return ("wrong type", "null", "null", null);
        }
        else if (t.Contains("object"))
        {
            foreach (var raw in new[] { "\"x\"", "1", "[]", "true" }) yield return ("wrong type", raw, raw, null);
        }
        else if (t.Contains("array"))
        {
            foreach (var raw in new[] { "\"x\"", "1", "{}", "true" }) yield return ("wrong type", raw, raw, null);
        }
        if (!p.Nullable && !t.Contains("boolean")) yield return ("wrong type", "null where a value is required", "null", null);
    }

    /// <summary>A property of a request schema: its JSON path, types (without null) and whether null is allowed.</summary>
    public sealed record SchemaProperty(string Path, IReadOnlyList<string> Types, bool Nullable);

    private static IEnumerable<SchemaProperty> Walk(JsonElement doc, JsonElement schema, string path, int depth)
    {
        var (resolved, nullable) = Resolve(doc, schema);
        var types = new List<string>();
        if (resolved.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String) types.Add(type.GetString()!);
            else foreach (var x in type.EnumerateArray()) types.Add(x.GetString()!);
        }
        else if (resolved.TryGetProperty("properties", out _)) types.Add("object");
        if (types.Remove("null")) nullable = true;
        if (path.Length > 0) yield return new SchemaProperty(path, types, nullable);
        if (depth >= 3) yield break;
        if (resolved.TryGetProperty("properties", out var properties))
            foreach (var p in properties.EnumerateObject())
                foreach (var child in Walk(doc, p.Value, path.Length == 0 ? p.Name : path + "." + p.Name, depth + 1))
                    yield return child;
        if (types.Contains("array") && resolved.TryGetProperty("items", out var items))
            foreach (var child in Walk(doc, items, path + "[0]", depth + 1))
                yield return child;
    }

    /// <summary>Follows <c>$ref</c> and <c>oneOf: [null, {$ref}]</c>.</summary>
    private static (JsonElement Schema, bool Nullable) Resolve(JsonElement doc, JsonElement schema)
    {
        var nullable = false;
        for (var i = 0; i < 10; i++)
        {
            if (schema.TryGetProperty("$ref", out var r))
            {
                var name = r.GetString()!.Split('/').Last();
                schema = doc.GetProperty("components").GetProperty("schemas").GetProperty(name);
                continue;
            }
            if (schema.TryGetProperty("oneOf", out var oneOf) || schema.TryGetProperty("anyOf", out oneOf))
            {
                var options = oneOf.EnumerateArray().ToList();
                if (options.Any(o => o.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null")) nullable = true;
                var real = options.FirstOrDefault(o => !(o.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null"));
                if (real.ValueKind == JsonValueKind.Undefined) break;
                schema = real;
                continue;
            }
            break;
        }
        return (schema, nullable);
    }

    /// <summary>The sample with the value at <paramref name="path"/> replaced by raw JSON text; null when the path is not in the sample.</summary>
    public static string? Mutate(string sample, string path, string raw)
    {
        var root = JsonNode.Parse(sample)!;
        if (!Set(root, path, JsonValue.Create(Hole))) return null;
        return root.ToJsonString().Replace("\"" + Hole + "\"", raw);
    }

    private static byte[]? MutateBytes(string sample, string path)
    {
        var text = Mutate(sample, path, "\"" + Hole + "\"");
        if (text is null) return null;
        var bytes = Encoding.UTF8.GetBytes(text);
        var hole = Encoding.UTF8.GetBytes(Hole);
        var at = bytes.AsSpan().IndexOf(hole);
        return [.. bytes[..at], 0xFF, 0xFE, (byte)'x', .. bytes[(at + hole.Length)..]];
    }

    private static bool Set(JsonNode root, string path, JsonNode value)
    {
        var parts = path.Replace("[", ".[").Split('.', StringSplitOptions.RemoveEmptyEntries);
        JsonNode? node = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var last = i == parts.Length - 1;
            var part = parts[i];
            if (part.StartsWith('['))
            {
                var index = int.Parse(part.Trim('[', ']'));
                if (node is not JsonArray array || array.Count <= index) return false;
                if (last) { array[index] = value; return true; }
                node = array[index];
            }
            else
            {
                // Only a property the sample has: a property of another shape (a unit on a rating item) is mutated in that shape's sample.
                if (node is not JsonObject obj || !obj.ContainsKey(part)) return false;
                if (last) { obj[part] = value; return true; }
                if (obj[part] is null) return false;
                node = obj[part];
            }
        }
        return false;
    }

    private static HostileCase Case(string category, string name, string method, string url, Func<HttpContent?> content, string? auth,
        string? field, int[] statuses, IReadOnlyDictionary<string, string>? headers = null) =>
        new(category, name, method, url, content, auth, headers ?? new Dictionary<string, string>(), field, statuses);

    private static HttpContent Json(string text) => new StringContent(text, Encoding.UTF8, "application/json");
    private static HttpContent JsonBytes(string text) => RawJson(Encoding.UTF8.GetBytes(text));

    private static HttpContent RawJson(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>The sample with an unknown property that makes it exactly <paramref name="size"/> bytes.</summary>
    public static string Padded(string sample, int size) =>
        "{\"padding\":\"" + new string('a', size - sample.Length - "{\"padding\":\"\",".Length + 1) + "\"," + sample[1..];

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";

    /// <summary>A stream without a length, so the body goes out chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
