using System.Net;
using System.Text.Json;
using DelphiRounds.Kernel;
using DelphiRounds.Testing;
using DelphiRounds.Tests.Trust;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// Every rule a FluentValidation validator enforces is in the OpenAPI document (issue 17): as a schema keyword where
/// JSON Schema can say it and it holds for every request, otherwise as an <c>x-rules</c> entry of the schema (with its
/// condition) and in plain words in the description. The walk reads the validators themselves, so a rule added later
/// that the document does not carry fails here. And the documented limits are the real ones: a request at the limit
/// is taken, one past it is refused with a problem naming the field.
/// </summary>
public sealed class OpenApiRuleCoverageTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private async Task<JsonElement> SchemasAsync() =>
        (await Scenario.Expect(await app.Client().GetAsync("/openapi/v1.json"), HttpStatusCode.OK)).GetProperty("components").GetProperty("schemas");

    private static string Json(string? property) =>
        string.Join('.', (property ?? "").Split('.').Select(p => p.Length == 0 ? p : char.ToLowerInvariant(p[0]) + p[1..]));

    private static bool IsEach(IValidationRule rule) =>
        rule.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));

    [Fact]
    public async Task Every_rule_of_every_validator_is_in_the_openapi_document()
    {
        var schemas = await SchemasAsync();
        var validatorTypes = typeof(Texts).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsPublic: true } && ModelOf(t) is not null).ToList();
        Assert.True(validatorTypes.Count >= 18, $"only {validatorTypes.Count} validators found");
        var failures = new List<string>();
        var checkedRules = 0;
        foreach (var validatorType in validatorTypes)
        {
            var model = ModelOf(validatorType)!;
            var validator = (IValidator)app.Services.GetRequiredService(typeof(IValidator<>).MakeGenericType(model));
            if (!schemas.TryGetProperty(model.Name, out var schema))
            {
                failures.Add($"{model.Name}: no schema in the document");
                continue;
            }
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet() : [];
            var extension = schema.TryGetProperty("x-rules", out var x) ? x.EnumerateArray().ToList() : [];
            foreach (var rule in validator.CreateDescriptor().Rules)
            {
                var field = Json(rule.PropertyName);
                var each = IsEach(rule);
                var when = rule.HasCondition ? (validator as IDocumentedConditions)?.ConditionOf(rule) : null;
                if (rule.HasCondition && when is null) failures.Add($"{model.Name}.{field}: a condition without words");
                JsonElement? property = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(field, out var pr) ? pr : null;
                JsonElement? target = each && property?.TryGetProperty("items", out var items) == true ? items : property;
                foreach (var component in rule.Components)
                {
                    checkedRules++;
                    var v = component.Validator;
                    var at = $"{model.Name}.{field} {v.Name}";
                    if (component.HasCondition) failures.Add($"{at}: a condition on one rule (not described)");
                    if (v is IChildValidatorAdaptor adaptor)
                    {
                        var childModel = adaptor.ValidatorType.BaseType!.GetGenericArguments()[0];
                        if (app.Services.GetService(typeof(IValidator<>).MakeGenericType(childModel)) is not null)
                        {
                            if (property?.GetRawText().Contains($"\"#/components/schemas/{childModel.Name}\"") != true) failures.Add($"{at}: does not refer to {childModel.Name}");
                        }
                        else failures.AddRange(NestedMissing(at, property, adaptor));
                        continue;
                    }
                    if (when is null && Keyword(v, target, required.Contains(field), each) is { } keyword)
                    {
                        if (keyword.Length > 0) failures.Add($"{at}: {keyword}");
                        continue;
                    }
                    // Not a keyword: an x-rules entry for this field (and condition), its words in the description.
                    var name = each ? field + "[]" : field;
                    var entry = extension.FindIndex(e => e.GetProperty("field").GetString() == name
                                                         && (v is not IDescribedRule d || e.GetProperty("rule").GetString() == d.Rule)
                                                         && (e.TryGetProperty("when", out var w) ? w.GetString() : null) == when);
                    if (entry < 0)
                    {
                        failures.Add($"{at}{(when is null ? "" : $" (when {when})")}: not in x-rules");
                        continue;
                    }
                    var words = extension[entry].GetProperty("description").GetString()!;
                    var description = (property ?? schema).TryGetProperty("description", out var dd) ? dd.GetString() ?? "" : "";
                    if (!description.Contains(words, StringComparison.Ordinal)) failures.Add($"{at}: the description does not say \"{words}\"");
                    if (v is IComparisonValidator { MemberToCompare: { } other }
                        && !extension[entry].GetProperty("fields").EnumerateArray().Any(f => f.GetString() == Json(other.Name)))
                        failures.Add($"{at}: the comparison does not name {Json(other.Name)}");
                    extension.RemoveAt(entry);
                }
            }
            failures.AddRange(extension.Select(e => $"{model.Name}: x-rules entry {e} has no rule in the validator"));
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedRules} rules not (rightly) in the document:\n" + string.Join("\n", failures));
        Assert.True(checkedRules > 100, $"only {checkedRules} rules walked");
    }

    private static Type? ModelOf(Type t)
    {
        for (var b = t.BaseType; b is not null; b = b.BaseType)
            if (b.IsGenericType && b.GetGenericTypeDefinition() == typeof(AbstractValidator<>)) return b.GetGenericArguments()[0];
        return null;
    }

    /// <summary>"" when the keyword is there, the difference when not, null when the rule is no keyword.</summary>
    private static string? Keyword(IPropertyValidator v, JsonElement? target, bool required, bool each)
    {
        if (target is not { } s) return v is IDescribedRule or IComparisonValidator { MemberToCompare: not null } ? null : "no property in the schema";
        int? Int(string k) => s.TryGetProperty(k, out var e) ? e.GetInt32() : null;
        double? Num(string k) => s.TryGetProperty(k, out var e) ? e.GetDouble() : null;
        string? Str(string k) => s.TryGetProperty(k, out var e) ? e.GetString() : null;
        var type = s.TryGetProperty("type", out var t) ? t.ToString() : "";
        string Expect(bool ok, string what) => ok ? "" : $"expected {what} in {s}";
        switch (v)
        {
            case INotNullValidator:
                return Expect((each || required) && !type.Contains("null") && !s.GetRawText().Contains("{\"type\":\"null\"}"), "required and not nullable");
            case INotEmptyValidator:
                return Expect((each || required) && (type.Contains("string") ? Int("minLength") >= 1 : !type.Contains("array") || Int("minItems") >= 1), "required, minLength/minItems 1");
            case ILengthValidator l:
                return Expect((l.Max <= 0 || Int("maxLength") == l.Max) && (l.Min <= 0 || Int("minLength") == l.Min), $"minLength {l.Min}, maxLength {l.Max}");
            case IBetweenValidator b:
                return Expect(Num("minimum") == Convert.ToDouble(b.From) && Num("maximum") == Convert.ToDouble(b.To), $"minimum {b.From}, maximum {b.To}");
            case IComparisonValidator { MemberToCompare: null } c:
                var key = c.Comparison switch
                {
                    Comparison.GreaterThan => "exclusiveMinimum", Comparison.GreaterThanOrEqual => "minimum",
                    Comparison.LessThan => "exclusiveMaximum", Comparison.LessThanOrEqual => "maximum", _ => "?",
                };
                return Expect(Num(key) == Convert.ToDouble(c.ValueToCompare), $"{key} {c.ValueToCompare}");
            case IRegularExpressionValidator rx:
                return Expect(Str("pattern") == rx.Expression, $"pattern {rx.Expression}");
            case IEmailValidator:
                return Expect(Str("format") == "email", "format email");
            case IOneOfValidator o:
                return Expect(s.TryGetProperty("enum", out var e) && e.EnumerateArray().Select(x => x.GetString()).SequenceEqual(o.Values), "enum " + string.Join(",", o.Values));
            case ICountValidator n:
                var (min, max) = type.Contains("array") ? ("minItems", "maxItems") : ("minProperties", "maxProperties");
                return Expect((n.Min is null || Int(min) == n.Min) && (n.Max is null || Int(max) == n.Max), $"{min} {n.Min}, {max} {n.Max}");
            default:
                return null;
        }
    }

    /// <summary>A child validator that is not registered (a text in two languages): its limits at the property, as allOf.</summary>
    private static IEnumerable<string> NestedMissing(string at, JsonElement? property, IChildValidatorAdaptor adaptor)
    {
        var child = (IValidator)adaptor.GetType().GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
            .Select(f => f.GetValue(adaptor)).OfType<IValidator>().First();
        var allOf = property is { } pr && pr.TryGetProperty("allOf", out var a) ? a
            : property is { } q && q.TryGetProperty("oneOf", out var o) ? o.EnumerateArray().Select(x => x.TryGetProperty("allOf", out var inner) ? inner : default).FirstOrDefault(x => x.ValueKind == JsonValueKind.Array)
            : default;
        if (allOf.ValueKind != JsonValueKind.Array)
        {
            yield return $"{at}: the nested rules are not at the property (allOf)";
            yield break;
        }
        var overlay = allOf.EnumerateArray().Single(x => x.TryGetProperty("properties", out _));
        var required = overlay.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet() : [];
        foreach (var rule in child.CreateDescriptor().Rules)
        {
            var name = Json(rule.PropertyName);
            JsonElement? target = overlay.GetProperty("properties").TryGetProperty(name, out var t) ? t : null;
            foreach (var component in rule.Components)
                if (Keyword(component.Validator, target, required.Contains(name), false) is not "" and var missing)
                    yield return $"{at} → {name} {component.Validator.Name}: {missing ?? "not a keyword"}";
        }
    }

    [Fact]
    public async Task A_request_at_a_documented_limit_is_taken_and_one_past_it_is_refused_naming_the_field()
    {
        var schemas = await SchemasAsync();
        JsonElement Property(string schema, string name) => schemas.GetProperty(schema).GetProperty("properties").GetProperty(name);
        JsonElement Rule(string schema, string field, string rule, string? when = null) => schemas.GetProperty(schema).GetProperty("x-rules").EnumerateArray()
            .Single(e => e.GetProperty("field").GetString() == field && e.GetProperty("rule").GetString() == rule
                         && (when is null || e.GetProperty("when").GetString() == when));
        JsonElement Overlay(JsonElement property) => property.GetProperty("allOf").EnumerateArray().Single(x => x.TryGetProperty("properties", out _));

        var cast = await TrustCast.CreateAsync(app);
        var s = await cast.StudyAsync(cast.A);
        using var api = cast.Api(cast.A);
        var items = $"/api/v1/studies/{s.StudyId}/items";

        // A keyword on a top-level field: the study's title (maxLength).
        var title = Property("CreateStudyRequest", "title").GetProperty("maxLength").GetInt32();
        object Study(int length) => new { title = new string('t', length), groups = new[] { new { name = "Bewoners" } } };
        await Taken(await api.PostJsonAsync("/api/v1/studies", Study(title)));
        await Refused(await api.PostJsonAsync("/api/v1/studies", Study(title + 1)), "title");

        // A nested field's limit (allOf at the property): a rewording's text.nl and reason.en.
        var textNl = Overlay(Property("RewordItemRequest", "text")).GetProperty("properties").GetProperty("nl").GetProperty("maxLength").GetInt32();
        var reasonEn = Overlay(Property("RewordItemRequest", "reason")).GetProperty("properties").GetProperty("en").GetProperty("maxLength").GetInt32();
        var reword = $"{items}/{s.SpareItemId}/reword";
        await Refused(await api.PostJsonAsync(reword, new { text = new { nl = new string('n', textNl + 1) }, reason = new { nl = "Waarom" } }), "text.nl");
        await Refused(await api.PostJsonAsync(reword, new { text = new { nl = "Korter" }, reason = new { nl = "Waarom", en = new string('e', reasonEn + 1) } }), "reason.en");
        await Taken(await api.PostJsonAsync(reword, new { text = new { nl = new string('n', textNl) }, reason = new { nl = "Waarom", en = new string('e', reasonEn) } }));

        // A list's size (maxItems, for one item kind: x-rules): a ranking's options.
        var options = Rule("AddItemRequest", "options", "count", "kind is ranking");
        var (fewest, most) = (options.GetProperty("minItems").GetInt32(), options.GetProperty("maxItems").GetInt32());
        object Ranking(int n) => new { kind = "ranking", text = new { nl = "Welke eerst?" }, options = Enumerable.Range(1, n).Select(i => new { nl = $"Optie {i}" }).ToArray() };
        await Taken(await api.PostJsonAsync(items, Ranking(most)));
        await Taken(await api.PostJsonAsync(items, Ranking(fewest)));
        await Refused(await api.PostJsonAsync(items, Ranking(most + 1)), "options");
        await Refused(await api.PostJsonAsync(items, Ranking(fewest - 1)), "options");

        // A range for one item kind (x-rules): a year item's rangeMin.
        var years = Rule("AddItemRequest", "rangeMin", "range", "kind is year");
        var (first, last) = (years.GetProperty("minimum").GetInt32(), years.GetProperty("maximum").GetInt32());
        await Taken(await api.PostJsonAsync(items, new { kind = "year", text = new { nl = "Wanneer?" }, rangeMin = first, rangeMax = last }));
        await Refused(await api.PostJsonAsync(items, new { kind = "year", text = new { nl = "Wanneer?" }, rangeMin = first - 1, rangeMax = last }), "rangeMin");

        // A comparison between fields (x-rules): a numeric item's rangeMax must be above rangeMin.
        var above = Rule("AddItemRequest", "rangeMax", "greaterThanField", "kind is numeric and rangeMin is given");
        Assert.Equal("rangeMin", above.GetProperty("fields")[0].GetString());
        await Taken(await api.PostJsonAsync(items, new { kind = "numeric", text = new { nl = "Hoeveel?" }, unit = "%", rangeMin = 10.0, rangeMax = 10.5 }));
        await Refused(await api.PostJsonAsync(items, new { kind = "numeric", text = new { nl = "Hoeveel?" }, unit = "%", rangeMin = 10.0, rangeMax = 10.0 }), "rangeMax");

        // A list's size as a keyword (maxItems): a vision draft's statements.
        var statements = Property("DraftRequest", "statements").GetProperty("maxItems").GetInt32();
        object Draft(int n) => new { title = "Visie", statements = Enumerable.Range(1, n).Select(i => new { text = $"Stelling {i}" }).ToArray() };
        var drafts = $"/api/v1/studies/{s.StudyId}/vision/drafts";
        await Refused(await api.PostJsonAsync(drafts, Draft(statements + 1)), "statements");
        await Taken(await api.PostJsonAsync(drafts, Draft(statements)));
    }

    private static async Task Taken(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"expected the request at the limit to be taken, got {(int)response.StatusCode}: {text}");
    }

    private static async Task Refused(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 naming {field}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.True(errors.Any(e => e == field || e.StartsWith(field + "[", StringComparison.Ordinal)), $"errors do not name {field}: {text}");
    }
}
