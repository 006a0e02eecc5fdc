using System.Text.Json.Nodes;
using DelphiRounds.Demo;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>The demo's finished study ends with a frozen vision, 15 endorsements and one withdrawal.</summary>
public sealed class VisionDemoTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task The_demo_has_a_finished_study_whose_vision_fifteen_organisations_endorsed_and_one_withdrew_from()
    {
        var access = await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        Assert.NotNull(access.VerificationUrl);
        var studyId = long.Parse(access.VerificationUrl!.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(access.StudyId, studyId);
        // The vision closes the finished Delphi study (its verdicts are checked in ProcessDemoTests).
        Assert.Equal(access.Finished!.StudyId, studyId);
        Assert.Contains("Endorsed vision, public verification page: " + access.VerificationUrl, DelphiRounds.Cli.Admin.DemoCommand.Describe(access, app.Address.ToString().TrimEnd('/')));
        // Three Delphi rounds, then (issue 21) one reflection round after the signed vision.
        Assert.Equal(4, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM rounds WHERE study_id = {studyId} AND state = 'closed' AND kind = 'rating'"));
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM reflection_rounds WHERE study_id = {studyId}"));
        // Two versions before the first freeze, the first reviewed with objections; a third (vision 2) after the reflection round.
        Assert.Equal(3, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM vision_drafts WHERE study_id = {studyId}"));
        Assert.True(DatabaseDump.Count(app.DatabasePath, "SELECT COUNT(*) FROM vision_review_answers WHERE position = 'object' AND reason IS NOT NULL") > 0);

        var ledger = JsonNode.Parse(await app.Client().GetStringAsync($"/api/v1/studies/{studyId}/ledger"))!;
        var result = LedgerVerifier.Verify(ledger);
        Assert.True(result.Verifies, result.Message);
        var all = ledger["entries"]!.AsArray();
        // Vision 1's entries, then the revision that introduces vision 2 (issue 21) and vision 2's twelve signatures.
        var vision1 = ledger["document"]!["sha256"]!.GetValue<string>();
        var entries = new JsonArray(all.Where(e => e!["documentHash"]!.GetValue<string>() == vision1).Select(e => e!.DeepClone()).ToArray());
        var revision = Assert.Single(all, e => e!["kind"]!.GetValue<string>() == "revision")!;
        var vision2 = Assert.Single(ledger["revisions"]!.AsArray())!["sha256"]!.GetValue<string>();
        Assert.Equal(vision2, revision["documentHash"]!.GetValue<string>());
        var later = all.Where(e => e!["sequence"]!.GetValue<long>() > revision["sequence"]!.GetValue<long>()).ToList();
        Assert.Equal(12, later.Count);
        Assert.All(later, e => Assert.Equal(("endorsement", vision2), (e!["kind"]!.GetValue<string>(), e["documentHash"]!.GetValue<string>())));
        // The panel's fifteen organisations sign, each under a stated mandate; three have a co-signer; one signs with four eyes.
        var endorsements = entries.Where(e => e!["kind"]!.GetValue<string>() == "endorsement").ToList();
        Assert.Equal(18, endorsements.Count);
        Assert.Equal(15, endorsements.Select(e => e!["organisation"]!.GetValue<string>()).Distinct().Count());
        Assert.All(endorsements, e => Assert.True(e!["onPanel"]!.GetValue<bool>()));
        Assert.All(endorsements, e => Assert.False(string.IsNullOrWhiteSpace(e!["mandate"]!.GetValue<string>())));
        var fourEyes = Assert.Single(endorsements, e => e!["fourEyes"] is not null);
        var confirmation = Assert.Single(entries, e => e!["kind"]!.GetValue<string>() == "confirmation");
        Assert.Equal(fourEyes!["sequence"]!.GetValue<long>(), confirmation!["confirms"]!.GetValue<long>());
        // Issue 19: ten organisations sign with a passkey (real signatures the verifier checked), the other endorsements by link.
        Assert.Equal(10, result.PasskeySignatures);
        Assert.Equal(10, endorsements.Count(e => e!["method"]?.GetValue<string>() == "passkey"));
        Assert.Equal(8, endorsements.Count(e => e!["method"]?.GetValue<string>() == "link"));
        var withdrawal = Assert.Single(entries, e => e!["kind"]!.GetValue<string>() == "withdrawal");
        Assert.Equal(20, withdrawal!["sequence"]!.GetValue<long>());
        foreach (var type in new[] { "Netbeheerder", "Energiecentrale", "Warmtebedrijf", "Woningcorporatie", "Havenbedrijf", "Raffinaderij", "Provincie", "Omgevingsdienst", "Gemeente" })
            Assert.Contains(entries, e => e!["organisation"]!.GetValue<string>().Contains(type));

        var page = await app.Client().GetStringAsync($"/verify/{studyId}");
        Assert.Contains("data-verifies=\"true\"", page);
        // A signature counts for the text it signed: the summary counts vision 2, the version in force — the twelve organisations
        // that signed it (by link or passkey as the ledger says); the two others that still endorse vision 1 signed only an earlier version.
        Assert.Contains("data-organisation-count=\"12\"", page);
        var passkeysOnVision2 = later.Where(e => e!["method"]?.GetValue<string>() == "passkey").Select(e => e!["organisation"]!.GetValue<string>()).Distinct().Count();
        Assert.Contains($"data-passkey-count=\"{passkeysOnVision2}\" data-withdrawn-count=\"0\"", page);
        Assert.Contains("data-counts-version=\"2\" data-earlier-only=\"2\"", page);
        Assert.Contains("data-withdrawn=\"true\"", page);
        // On vision 1: three organisations have a co-signer, eleven signed once, one withdrew. On vision 2 twelve signed, each once:
        // a second person of an organisation that signed vision 1 does not make it co-signed.
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(page, "data-version-standing=\"1\" data-state=\"co-signed\""));
        Assert.Equal(11, System.Text.RegularExpressions.Regex.Count(page, "data-version-standing=\"1\" data-state=\"signed\""));
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(page, "data-version-standing=\"1\" data-state=\"withdrawn\""));
        Assert.Equal(12, System.Text.RegularExpressions.Regex.Count(page, "data-version-standing=\"2\" data-state=\"signed\""));
        Assert.Equal(0, System.Text.RegularExpressions.Regex.Count(page, "data-organisation-state=\"co-signed\""));
        Assert.Equal(12, System.Text.RegularExpressions.Regex.Count(page, "data-organisation-state=\"signed\""));
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(page, "data-organisation-state=\"not-signed\""));
        // Vision 1 and vision 2, and what changed: the drifting target moved, its statement reworded, one statement added.
        Assert.Contains("data-vision-versions=\"2\"", page);
        Assert.Contains("data-change=\"moved\"", page);
        Assert.Contains("data-change=\"changed\"", page);
        Assert.Contains("data-change=\"added\"", page);
        // The reworded point is Markdown ("**rond 2030**"); quoted in a sentence it reads as text, without its marks.
        var changed = page[page.IndexOf("data-change=\"changed\"", StringComparison.Ordinal)..];
        changed = changed[..changed.IndexOf("</li>", StringComparison.Ordinal)];
        Assert.Contains("rond 2030", changed);
        Assert.DoesNotContain("**", changed);
        Assert.Equal(0, System.Text.RegularExpressions.Regex.Count(page, "data-organisation-state=\"withdrawn\"")); // withdrawn from vision 1, see above

        // The frozen vision shows the polarised item (5, two camps after round 3) as polarised, read from its hashed figures;
        // the stopping verdict it was frozen with stays beside it.
        var item5 = page[page.IndexOf($"data-item=\"{access.Finished.Items[5]}\"", StringComparison.Ordinal)..];
        item5 = item5[..item5.IndexOf("</li>", StringComparison.Ordinal)];
        Assert.Contains("data-outcome=\"polarised\"", item5);
        Assert.Contains("Twee kampen", item5);
        Assert.DoesNotContain("data-outcome=\"polarised\"", ItemBlock(page, access.Finished.Items[1]));
    }

    private static string ItemBlock(string page, long itemId)
    {
        var block = page[page.IndexOf($"data-item=\"{itemId}\"", StringComparison.Ordinal)..];
        return block[..block.IndexOf("</li>", StringComparison.Ordinal)];
    }
}
