using System.Text.Json;
using DelphiRounds.Kernel;

namespace DelphiRounds.Tests.Trust;

/// <summary>Every text file of every feature is loaded, in both languages.</summary>
public sealed class TrustTextTests
{
    [Fact]
    public void Every_key_of_every_feature_text_file_is_loaded_in_both_languages()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "DelphiRounds.sln"))) root = Path.GetDirectoryName(root)!;
        var files = Directory.GetFiles(Path.Combine(root, "src", "DelphiRounds", "Resources"), "*.json");
        Assert.Contains(files, f => Path.GetFileName(f) == "trust.nl.json");
        foreach (var file in files)
        {
            var culture = Path.GetFileNameWithoutExtension(file).Split('.').Last();
            var table = JsonStringLocalizerFactory.Table(culture);
            var keys = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(file))!;
            Assert.All(keys, kv => Assert.True(table.TryGetValue(kv.Key, out var text) && text == kv.Value, $"{Path.GetFileName(file)}: '{kv.Key}' is not loaded"));
        }
    }
}
