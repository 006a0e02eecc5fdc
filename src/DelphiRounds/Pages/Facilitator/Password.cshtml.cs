using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// The facilitator changes their own password (the first one is printed by the server or by
/// <c>delphi facilitator add</c>). The current password is asked again; a change ends every other session.
/// Posts count against the login rate limit, so it cannot be used to guess the current password.
/// </summary>
public sealed class PasswordModel(FacilitatorStore facilitators, IStringLocalizer<Texts> t) : PageModel
{
    public const int MinLength = 12;
    public const int MaxLength = 200;

    [BindProperty] public string? CurrentPassword { get; set; }
    [BindProperty] public string? NewPassword { get; set; }
    [BindProperty] public string? RepeatPassword { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        ModelState.Clear();
        var account = await facilitators.FindAsync(User.FacilitatorId()!.Value);
        if (account is null) return Forbid();
        if (string.IsNullOrEmpty(CurrentPassword))
            ModelState.AddModelError(nameof(CurrentPassword), t["password.error.currentRequired"]);
        else if (!FacilitatorStore.IsPassword(account, CurrentPassword))
            ModelState.AddModelError(nameof(CurrentPassword), t["password.error.currentWrong"]);
        if (string.IsNullOrEmpty(NewPassword) || NewPassword.Length < MinLength)
            ModelState.AddModelError(nameof(NewPassword), t["password.error.tooShort", MinLength]);
        else if (NewPassword.Length > MaxLength)
            ModelState.AddModelError(nameof(NewPassword), t["error.tooLong", MaxLength]);
        else if (NewPassword == CurrentPassword)
            ModelState.AddModelError(nameof(NewPassword), t["password.error.same"]);
        else if (RepeatPassword != NewPassword)
            ModelState.AddModelError(nameof(RepeatPassword), t["password.error.repeat"]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var changed = await facilitators.SetPasswordAsync(account, NewPassword);
        if (changed is null) return Forbid();
        // This browser stays logged in with the new stamp; every other session ends on its next request.
        await FacilitatorSession.SignInAsync(HttpContext, changed.Account);
        TempData["PasswordChanged"] = true;
        return Redirect("/f/account");
    }
}
