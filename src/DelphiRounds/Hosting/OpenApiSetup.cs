using System.Globalization;
using System.Text.Json.Nodes;
using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using FluentValidation;
using FluentValidation.Internal;
using FluentValidation.Validators;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DelphiRounds.Hosting;

/// <summary>
/// Makes <c>/openapi/v1.json</c> tell the truth, so clients and fuzzers can build valid requests:
/// <list type="bullet">
/// <item>security schemes (the facilitator's API token, the participant's invitation token, and the two cookies the
/// read routes also take) and, per operation, the ones its authorization policy accepts;</item>
/// <item>every status an operation can answer: its own (typed results, <see cref="RefusalMetadata"/> for problems
/// a handler returns) and those of the pipeline around it — 400 (a body or parameter that cannot be read), 401 and
/// 403 (credentials), 404 (an id in the address), 413 and 415 (the body), 429 (rate limits and token guessing) —
/// each refusal an RFC 9457 problem (<c>application/problem+json</c>, schema <c>Problem</c>);</item>
/// <item>the rules of each request body's FluentValidation validator: as schema keywords where JSON Schema can say
/// them (required, minLength, maxLength, minimum, maximum, pattern, format, enum, minItems, maxItems, and the limits
/// of nested texts as <c>allOf</c>), otherwise in the property's description in plain words and in the schema's
/// <c>x-rules</c> (comparisons between fields, rules for one item kind, checks of the whole request).</item>
/// </list>
/// </summary>
public static class OpenApiSetup
{
    public const string FacilitatorToken = "facilitatorToken";
    public const string ParticipantToken = "participantToken";
    public const string FacilitatorCookie = "facilitatorCookie";
    public const string ParticipantCookie = "participantCookie";
    public const string ProblemSchema = "Problem";

    public static IServiceCollection AddDelphiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            // Two types with one schema name would be documented as one: refuse that instead (issue 17: two ErasureResponse).
            var names = new System.Collections.Concurrent.ConcurrentDictionary<string, Type>(StringComparer.Ordinal);
            o.CreateSchemaReferenceId = info =>
            {
                var id = OpenApiOptions.CreateDefaultSchemaReferenceId(info);
                if (id is not null && names.GetOrAdd(id, info.Type) is var first && first != info.Type)
                    throw new InvalidOperationException($"OpenAPI: {first.FullName} and {info.Type.FullName} would share the schema name {id}; rename one.");
                return id;
            };
            o.AddOperationTransformer(DescribeOperation);
            o.AddDocumentTransformer(DescribeDocument);
            // After the schemas are complete (nullability as oneOf, references): the validators' rules.
            o.AddDocumentTransformer((doc, context, _) =>
            {
                ValidationRules.Apply(doc, context.ApplicationServices, names);
                return Task.CompletedTask;
            });
        });

    private static Task DescribeDocument(OpenApiDocument doc, OpenApiDocumentTransformerContext context, CancellationToken _)
    {
        doc.Info.Title = "DelphiRounds API";
        doc.Info.Description = "Delphi-method consensus studies: studies, panel, items, rounds, answers and live aggregates. " +
                               "Facilitators use a personal API token (`dlf_…`), participants their invitation token (`dlp_…`): " +
                               "`Authorization: Bearer <token>`. Every refusal is an RFC 9457 problem (`application/problem+json`) " +
                               "whose `errors` name the field at fault.";
        doc.Info.License = new OpenApiLicense { Name = "EUPL-1.2", Url = new Uri("https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12") };
        doc.Info.Contact = new OpenApiContact { Name = "DelphiRounds", Url = new Uri("https://github.com/delphirounds/delphirounds") };
        doc.Servers = [new OpenApiServer { Url = "/", Description = "This installation" }];

        doc.Components ??= new OpenApiComponents();
        doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        doc.Components.SecuritySchemes[FacilitatorToken] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "dlf_…",
            Description = "A facilitator's personal API token (made on the account page), as `Authorization: Bearer dlf_…`.",
        };
        doc.Components.SecuritySchemes[ParticipantToken] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "dlp_…",
            Description = "A participant's invitation token (the end of their invitation link), as `Authorization: Bearer dlp_…`.",
        };
        doc.Components.SecuritySchemes[FacilitatorCookie] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = "delphi.facilitator",
            Description = "The cookie of a facilitator who logged in on /login (the pages' own reads).",
        };
        doc.Components.SecuritySchemes[ParticipantCookie] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = "delphi.participant",
            Description = "The cookie of a participant who opened their invitation link (the pages' own reads).",
        };

        doc.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        // The framework's own problem schemas are replaced by Problem (what Kernel/Problems writes).
        doc.Components.Schemas.Remove("ProblemDetails");
        doc.Components.Schemas.Remove("HttpValidationProblemDetails");
        doc.Components.Schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem. `errors` names the field (or header, or `body`) at fault, whatever the status.",
            Required = new HashSet<string> { "type", "title", "status", "errors" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri" },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            },
        };

        var tags = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in doc.Paths.Values)
            foreach (var op in path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
                foreach (var tag in op.Tags ?? Enumerable.Empty<OpenApiTagReference>())
                    if (tag.Name is { } name) tags.Add(name);
        doc.Tags = new HashSet<OpenApiTag>(tags.Select(t => new OpenApiTag { Name = t, Description = TagDescription(t) }));
        return Task.CompletedTask;
    }

    private static string TagDescription(string tag) => tag switch
    {
        "Studies" => "Studies and their stakeholder groups (facilitator).",
        "Panel" => "Participants, invitation links, reminders and erasure (facilitator).",
        "Items" => "The questionnaire's items (facilitator).",
        "Rounds" => "Rounds, their live figures and the response dashboard.",
        "Answers" => "Answers and revisions (participant).",
        "Arguments" => "Rationales: read, mark as convincing, hide.",
        "Convergence" => "Consensus criteria and convergence over the rounds (facilitator).",
        "Vision" => "The joint vision: drafts, the panel's review, the frozen document.",
        "Endorsement" => "Signatories, the public ledger and its key.",
        "Exports" => "Data files and the study export (facilitator).",
        _ => tag,
    };

    /// <summary>Security per operation from its authorization policy, and every status the pipeline around it can answer.</summary>
    private static Task DescribeOperation(OpenApiOperation op, OpenApiOperationTransformerContext context, CancellationToken _)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (string.IsNullOrWhiteSpace(op.Description)) op.Description = op.Summary;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var policies = anonymous ? [] : metadata.OfType<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null).ToList();
        var schemes = policies.Count == 0 ? [] : policies[^1] switch
        {
            Auth.FacilitatorApi => new[] { FacilitatorToken },
            Auth.ParticipantApi => [ParticipantToken],
            Auth.Viewer => [FacilitatorToken, ParticipantToken, FacilitatorCookie, ParticipantCookie],
            var other => throw new InvalidOperationException($"OpenAPI: policy {other} of {context.Description.RelativePath} has no security scheme."),
        };
        op.Security = schemes.Select(s => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(s, context.Document)] = [] }).ToList();

        var statuses = new SortedSet<int>(metadata.OfType<RefusalMetadata>().Select(r => r.StatusCode));
        var hasBody = op.RequestBody is not null;
        // A body or a query/header value the framework cannot read (ThrowOnBadRequest → BadRequestExceptionHandler).
        if (hasBody || (op.Parameters?.Any(p => p.In is ParameterLocation.Query or ParameterLocation.Header) ?? false)) statuses.Add(400);
        if (schemes.Length > 0) { statuses.Add(401); statuses.Add(403); }
        // An id in the address that does not exist or is not the caller's.
        if (op.Parameters?.Any(p => p.In == ParameterLocation.Path) ?? false) statuses.Add(404);
        if (hasBody) { statuses.Add(413); statuses.Add(415); }
        // Any request with a token, from an address that guessed too many (Security/TokenGuessing), and the rate limits.
        statuses.Add(429);

        op.Responses ??= new OpenApiResponses();
        if (metadata.OfType<FileResponseMetadata>().FirstOrDefault() is { } file)
            op.Responses["200"] = new OpenApiResponse
            {
                Description = "The file, as an attachment.",
                Content = file.ContentTypes.ToDictionary(t => t, t => new OpenApiMediaType
                {
                    // A JSON data file's shape is its own (docs/analyze-contract.md); a text file is text.
                    Schema = t.Contains("json", StringComparison.Ordinal)
                        ? new OpenApiSchema { Description = "The file's rows as JSON (an array of objects, or an object for the study's export)." }
                        : new OpenApiSchema { Type = JsonSchemaType.String },
                }),
            };
        foreach (var code in op.Responses.Keys.Where(k => k.StartsWith('4') || k.StartsWith('5')).ToList()) op.Responses.Remove(code);
        foreach (var status in statuses)
        {
            var response = new OpenApiResponse
            {
                Description = RefusalDescription(status, schemes.Length > 0),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
                },
            };
            if (status is 401)
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["WWW-Authenticate"] = new OpenApiHeader { Description = "`Bearer`.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                };
            if (status is 429)
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                };
            op.Responses[status.ToString(CultureInfo.InvariantCulture)] = response;
        }
        return Task.CompletedTask;
    }

    private static string RefusalDescription(int status, bool secured) => status switch
    {
        400 => "The request cannot be used: a value is missing, of the wrong type or breaks a rule; `errors` names each field.",
        401 => "No valid credentials: the token is missing, revoked, mistyped or from another installation.",
        403 => "The credentials are valid but not for this (a participant's token on a facilitator's route, or the other way round).",
        404 => "Something named in the address or body does not exist, or is not the caller's.",
        409 => "The request does not fit the current state (a round not open, a frozen vision, a duplicate).",
        413 => "The body is larger than the limit (64 KB by default).",
        415 => "The body is not `application/json`.",
        422 => "The idempotency key was used before with another answer.",
        429 => secured ? "Too many requests (rate limit, or too many wrong tokens from this address); see Retry-After."
                       : "Too many wrong tokens from this address; see Retry-After.",
        _ => Problems.TitleFor(status),
    };
}

/// <summary>
/// The rules of each request body's FluentValidation validator in the OpenAPI document, every one of them:
/// <list type="bullet">
/// <item>as JSON Schema keywords where the schema can say them and they hold for every request (required, lengths,
/// ranges, patterns, e-mail, lists of values, list sizes; rules for each entry of a list on its <c>items</c>);</item>
/// <item>a nested object's rules that differ per use (a text in Dutch and English, <c>{nl, en}</c>) as
/// <c>allOf</c> of the shared schema and the limits of this use;</item>
/// <item>everything else — comparisons between fields, rules for one item kind (<c>When</c>), checks of a whole
/// request or of a list's entries together — in the property's description in plain words and in the schema's
/// <c>x-rules</c>: <c>{field, rule, description, when?, fields?, …}</c>.</item>
/// </list>
/// A rule the exporter cannot describe (a bare <c>Must</c>, a <c>When</c> without words) fails the document, so a new
/// rule cannot go undocumented; <c>OpenApiRuleCoverageTests</c> walks every validator against the document.
/// </summary>
internal static class ValidationRules
{
    public const string Extension = "x-rules";

    public static void Apply(OpenApiDocument doc, IServiceProvider services, IReadOnlyDictionary<string, Type> types)
    {
        if (doc.Components?.Schemas is not { } schemas) return;
        foreach (var (id, candidate) in schemas.ToList())
        {
            if (candidate is not OpenApiSchema schema || !types.TryGetValue(id, out var type)) continue;
            if (services.GetService(typeof(IValidator<>).MakeGenericType(type)) is not IValidator validator) continue;
            Describe(doc, services, schema, validator);
        }
    }

    /// <summary><c>Groups</c> → <c>groups</c>, <c>Text.Nl</c> → <c>text.nl</c>: the field as it looks in the JSON.</summary>
    public static string JsonName(string? property) =>
        string.Join('.', (property ?? "").Split('.').Select(p => p.Length == 0 ? p : char.ToLowerInvariant(p[0]) + p[1..]));

    /// <summary>True for <c>RuleForEach</c>: its rules hold for each entry of the list.</summary>
    public static bool IsEach(IValidationRule rule) =>
        rule.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));

    /// <summary>The validator a <c>SetValidator(…)</c> runs on the property.</summary>
    public static IValidator ChildValidator(IChildValidatorAdaptor adaptor) =>
        adaptor.GetType().GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
            .Where(f => typeof(IValidator).IsAssignableFrom(f.FieldType)).Select(f => f.GetValue(adaptor)).OfType<IValidator>().FirstOrDefault()
        ?? throw new InvalidOperationException($"OpenAPI: the child validator {adaptor.ValidatorType.Name} cannot be read.");

    private static void Describe(OpenApiDocument doc, IServiceProvider services, OpenApiSchema schema, IValidator validator)
    {
        var entries = new JsonArray();
        var conditions = validator as IDocumentedConditions;
        foreach (var rule in validator.CreateDescriptor().Rules)
        {
            var field = JsonName(rule.PropertyName);
            var each = IsEach(rule);
            string? when = null;
            if (rule.HasCondition || rule.HasAsyncCondition)
                when = conditions?.ConditionOf(rule) ?? throw new InvalidOperationException(
                    $"OpenAPI: a conditional rule on {field} of {validator.GetType().Name} does not say when it applies; write it as DocumentedValidator.When(\"…\", …).");
            var property = schema.Properties?.TryGetValue(field, out var p) == true ? p as OpenApiSchema : null;
            foreach (var component in rule.Components)
            {
                if (component.HasCondition || component.HasAsyncCondition)
                    throw new InvalidOperationException($"OpenAPI: {field} of {validator.GetType().Name} has a condition on one rule (…When(…)); write it as DocumentedValidator.When(\"…\", …).");
                var v = component.Validator;
                if (v is IChildValidatorAdaptor adaptor)
                {
                    var childType = adaptor.ValidatorType.BaseType?.GetGenericArguments().FirstOrDefault();
                    // A registered child validator documents its own schema (the $ref); another one is this use's limits.
                    if (childType is not null && services.GetService(typeof(IValidator<>).MakeGenericType(childType)) is not null) continue;
                    if (each || property is null) throw new InvalidOperationException($"OpenAPI: {field} of {validator.GetType().Name}: an unregistered child validator on a list or the whole request.");
                    Nest(schema, field, property, ChildValidator(adaptor));
                    continue;
                }
                // Each entry not null, the entries a $ref: a reference is never null.
                if (each && when is null && v is INotNullValidator && property?.Items is OpenApiSchemaReference) continue;
                var target = each ? property?.Items as OpenApiSchema : property;
                if (when is null && Keyword(schema, field, property, target, v, each)) continue;
                var entry = Entry(each ? field + "[]" : field, v, when);
                entries.Add(entry);
                var words = (string)entry["description"]!;
                var holder = (OpenApiSchema?)property ?? schema;
                var line = when is null ? $"Rule: {words}." : $"Rule (when {when}): {words}.";
                holder.Description = string.IsNullOrEmpty(holder.Description) ? line : holder.Description.TrimEnd() + "\n" + line;
            }
        }
        if (entries.Count > 0)
        {
            schema.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            schema.Extensions[Extension] = new JsonNodeExtension(entries);
        }
    }

    /// <summary>A nested object's rules for this use: <c>allOf</c> [the shared schema, these limits].</summary>
    private static void Nest(OpenApiSchema parent, string field, OpenApiSchema property, IValidator child)
    {
        var overlay = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>() };
        foreach (var rule in child.CreateDescriptor().Rules)
        {
            var name = JsonName(rule.PropertyName);
            if (rule.HasCondition || rule.HasAsyncCondition || IsEach(rule) || name.Contains('.'))
                throw new InvalidOperationException($"OpenAPI: {field}.{name}: a nested rule must hold for every request.");
            var target = (OpenApiSchema)(overlay.Properties[name] = overlay.Properties.TryGetValue(name, out var t) ? t
                : new OpenApiSchema { Type = rule.TypeToValidate == typeof(string) ? JsonSchemaType.String : null });
            foreach (var component in rule.Components)
                if (component.HasCondition || !Keyword(overlay, name, target, target, component.Validator, false))
                    throw new InvalidOperationException($"OpenAPI: {field}.{name}: the nested rule {component.Validator.Name} is not a schema keyword.");
        }
        IOpenApiSchema? shared = property.OneOf?.FirstOrDefault(s => !IsNull(s));
        var description = (shared as OpenApiSchemaReference)?.Description ?? property.Description;
        var nullable = property.OneOf?.Any(IsNull) ?? false;
        var combined = new OpenApiSchema { AllOf = [shared ?? property, overlay], Description = description };
        parent.Properties![field] = nullable ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, combined] } : combined;
    }

    /// <summary>Applies a rule as a JSON Schema keyword; false when the schema cannot say it.</summary>
    private static bool Keyword(OpenApiSchema parent, string name, OpenApiSchema? property, OpenApiSchema? target, IPropertyValidator validator, bool each)
    {
        switch (validator)
        {
            case INotNullValidator:
            case INotEmptyValidator:
                if (target is null) return false;
                if (!each)
                {
                    parent.Required ??= new HashSet<string>();
                    parent.Required.Add(name);
                }
                if (target.Type is { } t && t.HasFlag(JsonSchemaType.Null)) target.Type = t & ~JsonSchemaType.Null;
                // A nullable object is documented as oneOf [null, $ref]: without the null.
                if (target.OneOf is { Count: > 1 } one && one.Any(IsNull)) target.OneOf = one.Where(x => !IsNull(x)).ToList();
                if (validator is INotEmptyValidator)
                {
                    if (target.Type == JsonSchemaType.String) target.MinLength = Math.Max(target.MinLength ?? 0, 1);
                    else if (target.Type == JsonSchemaType.Array) target.MinItems = Math.Max(target.MinItems ?? 0, 1);
                    else if (target.Type == JsonSchemaType.Object) target.MinProperties = Math.Max(target.MinProperties ?? 0, 1);
                }
                return true;
            case ILengthValidator length when target is not null:
                if (length.Min > 0) target.MinLength = length.Min;
                if (length.Max > 0) target.MaxLength = length.Max;
                return true;
            case IBetweenValidator between when target is not null && IsNumber(between.From) && IsNumber(between.To):
                target.Minimum = Number(between.From);
                target.Maximum = Number(between.To);
                if (validator.Name == "ExclusiveBetweenValidator")
                {
                    target.ExclusiveMinimum = target.Minimum; target.ExclusiveMaximum = target.Maximum;
                    target.Minimum = null; target.Maximum = null;
                }
                return true;
            case IComparisonValidator comparison when target is not null && comparison.MemberToCompare is null && IsNumber(comparison.ValueToCompare):
                var value = Number(comparison.ValueToCompare);
                switch (comparison.Comparison)
                {
                    case Comparison.GreaterThan: target.ExclusiveMinimum = value; return true;
                    case Comparison.GreaterThanOrEqual: target.Minimum = value; return true;
                    case Comparison.LessThan: target.ExclusiveMaximum = value; return true;
                    case Comparison.LessThanOrEqual: target.Maximum = value; return true;
                    default: return false;
                }
            case IRegularExpressionValidator regex when target is not null:
                target.Pattern = regex.Expression;
                return true;
            case IEmailValidator when target is not null:
                target.Format = "email";
                return true;
            case IOneOfValidator oneOf when target is not null:
                target.Enum = oneOf.Values.Select(v => (JsonNode)JsonValue.Create(v)!).ToList();
                return true;
            case ICountValidator count when target is not null && target.Type is { } kind && (kind.HasFlag(JsonSchemaType.Array) || kind.HasFlag(JsonSchemaType.Object)):
                if (kind.HasFlag(JsonSchemaType.Array))
                {
                    if (count.Min is { } min) target.MinItems = min;
                    if (count.Max is { } max) target.MaxItems = max;
                }
                else
                {
                    if (count.Min is { } min) target.MinProperties = min;
                    if (count.Max is { } max) target.MaxProperties = max;
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>One entry of <c>x-rules</c>: the field, a name for the rule, its plain words and what it needs.</summary>
    private static JsonObject Entry(string field, IPropertyValidator validator, string? when)
    {
        var entry = new JsonObject { ["field"] = field };
        string words;
        switch (validator)
        {
            case IDescribedRule described:
                entry["rule"] = described.Rule;
                words = described.Description;
                if (described.Fields.Count > 0) entry["fields"] = new JsonArray(described.Fields.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray());
                break;
            case INotNullValidator:
                entry["rule"] = "required";
                words = "required";
                break;
            case INotEmptyValidator:
                entry["rule"] = "notEmpty";
                words = "required and not empty";
                break;
            case ILengthValidator length:
                entry["rule"] = "length";
                if (length.Min > 0) entry["minLength"] = length.Min;
                if (length.Max > 0) entry["maxLength"] = length.Max;
                words = length.Min > 0 && length.Max > 0 ? $"{length.Min} to {length.Max} characters" : length.Max > 0 ? $"at most {length.Max} characters" : $"at least {length.Min} characters";
                break;
            case IBetweenValidator between:
                entry["rule"] = "range";
                entry["minimum"] = JsonValue.Create(Convert.ToDouble(between.From, CultureInfo.InvariantCulture));
                entry["maximum"] = JsonValue.Create(Convert.ToDouble(between.To, CultureInfo.InvariantCulture));
                words = $"from {Number(between.From)} to {Number(between.To)}";
                break;
            case IComparisonValidator comparison when comparison.MemberToCompare is { } member:
                var other = JsonName(member.Name);
                var (rule, op) = comparison.Comparison switch
                {
                    Comparison.GreaterThan => ("greaterThanField", "above"),
                    Comparison.GreaterThanOrEqual => ("atLeastField", "at least"),
                    Comparison.LessThan => ("lessThanField", "below"),
                    Comparison.LessThanOrEqual => ("atMostField", "at most"),
                    Comparison.Equal => ("equalToField", "equal to"),
                    _ => ("notEqualToField", "not equal to"),
                };
                entry["rule"] = rule;
                entry["fields"] = new JsonArray(JsonValue.Create(other));
                words = $"{op} {other}";
                break;
            case IComparisonValidator comparison:
                entry["rule"] = "compare";
                entry["comparison"] = comparison.Comparison.ToString();
                entry["value"] = JsonValue.Create(Convert.ToDouble(comparison.ValueToCompare, CultureInfo.InvariantCulture));
                words = $"{comparison.Comparison} {Number(comparison.ValueToCompare)}";
                break;
            case IRegularExpressionValidator regex:
                entry["rule"] = "pattern";
                entry["pattern"] = regex.Expression;
                words = $"matches {regex.Expression}";
                break;
            case IEmailValidator:
                entry["rule"] = "email";
                words = "an e-mail address";
                break;
            case IOneOfValidator oneOf:
                entry["rule"] = "oneOf";
                entry["enum"] = new JsonArray(oneOf.Values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
                words = "one of " + string.Join(", ", oneOf.Values);
                break;
            case ICountValidator count:
                entry["rule"] = "count";
                if (count.Min is { } min) entry["minItems"] = min;
                if (count.Max is { } max) entry["maxItems"] = max;
                words = (count.Min, count.Max) switch
                {
                    ({ } a, { } b) => $"{a} to {b} entries",
                    ({ } a, null) => $"at least {a} entries",
                    (null, { } b) => $"at most {b} entries",
                    _ => "any number of entries",
                };
                break;
            default:
                throw new InvalidOperationException($"OpenAPI: the rule {validator.Name} on {field} cannot be described; use .Holds(name, description, …) instead of .Must(…).");
        }
        entry["description"] = words;
        if (when is not null) entry["when"] = when;
        return entry;
    }

    private static bool IsNull(IOpenApiSchema s) => s is OpenApiSchema { Type: JsonSchemaType.Null };

    private static bool IsNumber(object? v) => v is int or long or double or decimal or float or short;

    private static string Number(object? v) => Convert.ToString(v, CultureInfo.InvariantCulture)!;
}
