using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace DelphiRounds.Panel;

/// <summary>
/// Ties a participant's cookie to the invitation token it came from: when the facilitator issues a new
/// link (say the old one was forwarded), sessions opened with the old link — or with a link from an
/// invitation or reminder e-mail, which are revoked with it — end on their next request.
/// </summary>
public static class ParticipantStamp
{
    public const string ClaimType = "delphi:stamp";

    /// <summary>The stamp of a token: a prefix of its stored hash (the hash of the hash, so the cookie never holds the stored value).</summary>
    public static string Of(string token) => Secrets.Hash(Secrets.Hash(token))[..32];

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirst(Accounts.Auth.ParticipantIdClaim)?.Value;
        var stamp = context.Principal?.FindFirst(ClaimType)?.Value;
        var store = context.HttpContext.RequestServices.GetRequiredService<ParticipantStore>();
        if (id is null || stamp is null || !long.TryParse(id, out var participantId)
            || !(await store.ActiveTokenHashesAsync(participantId)).Any(hash => Secrets.Hash(hash)[..32] == stamp))
        {
            context.RejectPrincipal();
        }
    }
}
