using System.Text.Json;
using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>
/// Every vector in Reference/ (a copy of shared/data/consensus-examples: computed with R 4.2.2, the
/// <c>v2-</c> ones from the contract's version 2 definitions; see its README) through the same path as
/// <c>delphi analyze</c>: parse, analyse, write. Numbers must match to 1e-9, nulls and booleans exactly;
/// <c>consensus.reasons</c> is prose and not compared. Invalid vectors must be refused.
/// </summary>
public class ReferenceVectorTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Reference");

    public static TheoryData<string> Vectors()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.input.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file)[..^".input.json".Length]);
        }
        return data;
    }

    [Fact]
    public void Reference_folder_holds_vectors()
    {
        Assert.True(Vectors().Count >= 8, $"expected the reference vectors in {Folder}");
    }

    [Fact]
    public void Reference_folder_holds_version_2_vectors()
    {
        Assert.True(Directory.GetFiles(Folder, "v2-*.input.json").Length >= 3, $"expected the v2- vectors in {Folder}");
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Reference_vector_matches_R(string name)
    {
        var input = File.ReadAllText(Path.Combine(Folder, name + ".input.json"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, name + ".expected.json")));

        if (expected.RootElement.TryGetProperty("error", out var error) && error.GetBoolean())
        {
            var refused = Assert.Throws<AnalysisInputException>(() => AnalysisJson.Analyze(input));
            Assert.False(string.IsNullOrWhiteSpace(refused.Field), "a refusal names the field at fault");
            return;
        }

        using var actual = JsonDocument.Parse(AnalysisJson.Analyze(input));
        var problem = FirstMismatch(expected.RootElement, actual.RootElement, "");
        Assert.True(problem is null, problem);
    }

    private static string? FirstMismatch(JsonElement expected, JsonElement actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                if (actual.ValueKind != JsonValueKind.Object) return $"{path}: expected an object, got {actual}";
                foreach (var property in expected.EnumerateObject())
                {
                    var child = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (child == "consensus.reasons") continue;
                    if (!actual.TryGetProperty(property.Name, out var value)) return $"{child}: missing";
                    if (FirstMismatch(property.Value, value, child) is { } problem) return problem;
                }
                return null;
            case JsonValueKind.Array:
                if (actual.ValueKind != JsonValueKind.Array || actual.GetArrayLength() != expected.GetArrayLength())
                {
                    return $"{path}: expected {expected}, got {actual}";
                }
                for (int i = 0; i < expected.GetArrayLength(); i++)
                {
                    if (FirstMismatch(expected[i], actual[i], $"{path}[{i}]") is { } problem) return problem;
                }
                return null;
            case JsonValueKind.Number:
                if (actual.ValueKind != JsonValueKind.Number) return $"{path}: expected {expected}, got {actual}";
                return Check.Close(expected.GetDouble(), actual.GetDouble()) ? null : $"{path}: expected {expected}, got {actual}";
            default:
                return expected.ValueKind == actual.ValueKind && expected.ToString() == actual.ToString()
                    ? null
                    : $"{path}: expected {expected}, got {actual}";
        }
    }
}
