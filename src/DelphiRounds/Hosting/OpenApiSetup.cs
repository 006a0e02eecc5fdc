using System.Globalization;
using System.Text.Json.Nodes;
using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using FluentValidation;
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
/// <item>the rules of each request body's FluentValidation validator as schema keywords (required, minLength,
/// maxLength, minimum, maximum, pattern, format, enum).</item>
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
            o.AddSchemaTransformer(ValidationRules.ApplyAsync);
            o.AddOperationTransformer(DescribeOperation);
            o.AddDocumentTransformer(DescribeDocument);
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
/// The rules of a request type's FluentValidation validator as JSON Schema keywords. Only unconditional rules on
/// the type's own properties are carried over (a rule with <c>When</c> holds for some requests only); rules the
/// schema cannot say (comparisons between fields, rules per item kind) stay in the validator and its 400.
/// </summary>
internal static class ValidationRules
{
    public static Task ApplyAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken _)
    {
        if (context.JsonPropertyInfo is not null || schema.Properties is not { Count: > 0 }) return Task.CompletedTask;
        var validatorType = typeof(IValidator<>).MakeGenericType(context.JsonTypeInfo.Type);
        if (context.ApplicationServices.GetService(validatorType) is not IValidator validator) return Task.CompletedTask;
        var rules = validator.CreateDescriptor().Rules.ToList();
        var type = context.JsonTypeInfo.Type;
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.AttributeProvider is not System.Reflection.MemberInfo member || !schema.Properties.TryGetValue(property.Name, out var target)) continue;
            // A rule on this very property: not one about a nested field (text.nl, declared on TextRequest) or the whole request.
            foreach (var rule in rules.Where(r => r.Member is { } m && m.Name == member.Name && m.DeclaringType is { } d && d.IsAssignableFrom(type)
                                                  && string.Equals(r.PropertyName, property.Name, StringComparison.OrdinalIgnoreCase)))
            {
                if (rule.HasCondition || rule.HasAsyncCondition) continue; // When(…) { … }: the rules of one item kind, say
                foreach (var component in rule.Components)
                {
                    if (component.HasCondition || component.HasAsyncCondition) continue;
                    Apply(schema, property.Name, target as OpenApiSchema, component.Validator);
                }
            }
        }
        return Task.CompletedTask;
    }

    private static void Apply(OpenApiSchema parent, string name, OpenApiSchema? target, IPropertyValidator validator)
    {
        switch (validator)
        {
            case INotNullValidator:
            case INotEmptyValidator:
                parent.Required ??= new HashSet<string>();
                parent.Required.Add(name);
                if (target is null) return;
                if (target.Type is { } t && t.HasFlag(JsonSchemaType.Null)) target.Type = t & ~JsonSchemaType.Null;
                // A nullable object is documented as oneOf [null, $ref]: without the null.
                if (target.OneOf is { Count: > 1 } one && one.Any(IsNull)) target.OneOf = one.Where(x => !IsNull(x)).ToList();
                if (validator is INotEmptyValidator)
                {
                    if (target.Type == JsonSchemaType.String) target.MinLength = Math.Max(target.MinLength ?? 0, 1);
                    else if (target.Type == JsonSchemaType.Array) target.MinItems = Math.Max(target.MinItems ?? 0, 1);
                }
                return;
            case ILengthValidator length when target is not null:
                if (length.Min > 0) target.MinLength = length.Min;
                if (length.Max > 0) target.MaxLength = length.Max;
                return;
            case IBetweenValidator between when target is not null && IsNumber(between.From) && IsNumber(between.To):
                target.Minimum = Number(between.From);
                target.Maximum = Number(between.To);
                if (validator.Name == "ExclusiveBetweenValidator")
                {
                    target.ExclusiveMinimum = target.Minimum; target.ExclusiveMaximum = target.Maximum;
                    target.Minimum = null; target.Maximum = null;
                }
                return;
            case IComparisonValidator comparison when target is not null && IsNumber(comparison.ValueToCompare):
                var value = Number(comparison.ValueToCompare);
                switch (comparison.Comparison)
                {
                    case Comparison.GreaterThan: target.ExclusiveMinimum = value; break;
                    case Comparison.GreaterThanOrEqual: target.Minimum = value; break;
                    case Comparison.LessThan: target.ExclusiveMaximum = value; break;
                    case Comparison.LessThanOrEqual: target.Maximum = value; break;
                }
                return;
            case IRegularExpressionValidator regex when target is not null:
                target.Pattern = regex.Expression;
                return;
            case IEmailValidator when target is not null:
                target.Format = "email";
                return;
            case IOneOfValidator oneOf when target is not null:
                target.Enum = oneOf.Values.Select(v => (JsonNode)JsonValue.Create(v)!).ToList();
                return;
        }
    }

    private static bool IsNull(IOpenApiSchema s) => s is OpenApiSchema { Type: JsonSchemaType.Null };

    private static bool IsNumber(object? v) => v is int or long or double or decimal or float or short;

    private static string Number(object? v) => Convert.ToString(v, CultureInfo.InvariantCulture)!;
}
