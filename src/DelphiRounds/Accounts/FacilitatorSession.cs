using System.Security.Claims;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace DelphiRounds.Accounts;

/// <summary>
/// A facilitator's login cookie, tied to the password it was made with: the cookie carries a stamp made
/// from the stored password hash, and when the password changes (on the account page, or with
/// <c>delphi facilitator password</c>) every session opened before ends on its next request.
/// </summary>
public static class FacilitatorSession
{
    public const string StampClaim = "delphi:stamp";

    /// <summary>The stamp of an account: a prefix of a hash of its password hash (the cookie never holds the stored value).</summary>
    public static string Stamp(Facilitator account) => Secrets.Hash(account.PasswordHash)[..32];

    /// <summary>Logs the facilitator in on this browser (a new cookie with the current stamp).</summary>
    public static Task SignInAsync(HttpContext context, Facilitator account)
    {
        var identity = Auth.FacilitatorIdentity(account, Auth.FacilitatorCookie);
        identity.AddClaim(new Claim(StampClaim, Stamp(account)));
        return context.SignInAsync(Auth.FacilitatorCookie, new ClaimsPrincipal(identity));
    }

    /// <summary>Cookie check on every request: the account still exists and its password is the one the cookie was made with.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FacilitatorId();
        var stamp = context.Principal?.FindFirst(StampClaim)?.Value;
        var account = id is null || stamp is null
            ? null
            : await context.HttpContext.RequestServices.GetRequiredService<FacilitatorStore>().FindAsync(id.Value);
        if (account is null || Stamp(account) != stamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Auth.FacilitatorCookie);
        }
    }
}
