using DelphiRounds.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace DelphiRounds.Pages;

/// <summary>Facilitator login with e-mail and password (cookie).</summary>
public sealed class LoginModel(FacilitatorStore facilitators) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public bool Failed { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var account = string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password)
            ? null : await facilitators.CheckPasswordAsync(Email, Password);
        if (account is null)
        {
            Failed = true;
            Response.StatusCode = 400;
            return Page();
        }
        await FacilitatorSession.SignInAsync(HttpContext, account);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/f");
    }
}
