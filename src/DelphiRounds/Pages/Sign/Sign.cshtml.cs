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
    /// <summary>The mandate the signatory states ("authorised to sign for …"); pre-filled, required.</summary>
    [BindProperty] public string? Mandate { get; set; }
    public string? MandateError { get; private set; }

    /// <summary>Four eyes, for a second person's link: the signatory whose signature they confirm, and its entry once signed.</summary>
    public Signatory? Confirms { get; private set; }
    public LedgerEntry? ConfirmsEntry { get; private set; }
    /// <summary>For a signatory whose signature needs a second person: that person's role.</summary>
    public string? SecondPersonRole { get; private set; }
    /// <summary>The passkey's signed assertion (JSON from the page's script); empty when signing by link.</summary>
    [BindProperty] public string? Assertion { get; set; }

    public async Task<IActionResult> OnGetAsync(string token)
    {
        if (!await LoadAsync(token)) return Invalid();
        if (Signatory!.Signed && !Signatory.IsConfirmer) return Redirect($"/sign/{token}/receipt");
        Mandate = service.DefaultMandate(Signatory);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string token)
    {
        if (!await LoadAsync(token)) return Invalid();
        if (Signatory!.IsConfirmer) return await ConfirmAsync(token);
        if (Signatory!.Signed)
        {
            Error = t["endorsement.sign.alreadyUsed"];
            Response.StatusCode = 409;
            return Page();
        }
        var mandateOk = CheckMandate();
        if (!Confirm || !mandateOk)
        {
            if (!Confirm) ConfirmError = t["endorsement.sign.confirmRequired"];
            Response.StatusCode = 400;
            return Page();
        }
        var byPasskey = !string.IsNullOrWhiteSpace(Assertion);
        var result = await service.SignAsync(token, byPasskey ? PasskeyService.Check(Assertion, RelyingParty.For(Request, site)) : null, Mandate!.Trim());
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

    /// <summary>A mandate is stated (not empty, not too long, no hidden characters); otherwise the error next to the field.</summary>
    private bool CheckMandate()
    {
        if (string.IsNullOrWhiteSpace(Mandate)) MandateError = t["orgsign.mandate.required", Signatory!.Organisation];
        else if (Mandate.Length > 300) MandateError = t["error.tooLong", 300];
        else if (DisplayText.HasControls(Mandate)) MandateError = t["error.displayControls"];
        return MandateError is null;
    }

    /// <summary>Four eyes: the second person's link confirms the signature of their organisation's signatory.</summary>
    private async Task<IActionResult> ConfirmAsync(string token)
    {
        if (Signatory!.Signed)
        {
            Error = t["orgsign.confirm.alreadyUsed"];
            Response.StatusCode = 409;
            return Page();
        }
        var mandateOk = CheckMandate();
        if (!Confirm) ConfirmError = t["orgsign.confirm.required"];
        if (!mandateOk || !Confirm)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var result = await service.ConfirmAsync(token, Mandate!.Trim());
        switch (result.Outcome)
        {
            case LedgerOutcome.Appended:
                return RedirectPreserveMethod303($"/sign/{token}");
            case LedgerOutcome.NotSigned:
            case LedgerOutcome.AlreadyWithdrawn:
                Error = t[result.Outcome == LedgerOutcome.NotSigned ? "orgsign.confirm.notYetSigned" : "orgsign.confirm.withdrawn"];
                Response.StatusCode = 409;
                return Page();
            case LedgerOutcome.AlreadySpent:
                Error = t["orgsign.confirm.alreadyUsed"];
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
        if (Signatory.ConfirmsSignatoryId is { } confirms)
        {
            Confirms = await store.FindAsync(confirms);
            ConfirmsEntry = await store.EndorsementOfAsync(confirms);
            if (Confirms is not null) Intent = service.ConfirmationStatement(Signatory, Confirms, document.DocumentHash);
            return Confirms is not null;
        }
        if (Signatory.FourEyes)
            SecondPersonRole = (await store.ListAsync(Signatory.StudyId)).FirstOrDefault(c => c.ConfirmsSignatoryId == Signatory.Id)?.Role;
        HasPasskey = (await store.PasskeysAsync(Signatory.Id)).Count > 0;
        return true;
    }
}
