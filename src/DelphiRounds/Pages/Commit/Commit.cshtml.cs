using DelphiRounds.Agenda;
using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using DelphiRounds.Vision;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace DelphiRounds.Pages.Commit;

/// <summary>
/// The one-time commitment link of a signing organisation. A GET only shows the form (mail scanners that follow links
/// change nothing); the POST checks the commitment and records it: the link is spent in the same transaction as the
/// ledger entry, and only while the organisation's endorsement is in force.
/// </summary>
public sealed class CommitModel(AgendaService service, ITokenLookupFailures failures) : PageModel
{
    public Signatory? Signatory { get; private set; }
    public FrozenVision? Vision { get; private set; }
    public Agenda.Commitment? Made { get; private set; }
    public bool Used { get; private set; }

    [BindProperty] public string? Text { get; set; }
    [BindProperty] public List<int>? Statements { get; set; }
    [BindProperty] public string? Due { get; set; }
    [BindProperty] public string? OwnerRole { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(string token) => await LoadAsync(token) ? Page() : Invalid();

    public async Task<IActionResult> OnPostAsync(string token)
    {
        if (!await LoadAsync(token)) return Invalid();
        ModelState.Clear();
        if (Used)
        {
            Response.StatusCode = 409;
            return Page();
        }
        var (errors, outcome, commitment) = await service.CommitAsync(token, Text, Statements, Due, OwnerRole);
        if (errors is not null)
        {
            foreach (var (key, messages) in errors) ModelState.AddModelError(char.ToUpperInvariant(key[0]) + key[1..], messages[0]);
            Response.StatusCode = 400;
            return Page();
        }
        switch (outcome)
        {
            case LedgerOutcome.Appended:
                Response.Headers.Location = $"/commit/{token}";
                return StatusCode(StatusCodes.Status303SeeOther);
            case LedgerOutcome.AlreadySpent:
                Used = true;
                Response.StatusCode = 409;
                return Page();
            default:
                return Invalid();
        }
    }

    private PageResult Invalid()
    {
        Signatory = null;
        Response.StatusCode = 404;
        return Page();
    }

    private async Task<bool> LoadAsync(string token)
    {
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        var state = await service.LinkAsync(token);
        if (state is null)
        {
            failures.Failed(HttpContext, "commitment");
            return false;
        }
        var (link, signatory, vision, made) = state.Value;
        // An organisation that withdrew cannot commit; a commitment already made stays readable.
        if (made is null && (signatory.WithdrawnAt is not null || !signatory.Signed)) return false;
        (Signatory, Vision, Made, Used) = (signatory, vision, made, link.Spent);
        return true;
    }
}
