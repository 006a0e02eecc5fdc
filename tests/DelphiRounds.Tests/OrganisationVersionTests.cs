using System.Text.RegularExpressions;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Signing per organisation across versions of the vision (issues 18 and 21): a signature counts for the text it signed. An
/// organisation whose one person signed vision 1 and whose other person signed vision 2 signed each version once (it did not
/// co-sign either); one that signed only vision 1 does not endorse vision 2; /verify counts the version in force.
/// </summary>
public sealed class OrganisationVersionTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private const string V1 = "hash-of-vision-1";
    private const string V2 = "hash-of-vision-2";

    private static LedgerEntry E(long sequence, string kind, string organisation, string documentHash, long? withdraws = null, long? confirms = null,
        bool fourEyes = false) => new()
    {
        Sequence = sequence, Kind = kind, Organisation = organisation, DocumentHash = documentHash, Withdraws = withdraws, Confirms = confirms,
        FourEyes = fourEyes ? 1 : null, OnPanel = 1,
    };

    [Fact]
    public void The_tally_per_version_counts_each_signature_for_the_text_it_signed_and_a_later_withdrawal_or_confirmation_for_the_version_it_names()
    {
        var entries = new[]
        {
            E(1, LedgerFormat.Endorsement, "Stad", V1),
            E(2, LedgerFormat.Endorsement, "Haven", V1),
            E(3, LedgerFormat.Endorsement, "Woon", V1, fourEyes: true),
            E(4, LedgerFormat.Endorsement, "Weg", V1),
            new LedgerEntry { Sequence = 5, Kind = LedgerFormat.RevisionKind, Organisation = "Organisator", DocumentHash = V2 },
            E(6, LedgerFormat.Endorsement, " stad ", V2),
            E(7, LedgerFormat.Endorsement, "Nieuw", V2),
            // Made while vision 2 is in force, so they carry its hash, but they are about endorsements of vision 1.
            E(8, LedgerFormat.ConfirmationKind, "Woon", V2, confirms: 3),
            E(9, LedgerFormat.Withdrawal, "Weg", V2, withdraws: 4),
        };
        var versions = OrganisationSignatures.TallyPerVersion(entries, [V1, V2], ["Stad", "Haven", "Paneel"]);
        Assert.Equal([1, 2], versions.Select(v => v.Number));
        Assert.Equal([V1, V2], versions.Select(v => v.DocumentHash));
        var one = versions[0].Standings.ToDictionary(s => s.Organisation, s => s.State);
        var two = versions[1].Standings.ToDictionary(s => s.Organisation, s => s.State);

        // Two people of Stad signed, each a different text: signed on each version, co-signed on none.
        Assert.Equal(OrganisationSigningState.Signed, one["Stad"]);
        Assert.Equal(OrganisationSigningState.Signed, two[" stad "]);
        Assert.Equal(OrganisationSigningState.Signed, one["Haven"]);
        Assert.Equal(OrganisationSigningState.Signed, one["Woon"]); // confirmed for vision 1, though the confirmation carries vision 2's hash
        Assert.Equal(OrganisationSigningState.Withdrawn, one["Weg"]); // withdrawn from vision 1
        Assert.Equal(["Haven", "Stad", "Weg", "Woon"], one.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(OrganisationSigningState.Signed, two["Nieuw"]);
        // The panel's organisations that did not sign vision 2, Haven among them: it signed only vision 1.
        Assert.Equal(OrganisationSigningState.NotSigned, two["Haven"]);
        Assert.Equal(OrganisationSigningState.NotSigned, two["Paneel"]);
        Assert.False(two.ContainsKey("Woon"));
        Assert.False(two.ContainsKey("Weg"));
        Assert.Equal(2, versions[1].Standings.Count(s => s.Endorses));
        // Over the whole ledger Stad would look co-signed: the defect this tally per version corrects.
        Assert.Equal(OrganisationSigningState.CoSigned, OrganisationSignatures.Tally(entries).Single(s => s.Organisation == "Stad").State);

        var across = OrganisationSignatures.Across(versions);
        // Those on vision 2 first, then those with a standing on vision 1 only (Haven took part in vision 2 but did not sign it), then the rest of the panel.
        Assert.Equal([" stad ", "Nieuw", "Haven", "Weg", "Woon", "Paneel"], across.Select(a => a.Organisation));
        var stad = across[0];
        Assert.True(stad.EndorsesCurrent);
        Assert.Equal(OrganisationSigningState.Signed, Assert.Single(stad.Earlier).Standing!.State);
        Assert.Equal([1L, 6L], stad.Endorsements.Select(e => e.Sequence));
        var haven = across.Single(a => a.Organisation == "Haven");
        Assert.False(haven.EndorsesCurrent);
        Assert.Equal(OrganisationSigningState.NotSigned, haven.Current!.State);
        Assert.Equal((1, OrganisationSigningState.Signed), (haven.Earlier[0].Number, haven.Earlier[0].Standing!.State));
        var nieuw = across.Single(a => a.Organisation == "Nieuw");
        Assert.Null(nieuw.Earlier[0].Standing);
        var woon = across.Single(a => a.Organisation == "Woon");
        Assert.Null(woon.Current);

        // One version: the same as the tally over the whole ledger.
        var single = OrganisationSignatures.TallyPerVersion(entries.Take(4).ToList(), [V1]);
        Assert.Equal(OrganisationSignatures.Tally(entries.Take(4).ToList()).Select(s => (s.Organisation, s.State)),
            Assert.Single(single).Standings.Select(s => (s.Organisation, s.State)));
    }

    private static string Row(string page, string organisation)
    {
        var match = Regex.Match(page, $"<tr class=\"utrecht-table__row\" data-organisation-state=\"[^\"]+\" data-organisation-name=\"{Regex.Escape(organisation)}\".*?</tr>",
            RegexOptions.Singleline);
        Assert.True(match.Success, $"no row for {organisation}");
        return match.Value;
    }

    private static string StateOn(string row, int version) =>
        Regex.Match(row, $"data-version-standing=\"{version}\" data-state=\"([^\"]+)\"").Groups[1].Value;

    [Fact]
    public async Task On_verify_an_organisation_that_signed_vision_1_and_vision_2_with_different_people_signed_each_and_the_count_is_vision_2s()
    {
        // Vision 1 signed by Organisatie 1 and 2; vision 2 by Organisatie 3 and now also by a second person of Organisatie 1.
        var r = await ReflectionScenario.SignedVision2Async(app);
        var first = r.Agenda.Signatories[0].Organisation;
        var second = r.Agenda.Signatories[1].Organisation;
        var again = await VisionScenario.RegisterAsync(r.Agenda.Study, first, "Tweede Persoon", "tweede.persoon@example.org");
        await AgendaScenario.SignAsync(app, again);

        var page = await app.Client().GetStringAsync($"/verify/{r.Agenda.StudyId}");
        Assert.Contains("data-verifies=\"true\"", page);
        Assert.Contains("data-vision-versions=\"2\"", page);
        // The summary counts vision 2: Organisatie 1 and 3, not Organisatie 2, which signed only vision 1.
        Assert.Contains("data-endorsement-count=\"2\" data-organisation-count=\"2\"", page);
        Assert.Contains("2 organisaties onderschrijven deze visie.", page);
        Assert.Contains("data-counts-version=\"2\" data-earlier-only=\"1\"", page);
        Assert.Contains("Deze telling gaat over visie 2: de versie die nu geldt.", page);
        Assert.Contains("1 organisatie tekende alleen een eerdere versie.", page);
        Assert.DoesNotContain("co-signed", page);

        var x = Row(page, first);
        Assert.Contains("data-organisation-state=\"signed\"", x);
        Assert.Equal("signed", StateOn(x, 2));
        Assert.Equal("signed", StateOn(x, 1));
        Assert.Contains("data-signature-version=\"1\"", x);
        Assert.Contains("data-signature-version=\"2\"", x);
        Assert.Contains("Visie 2:", x);
        Assert.Contains("Visie 1:", x);

        var onlyVision1 = Row(page, second);
        Assert.Contains("data-organisation-state=\"not-signed\"", onlyVision1);
        Assert.Equal("not-signed", StateOn(onlyVision1, 2));
        Assert.Equal("signed", StateOn(onlyVision1, 1));
        Assert.Contains("Niet getekend", onlyVision1);

        var onlyVision2 = Row(page, "Organisatie 3 (visie 2)");
        Assert.Equal("signed", StateOn(onlyVision2, 2));
        Assert.Equal("not-signed", StateOn(onlyVision2, 1));

        // The evidence bundle holds vision 2, and its README counts those that signed vision 2.
        using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(await app.Client().GetByteArrayAsync($"/verify/{r.Agenda.StudyId}/evidence.zip"))))
        using (var readme = new StreamReader(zip.GetEntry(EvidenceBundleNames.Readme)!.Open()))
        {
            var text = await readme.ReadToEndAsync();
            Assert.Contains("2 organisaties onderschrijven de tekst", text);
            Assert.Contains("2 organisations endorse the text", text);
        }

        // The same in English.
        var english = await app.Client().GetStringAsync($"/verify/{r.Agenda.StudyId}?culture=en");
        Assert.Contains("2 organisations endorse this vision.", english);
        Assert.Contains("These counts are about vision 2: the version in force now.", english);
        Assert.Contains("1 organisation signed only an earlier version.", english);
        Assert.Equal("signed", StateOn(Row(english, first), 1));
        Assert.Equal("not-signed", StateOn(Row(english, second), 2));
    }
}
