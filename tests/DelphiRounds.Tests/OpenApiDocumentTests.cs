using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// The OpenAPI document tells the truth (issue 17): who may call each operation, every status it can answer, the
/// rules of each request body, one schema per name. <c>docs/openapi.json</c> is the served document, committed so
/// that Spectral lints it (<c>scripts/lint-openapi.sh</c>); run with <c>DELPHI_WRITE_OPENAPI=1</c> to write it again.
/// What the API really answers is checked against it by every test class (<see cref="DelphiApp"/>) and by the fuzzing run.
/// </summary>
public sealed class OpenApiDocumentTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private async Task<JsonElement> DocumentAsync() => await Scenario.Expect(await app.Client().GetAsync("/openapi/v1.json"), HttpStatusCode.OK);

    private static IEnumerable<(string Key, JsonElement Op)> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => ($"{o.Name.ToUpperInvariant()} {p.Name}", o.Value)));

    private static HashSet<string> Statuses(JsonElement op) => op.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();

    [Fact]
    public async Task Every_operation_declares_who_may_call_it_and_the_refusals_around_it()
    {
        var doc = await DocumentAsync();
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("facilitatorToken").GetProperty("scheme").GetString());
        Assert.Equal("bearer", schemes.GetProperty("participantToken").GetProperty("scheme").GetString());
        var failures = new List<string>();
        foreach (var (key, op) in Operations(doc))
        {
            var security = OpenApiContract.Schemes(op);
            var statuses = Statuses(op);
            var isPublic = key is "GET /api/v1/studies/{studyId}/ledger" or "GET /api/v1/endorsement/key" or "GET /api/v1/studies/{studyId}/vision/document";
            if (isPublic != (security.Count == 0)) failures.Add($"{key}: security {string.Join(", ", security)}");
            if (!isPublic && !(statuses.Contains("401") && statuses.Contains("403"))) failures.Add($"{key}: no 401/403");
            if (key.Contains('{') && !statuses.Contains("404")) failures.Add($"{key}: no 404");
            if (op.TryGetProperty("requestBody", out _) && !new[] { "400", "413", "415" }.All(statuses.Contains)) failures.Add($"{key}: no 400/413/415");
            if (!statuses.Contains("429")) failures.Add($"{key}: no 429");
            foreach (var refusal in op.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('4')))
                if (!refusal.Value.GetProperty("content").TryGetProperty("application/problem+json", out var media)
                    || media.GetProperty("schema").GetProperty("$ref").GetString() != "#/components/schemas/Problem")
                    failures.Add($"{key}: {refusal.Name} is not a Problem");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Who exactly: the facilitator's routes take the facilitator's token, the answers the participant's, the figures either.
        var ops = Operations(doc).ToDictionary(o => o.Key, o => o.Op);
        Assert.Equal(["facilitatorToken"], OpenApiContract.Schemes(ops["POST /api/v1/studies"]));
        Assert.Equal(["participantToken"], OpenApiContract.Schemes(ops["POST /api/v1/rounds/{roundId}/answers"]));
        Assert.Contains("participantToken", OpenApiContract.Schemes(ops["GET /api/v1/rounds/{roundId}/stats"]));
        Assert.Contains("facilitatorToken", OpenApiContract.Schemes(ops["GET /api/v1/rounds/{roundId}/stats"]));
        // The handlers' own refusals.
        Assert.Contains("409", Statuses(ops["POST /api/v1/rounds/{roundId}/open"]));
        Assert.Contains("422", Statuses(ops["POST /api/v1/rounds/{roundId}/answers"]));
        Assert.Contains("409", Statuses(ops["POST /api/v1/rounds/{roundId}/answers"]));
        Assert.Contains("404", Statuses(ops["GET /api/v1/vision/review"]));
        Assert.DoesNotContain("409", Statuses(ops["GET /api/v1/studies"]));
    }

    [Fact]
    public async Task Request_schemas_carry_the_validation_rules_and_each_schema_name_is_one_type()
    {
        var doc = await DocumentAsync();
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        JsonElement Property(string schema, string name) => schemas.GetProperty(schema).GetProperty("properties").GetProperty(name);
        string[] Required(string schema) => schemas.GetProperty(schema).TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];

        Assert.Contains("title", Required("CreateStudyRequest"));
        Assert.Equal(200, Property("CreateStudyRequest", "title").GetProperty("maxLength").GetInt32());
        Assert.Equal(1, Property("CreateStudyRequest", "title").GetProperty("minLength").GetInt32());
        Assert.Equal(2000, Property("CreateStudyRequest", "horizonYear").GetProperty("minimum").GetInt32());
        Assert.Contains("itemId", Required("AnswerRequest"));
        Assert.Equal(0, Property("AnswerRequest", "itemId").GetProperty("exclusiveMinimum").GetInt32());
        Assert.Equal(DelphiRounds.Answers.AnswerRequestValidator.MaxRationaleLength, Property("AnswerRequest", "rationale").GetProperty("maxLength").GetInt32());
        Assert.Equal("email", Property("SignatoryRequest", "email").GetProperty("format").GetString());
        Assert.Equal(["nl", "en"], Property("AddParticipantRequest", "language").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(["rating", "numeric", "year", "ranking", "text"], Property("AddItemRequest", "kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray());
        // A name may not hold direction or zero-width characters: the validator's pattern, which refuses U+202E.
        var pattern = Property("SignatoryRequest", "name").GetProperty("pattern").GetString()!;
        Assert.Matches(pattern, "Anna de Vries");
        Assert.DoesNotMatch(pattern, "Anna\u202Eseirv");
        // Rules for one item kind only (When) are not made rules for every item.
        Assert.DoesNotContain("unit", Required("AddItemRequest"));
        Assert.DoesNotContain("scale", Required("AddItemRequest"));
        // Computed properties are not part of a request.
        Assert.False(schemas.GetProperty("TextRequest").GetProperty("properties").TryGetProperty("hasDisplayControls", out _));

        // Issue 17: two records were both called ErasureResponse; the participant's erasure was documented as the signatory's.
        Assert.False(schemas.TryGetProperty("ErasureResponse", out _));
        var ops = Operations(doc).ToDictionary(o => o.Key, o => o.Op);
        string Ok(string key) => ops[key].GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!;
        Assert.Equal("#/components/schemas/ParticipantErasureResponse", Ok("POST /api/v1/studies/{studyId}/participants/{participantId}/erase"));
        Assert.Equal("#/components/schemas/SignatoryErasureResponse", Ok("POST /api/v1/studies/{studyId}/signatories/{signatoryId}/erase"));
        Assert.Equal(["participantId", "reference", "erasedAt"], schemas.GetProperty("ParticipantErasureResponse").GetProperty("properties").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task The_committed_document_is_the_one_the_api_serves()
    {
        var served = JsonSerializer.Serialize(await DocumentAsync(), new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        var path = Path.Combine(FindRoot(), "docs", "openapi.json");
        var committed = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        if (served != committed && Environment.GetEnvironmentVariable("DELPHI_WRITE_OPENAPI") == "1")
        {
            File.WriteAllText(path, served);
            committed = served;
        }
        Assert.True(served == committed, "docs/openapi.json is not the document the API serves; run the tests with DELPHI_WRITE_OPENAPI=1 to write it again, then scripts/lint-openapi.sh.");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("DelphiRounds.sln not found above the test binaries.");
    }
}
