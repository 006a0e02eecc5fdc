using DelphiRounds.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace DelphiRounds.Pages;

/// <summary>Facilitator login with e-mail and password (cookie).</summary>
public sealed class LoginModel(FacilitatorStore facilitators, DelphiRounds.Security.AccountLoginLimiter accountLimits) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public bool Failed { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        // Counted before the password is checked, so a refusal says nothing about whether it was right.
        if (!accountLimits.TryAttempt(Email, out var wait))
        {
            Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return StatusCode(StatusCodes.Status429TooManyRequests);
        }
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
