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
        Assert.Equal(3, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM rounds WHERE study_id = {studyId} AND state = 'closed' AND kind = 'rating'"));
        // Two versions, the first reviewed with objections; the second frozen.
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM vision_drafts WHERE study_id = {studyId}"));
        Assert.True(DatabaseDump.Count(app.DatabasePath, "SELECT COUNT(*) FROM vision_review_answers WHERE position = 'object' AND reason IS NOT NULL") > 0);

        var ledger = JsonNode.Parse(await app.Client().GetStringAsync($"/api/v1/studies/{studyId}/ledger"))!;
        var result = LedgerVerifier.Verify(ledger);
        Assert.True(result.Verifies, result.Message);
        var entries = ledger["entries"]!.AsArray();
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
        Assert.Contains("data-organisation-count=\"14\"", page);
        Assert.Contains("data-passkey-count=\"10\"", page);
        Assert.Contains("data-withdrawn=\"true\"", page);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(page, "data-organisation-state=\"co-signed\""));
        Assert.Equal(11, System.Text.RegularExpressions.Regex.Count(page, "data-organisation-state=\"signed\""));
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(page, "data-organisation-state=\"withdrawn\""));

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
