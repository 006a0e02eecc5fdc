using System.Security.Claims;
using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace DelphiRounds.Pages.Participant;

/// <summary>
/// The invitation link. Opening it signs the participant in with a cookie and moves on to <c>/p</c>,
/// so the token leaves the address bar (and the browser history and referrers) at once.
/// </summary>
public sealed class EnterModel(ParticipantStore participants, ITokenLookupFailures failures) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string token)
    {
        var participant = Secrets.LooksLike(token, Secrets.ParticipantTokenPrefix) ? await participants.FindByTokenAsync(token) : null;
        if (participant is null)
        {
            failures.Failed(HttpContext, "invitation");
            Response.StatusCode = 404;
            return Page();
        }
        var identity = Auth.ParticipantIdentity(participant.Id, participant.StudyId, participant.GroupId, Auth.ParticipantCookie);
        identity.AddClaim(new Claim(ParticipantStamp.ClaimType, ParticipantStamp.Of(token)));
        await HttpContext.SignInAsync(Auth.ParticipantCookie, new ClaimsPrincipal(identity));
        Response.Headers.CacheControl = "no-store";
        return Redirect("/p");
    }
}
