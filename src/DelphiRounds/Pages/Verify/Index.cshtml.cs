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
public sealed class IndexModel(EndorsementService service, LedgerSigningKey key, SiteUrls site, Studies.StudyStore studies,
    Organisations.OrganisationStore organisations) : PageModel
{
    public string BaseUrl => site.BaseUrl(Request);
    public LedgerSnapshot? Ledger { get; private set; }
    /// <summary>Per organisation: signed, co-signed, awaiting confirmation, withdrawn — and, when the study's organisations are public, took part but did not sign.</summary>
    public IReadOnlyList<OrganisationStanding> Standings { get; private set; } = [];
    public string CurrentKeyFingerprint { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(long studyId)
    {
        Ledger = await service.LedgerAsync(studyId);
        if (Ledger is null)
        {
            Response.StatusCode = 404;
            return Page();
        }
        CurrentKeyFingerprint = key.Fingerprint;
        var study = await studies.FindAsync(studyId);
        Standings = Ledger.ByOrganisation(study is { OrganisationsPublic: true } ? await organisations.NamesAsync(studyId) : null);
        return Page();
    }
}
