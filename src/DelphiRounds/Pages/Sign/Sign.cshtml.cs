using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using DelphiRounds.Records;
using DelphiRounds.Vision;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Pages.Sign;

/// <summary>
/// The one-time signing link. A GET only shows the frozen vision, its hash, the organisation and role and the
/// statement of intent — mail scanners that follow links must not sign or spend anything. Only the POST of
/// the form, with the explicit confirmation, signs; it spends the link in the same transaction as the ledger append.
/// </summary>
public sealed class SignModel(EndorsementStore store, VisionStore visions, EndorsementService service, IStringLocalizer<Texts> t,
    ITokenLookupFailures failures, IOptions<SiteOptions> site) : PageModel
{
    public Signatory? Signatory { get; private set; }
    public FrozenVision? Vision { get; private set; }
    public string Intent { get; private set; } = "";
    public string? Error { get; private set; }
    public string? ConfirmError { get; private set; }
    public string Token { get; private set; } = "";
    /// <summary>Why a passkey signature was refused (nothing was appended; the link is not spent).</summary>
    public string? PasskeyError { get; private set; }
    /// <summary>True when the signatory has made a passkey already (the page's script then signs with it, without making another).</summary>
    public bool HasPasskey { get; private set; }

    [BindProperty] public bool Confirm { get; set; }
    /// <summary>The passkey's signed assertion (JSON from the page's script); empty when signing by link.</summary>
    [BindProperty] public string? Assertion { get; set; }

    public async Task<IActionResult> OnGetAsync(string token)
    {
        if (!await LoadAsync(token)) return Invalid();
        if (Signatory!.Signed) return Redirect($"/sign/{token}/receipt");
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token)
    {
        if (!await LoadAsync(token)) return Invalid();
        if (Signatory!.Signed)
        {
            Error = t["endorsement.sign.alreadyUsed"];
            Response.StatusCode = 409;
            return Page();
        }
        if (!Confirm)
        {
            ConfirmError = t["endorsement.sign.confirmRequired"];
            Response.StatusCode = 400;
            return Page();
        }
        var byPasskey = !string.IsNullOrWhiteSpace(Assertion);
        var result = await service.SignAsync(token, byPasskey ? PasskeyService.Check(Assertion, RelyingParty.For(Request, site)) : null);
        switch (result.Outcome)
        {
            case LedgerOutcome.Appended:
                return RedirectPreserveMethod303($"/sign/{token}/receipt");
            case LedgerOutcome.PasskeyRefused:
                PasskeyError = t[result.Problem ?? "endorsement.passkey.error.invalid"];
                Response.StatusCode = 400;
                return Page();
            case LedgerOutcome.AlreadySpent:
                Signatory = await store.FindByTokenAsync(token);
                Error = t["endorsement.sign.alreadyUsed"];
                Response.StatusCode = 409;
                return Page();
            default:
                return Invalid();
        }
    }

    /// <summary>303 See Other: the browser fetches the receipt with a GET, and a reload does not post again.</summary>
    private StatusCodeResult RedirectPreserveMethod303(string url)
    {
        Response.Headers.Location = url;
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    private PageResult Invalid()
    {
        Signatory = null;
        Response.StatusCode = 404;
        return Page();
    }

    private async Task<bool> LoadAsync(string token)
    {
        Token = token;
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        Signatory = await store.FindByTokenAsync(token);
        if (Signatory is null) failures.Failed(HttpContext, "signing");
        if (Signatory is null || (Signatory.Erased && !Signatory.Signed)) return false;
        var document = await visions.DocumentAsync(Signatory.StudyId);
        if (document is null) return false;
        Vision = FrozenVision.Parse(document.CanonicalJson, document.DocumentHash);
        Intent = service.IntentStatement(Signatory, Vision.Title, document.DocumentHash);
        HasPasskey = (await store.PasskeysAsync(Signatory.Id)).Count > 0;
        return true;
    }
}
