using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>The facilitator's account: a link to change the password, and personal API tokens for scripts.</summary>
public sealed class AccountModel(FacilitatorStore facilitators, IStringLocalizer<Texts> t) : PageModel
{
    public IReadOnlyList<FacilitatorStore.ApiTokenInfo> Tokens { get; private set; } = [];
    [TempData] public string? NewToken { get; set; }
    [BindProperty] public string? TokenName { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    private long FacilitatorId => User.FacilitatorId()!.Value;

    public async Task OnGetAsync() => Tokens = await facilitators.ListApiTokensAsync(FacilitatorId);

    public async Task<IActionResult> OnPostCreateAsync()
    {
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(TokenName) || TokenName.Length > 100)
        {
            ModelState.AddModelError(nameof(TokenName), t["account.error.tokenName"]);
            Response.StatusCode = 400;
            Tokens = await facilitators.ListApiTokensAsync(FacilitatorId);
            return Page();
        }
        NewToken = await facilitators.CreateApiTokenAsync(FacilitatorId, TokenName.Trim());
        return Redirect("/f/account");
    }

    public async Task<IActionResult> OnPostRevokeAsync(long tokenId)
    {
        await facilitators.RevokeApiTokenAsync(FacilitatorId, tokenId);
        return Redirect("/f/account");
    }
}
