using System.Text.RegularExpressions;

namespace DelphiRounds.Tests.People;

/// <summary>Issue 9 (licence and catalogue, guides): EUPL-1.2 in full, a publiccode.yml whose files exist, the guides the README links.</summary>
public sealed class CatalogueTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }

    [Fact]
    public void The_licence_is_the_whole_EUPL_1_2()
    {
        var text = File.ReadAllText(Path.Combine(Root(), "LICENSE"));
        Assert.StartsWith("European Union Public Licence v. 1.2\n\nEUPL © the European Union 2007, 2016\n", text);
        for (var article = 1; article <= 15; article++) Assert.Matches(new Regex($@"^\s+{article}\. \S", RegexOptions.Multiline), text);
        Assert.Contains("'Compatible Licences' according to Article 5 EUPL are:", text);
        Assert.EndsWith("a new EUPL version.\n", text);
    }

    [Fact]
    public void Publiccode_yml_names_the_licence_both_languages_and_only_files_that_exist()
    {
        var root = Root();
        var yml = File.ReadAllText(Path.Combine(root, "publiccode.yml"));
        Assert.Matches(new Regex(@"^publiccodeYmlVersion: ""0\.4""$", RegexOptions.Multiline), yml);
        Assert.Matches(new Regex(@"^  license: EUPL-1\.2$", RegexOptions.Multiline), yml);
        Assert.Matches(new Regex(@"^  availableLanguages:\n    - nl\n    - en$", RegexOptions.Multiline), yml);
        var shots = Regex.Matches(yml, @"^      - (docs/screenshots/\S+\.png)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(8, shots.Count);
        Assert.All(shots, s => Assert.True(File.Exists(Path.Combine(root, s)), s));
        foreach (Match m in Regex.Matches(yml, @"^    shortDescription: >-\n((?:      .*\n)+)", RegexOptions.Multiline))
            Assert.True(string.Join(" ", m.Groups[1].Value.Split('\n').Select(l => l.Trim())).Trim().Length <= 150);
    }

    [Fact]
    public void The_readme_links_the_facilitator_guide_the_licence_and_only_screenshots_that_exist()
    {
        var root = Root();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        Assert.Contains("(docs/facilitator-guide.md)", readme);
        Assert.Contains("[EUPL-1.2](LICENSE)", readme);
        var guide = File.ReadAllText(Path.Combine(root, "docs", "facilitator-guide.md"));
        foreach (var part in new[] { "## 1. Setting up a study", "## 2. Choosing the consensus rules", "## 3. Running the rounds", "## 4. Closing with a vision" })
            Assert.Contains(part, guide);
        var shots = Regex.Matches(readme, @"docs/screenshots/[\w-]+\.png").Select(m => m.Value).Distinct().ToList();
        Assert.All(shots, s => Assert.True(File.Exists(Path.Combine(root, s)), s));
        foreach (var page in new[] { "questionnaire", "dashboard", "study", "panel", "items", "vision", "verification", "help", "report", "convergence-page" })
            foreach (var lang in new[] { "nl", "en" })
                Assert.Contains($"docs/screenshots/{page}-{lang}.png", shots);
    }
}
