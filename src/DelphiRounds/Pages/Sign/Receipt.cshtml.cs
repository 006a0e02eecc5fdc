using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Pages.Sign;

/// <summary>
/// The signatory's receipt (printable; also as JSON at <c>/sign/{token}/receipt.json</c>): their entry, its hashes,
/// the head the service signed right after it. From here they can withdraw their endorsement — a POST with an
/// explicit confirmation that appends a withdrawal; the endorsement itself stays in the ledger.
/// </summary>
public sealed class ReceiptModel(EndorsementService service, EndorsementStore store, SiteUrls site, IStringLocalizer<Texts> t,
    IOptions<SiteOptions> siteOptions) : PageModel
{
    public Signatory Signatory { get; private set; } = null!;
    public LedgerEntry Entry { get; private set; } = null!;
    public LedgerEntry? Withdrawal { get; private set; }
    public LedgerHead Head { get; private set; } = null!;
    /// <summary>The whole record as the verification page checks it: its entries and whether it verifies.</summary>
    public LedgerSnapshot? Ledger { get; private set; }
    public string Token { get; private set; } = "";
    public string? ConfirmError { get; private set; }
    public string? Error { get; private set; }

    [TempData] public string? Notice { get; set; }
    [BindProperty] public bool ConfirmWithdraw { get; set; }
    [BindProperty] public string? Reason { get; set; }
    /// <summary>The passkey's signed assertion for the withdrawal (an endorsement made with a passkey is withdrawn with it).</summary>
    [BindProperty] public string? Assertion { get; set; }

    public async Task<IActionResult> OnGetAsync(string token)
    {
        if (await LoadAsync(token) is { } other) return other;
        return Page();
    }

    public async Task<IActionResult> OnPostWithdrawAsync(string token)
    {
        if (await LoadAsync(token) is { } other) return other;
        if (Withdrawal is not null)
        {
            Error = t["endorsement.withdraw.already"];
            Response.StatusCode = 409;
            return Page();
        }
        if (!ConfirmWithdraw)
        {
            ConfirmError = t["endorsement.withdraw.confirmRequired"];
            Response.StatusCode = 400;
            return Page();
        }
        if (Reason is { Length: > 1000 })
        {
            Error = t["error.tooLong", 1000];
            Response.StatusCode = 400;
            return Page();
        }
        var result = await service.WithdrawAsync(token, Reason,
            string.IsNullOrWhiteSpace(Assertion) ? null : PasskeyService.Check(Assertion, RelyingParty.For(Request, siteOptions)));
        if (result.Outcome is LedgerOutcome.PasskeyRefused or LedgerOutcome.PasskeyRequired)
        {
            Error = t[result.Problem ?? "endorsement.passkey.error.required"];
            Response.StatusCode = 400;
            return Page();
        }
        if (result.Outcome != LedgerOutcome.Appended)
        {
            Error = t["endorsement.withdraw.already"];
            Response.StatusCode = 409;
            return Page();
        }
        Notice = t["endorsement.withdraw.done"];
        Response.Headers.Location = $"/sign/{token}/receipt";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    private async Task<IActionResult?> LoadAsync(string token)
    {
        Token = token;
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        var receipt = await service.ReceiptAsync(token, site.BaseUrl(Request));
        if (receipt is null)
        {
            // A link that can still sign is sent to its signing page; an unknown, replaced or erased one has no receipt here either.
            return await store.FindByTokenAsync(token) is { Signed: false, Erased: false } ? Redirect($"/sign/{token}") : NotFound();
        }
        (Signatory, _, Entry, Withdrawal, Head) = receipt.Value;
        Ledger = await service.LedgerAsync(Signatory.StudyId);
        return null;
    }
}
