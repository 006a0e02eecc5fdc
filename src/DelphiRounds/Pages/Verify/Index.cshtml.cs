using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Pages.Verify;

/// <summary>
/// The public verification page: the frozen vision and its hash, who endorsed for which organisation and when,
/// withdrawals, and whether the ledger verifies — by the same <see cref="LedgerVerifier"/> as the API and the CLI,
/// run on the same ledger document the API publishes.
/// </summary>
public sealed class IndexModel(EndorsementService service, LedgerSigningKey key, SiteUrls site, LedgerCheckScript script, Studies.StudyStore studies,
    Organisations.OrganisationStore organisations) : PageModel
{
    public string BaseUrl => site.BaseUrl(Request);
    public LedgerSnapshot? Ledger { get; private set; }
    /// <summary>Per organisation: signed, co-signed, awaiting confirmation, withdrawn — and, when the study's organisations are public, took part but did not sign.</summary>
    public IReadOnlyList<OrganisationStanding> Standings { get; private set; } = [];
    /// <summary>
    /// With more than one version of the vision (issue 21): per organisation its standing on the latest version and on each
    /// earlier one; <see cref="Standings"/> is then the latest version's. Empty with one version.
    /// </summary>
    public IReadOnlyList<OrganisationAcrossVersions> AcrossVersions { get; private set; } = [];
    /// <summary>The number of the version the counts are about: the latest.</summary>
    public int CurrentVersion { get; private set; } = 1;
    public string CurrentKeyFingerprint { get; private set; } = "";
    /// <summary>The check in the visitor's browser (its own partial, _BrowserCheck).</summary>
    public BrowserCheckView? BrowserCheck { get; private set; }

    public async Task<IActionResult> OnGetAsync(long studyId)
    {
        Ledger = await service.LedgerAsync(studyId);
        if (Ledger is null)
        {
            Response.StatusCode = 404;
            return Page();
        }
        CurrentKeyFingerprint = key.Fingerprint;
        BrowserCheck = new BrowserCheckView(studyId, LanguageSetup.IsEnglish ? "en" : "nl", $"/api/v1/studies/{studyId}/ledger",
            (await service.KeysAsync()).Select(k => k.Fingerprint).ToList(), script.Sha256);
        var study = await studies.FindAsync(studyId);
        var panel = study is { OrganisationsPublic: true } ? await organisations.NamesAsync(studyId) : null;
        // A signature counts for the text it signed: the counts are the latest version's; with more than one version the
        // earlier ones are shown beside them. (With one version every endorsement signed it, so this is the whole ledger's tally.)
        var perVersion = Ledger.ByOrganisationPerVersion(panel);
        Standings = perVersion[^1].Standings;
        CurrentVersion = perVersion[^1].Number;
        if (perVersion.Count > 1) AcrossVersions = OrganisationSignatures.Across(perVersion);
        return Page();
    }
}
