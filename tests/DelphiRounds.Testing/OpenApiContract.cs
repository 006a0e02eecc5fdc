using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DelphiRounds.Testing;

/// <summary>
/// The API's own OpenAPI document as a contract: finds the operation of a request and says what in a real response
/// breaks it — a status the operation does not document, a media type it does not document, a refusal that is not
/// an RFC 9457 problem, or a body that does not match the documented schema. The schema check covers the JSON Schema
/// the document uses ($ref, type, properties, required, additionalProperties, items, oneOf/anyOf/allOf, enum, const,
/// minLength/maxLength, minimum/maximum, pattern, minItems/maxItems).
/// </summary>
public sealed partial class OpenApiContract(JsonElement document)
{
    public JsonElement Document { get; } = document.Clone();

    [GeneratedRegex(@"\{\**([A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    /// <summary><c>/api/v1/studies/{studyId:long}/items/</c> → <c>/api/v1/studies/{studyId}/items</c>.</summary>
    public static string DocumentPath(string routePattern)
    {
        var path = "/" + RouteParameter().Replace(routePattern, "{$1}").Trim('/');
        return path;
    }

    /// <summary>The documented operation of <paramref name="method"/> on the route pattern, if the document has one.</summary>
    public JsonElement? Operation(string method, string routePattern)
    {
        if (!Document.GetProperty("paths").TryGetProperty(DocumentPath(routePattern), out var path)) return null;
        return path.TryGetProperty(method.ToLowerInvariant(), out var op) ? op : null;
    }

    /// <summary>The security schemes an operation accepts (empty: anyone).</summary>
    public static IReadOnlyList<string> Schemes(JsonElement operation) =>
        operation.TryGetProperty("security", out var security)
            ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Distinct().ToList()
            : [];

    /// <summary>What breaks the contract in one response (empty: nothing). <paramref name="body"/> null: not captured (too large).</summary>
    public IReadOnlyList<string> Check(JsonElement operation, int status, string? mediaType, string? body)
    {
        var problems = new List<string>();
        if (status >= 500) problems.Add($"server error {status}");
        var responses = operation.GetProperty("responses");
        if (!responses.TryGetProperty(status.ToString(CultureInfo.InvariantCulture), out var response)
            && !responses.TryGetProperty($"{status / 100}XX", out response)
            && !responses.TryGetProperty("default", out response))
        {
            problems.Add($"status {status} is not documented (documented: {string.Join(", ", responses.EnumerateObject().Select(r => r.Name))})");
            return problems;
        }
        if (status >= 400 && mediaType != "application/problem+json")
            problems.Add($"a {status} refusal with content type {mediaType ?? "none"}, not application/problem+json");
        if (string.IsNullOrEmpty(body) && body is not null)
        {
            if (status >= 400) problems.Add($"a {status} refusal without a problem body");
            return problems;
        }
        if (!response.TryGetProperty("content", out var content) || mediaType is null) return problems;
        if (!content.TryGetProperty(mediaType, out var media))
        {
            problems.Add($"media type {mediaType} is not documented for {status} (documented: {string.Join(", ", content.EnumerateObject().Select(c => c.Name))})");
            return problems;
        }
        if (body is null || !mediaType.Contains("json", StringComparison.Ordinal) || !media.TryGetProperty("schema", out var schema)) return problems;
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException e)
        {
            problems.Add($"the {mediaType} body is not JSON: {e.Message}");
            return problems;
        }
        problems.AddRange(Validate(schema, json, "$"));
        if (status >= 400 && json.ValueKind == JsonValueKind.Object
            && (!json.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number || s.GetInt32() != status))
            problems.Add($"the problem's status is not {status}");
        return problems;
    }

    /// <summary>What in <paramref name="value"/> breaks <paramref name="schema"/> (paths like <c>$.groups[0].slug</c>).</summary>
    public IReadOnlyList<string> Validate(JsonElement schema, JsonElement value, string at)
    {
        var errors = new List<string>();
        ValidateInto(schema, value, at, errors, 0);
        return errors;
    }

    /// <summary>The schema a <c>$ref</c> points to (<c>#/components/schemas/Name</c>).</summary>
    public JsonElement Resolve(JsonElement schema)
    {
        for (var i = 0; i < 20 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var r); i++)
        {
            var target = Document;
            foreach (var part in r.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
                target = target.GetProperty(part.Replace("~1", "/").Replace("~0", "~"));
            schema = target;
        }
        return schema;
    }

    private void ValidateInto(JsonElement schema, JsonElement value, string at, List<string> errors, int depth)
    {
        if (depth > 64 || schema.ValueKind != JsonValueKind.Object) return;
        if (schema.TryGetProperty("$ref", out _))
        {
            ValidateInto(Resolve(schema), value, at, errors, depth + 1);
            return;
        }
        if (schema.TryGetProperty("allOf", out var allOf))
            foreach (var s in allOf.EnumerateArray()) ValidateInto(s, value, at, errors, depth + 1);
        foreach (var keyword in new[] { "oneOf", "anyOf" })
        {
            if (!schema.TryGetProperty(keyword, out var alternatives)) continue;
            var matching = alternatives.EnumerateArray().Count(s => { var e = new List<string>(); ValidateInto(s, value, at, e, depth + 1); return e.Count == 0; });
            if (matching == 0 || keyword == "oneOf" && matching > 1)
                errors.Add($"{at}: matches {matching} of the {keyword} alternatives");
        }
        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            errors.Add($"{at}: {Kind(value)} where the document says {type}");
            return;
        }
        if (schema.TryGetProperty("enum", out var enumeration) && !enumeration.EnumerateArray().Any(e => JsonElement.DeepEquals(e, value)))
            errors.Add($"{at}: {Excerpt(value)} is not one of {enumeration}");
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
            errors.Add($"{at}: {Excerpt(value)} is not {constant}");
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = schema.TryGetProperty("properties", out var p) ? p : default;
                if (schema.TryGetProperty("required", out var required))
                    foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                        if (!value.TryGetProperty(name, out _)) errors.Add($"{at}: required property {name} is missing");
                foreach (var property in value.EnumerateObject())
                {
                    if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var ps))
                        ValidateInto(ps, property.Value, $"{at}.{property.Name}", errors, depth + 1);
                    else if (schema.TryGetProperty("additionalProperties", out var additional))
                    {
                        if (additional.ValueKind == JsonValueKind.False) errors.Add($"{at}: property {property.Name} is not documented");
                        else ValidateInto(additional, property.Value, $"{at}.{property.Name}", errors, depth + 1);
                    }
                    else if (properties.ValueKind == JsonValueKind.Object && !schema.TryGetProperty("additionalProperties", out _)
                             && !schema.TryGetProperty("allOf", out _) && !schema.TryGetProperty("oneOf", out _) && !schema.TryGetProperty("anyOf", out _))
                        errors.Add($"{at}: property {property.Name} is not documented");
                }
                break;
            case JsonValueKind.Array:
                if (schema.TryGetProperty("items", out var items))
                {
                    var i = 0;
                    foreach (var item in value.EnumerateArray()) ValidateInto(items, item, $"{at}[{i++}]", errors, depth + 1);
                }
                if (schema.TryGetProperty("minItems", out var minItems) && value.GetArrayLength() < minItems.GetInt32()) errors.Add($"{at}: fewer than {minItems} items");
                if (schema.TryGetProperty("maxItems", out var maxItems) && value.GetArrayLength() > maxItems.GetInt32()) errors.Add($"{at}: more than {maxItems} items");
                break;
            case JsonValueKind.String:
                var text = value.GetString()!;
                var length = new StringInfo(text).LengthInTextElements;
                if (schema.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32()) errors.Add($"{at}: shorter than {minLength}");
                if (schema.TryGetProperty("maxLength", out var maxLength) && text.Length > maxLength.GetInt32() && length > maxLength.GetInt32()) errors.Add($"{at}: longer than {maxLength}");
                if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!)) errors.Add($"{at}: does not match {pattern}");
                break;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out var minimum) && number < Number(minimum)) errors.Add($"{at}: {number} is below the minimum {minimum}");
                if (schema.TryGetProperty("maximum", out var maximum) && number > Number(maximum)) errors.Add($"{at}: {number} is above the maximum {maximum}");
                if (schema.TryGetProperty("exclusiveMinimum", out var exMin) && exMin.ValueKind == JsonValueKind.Number && number <= exMin.GetDouble()) errors.Add($"{at}: {number} is not above {exMin}");
                if (schema.TryGetProperty("exclusiveMaximum", out var exMax) && exMax.ValueKind == JsonValueKind.Number && number >= exMax.GetDouble()) errors.Add($"{at}: {number} is not below {exMax}");
                break;
        }
    }

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    private static bool TypeMatches(JsonElement type, JsonElement value) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => TypeMatches(t.GetString()!, value))
        : TypeMatches(type.GetString()!, value);

    private static bool TypeMatches(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetInt64(out _) ? "an integer" : "a number",
        var k => "a " + k.ToString().ToLowerInvariant(),
    };

    private static string Excerpt(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 60 ? text[..60] + "…" : text;
    }
}
