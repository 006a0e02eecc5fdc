using System.Security.Claims;

namespace DelphiRounds.Accounts;

/// <summary>Authentication schemes, policies and claims. One word per kind of user.</summary>
public static class Auth
{
    /// <summary>Cookie of a facilitator who logged in with e-mail and password.</summary>
    public const string FacilitatorCookie = "Facilitator";
    /// <summary>Cookie of a participant who opened their invitation link.</summary>
    public const string ParticipantCookie = "Participant";
    /// <summary><c>Authorization: Bearer …</c> with a facilitator API token or a participant's invitation token.</summary>
    public const string Bearer = "Bearer";

    public const string FacilitatorRole = "facilitator";
    public const string ParticipantRole = "participant";

    /// <summary>Facilitator pages (cookie).</summary>
    public const string FacilitatorPages = "FacilitatorPages";
    /// <summary>Facilitator API: bearer token, or the facilitator's cookie for reads from the browser.</summary>
    public const string FacilitatorApi = "FacilitatorApi";
    /// <summary>Participant pages (cookie).</summary>
    public const string ParticipantPages = "ParticipantPages";
    /// <summary>Participant API writes: bearer only (no cookie, so no cross-site request forgery).</summary>
    public const string ParticipantApi = "ParticipantApi";
    /// <summary>Reads and the live hub: anyone signed in as facilitator or participant, by any scheme.</summary>
    public const string Viewer = "Viewer";

    public const string FacilitatorIdClaim = "delphi:facilitator";
    public const string ParticipantIdClaim = "delphi:participant";
    public const string StudyIdClaim = "delphi:study";
    public const string GroupIdClaim = "delphi:group";

    public static long? FacilitatorId(this ClaimsPrincipal user) => ClaimLong(user, FacilitatorIdClaim);
    public static long? ParticipantId(this ClaimsPrincipal user) => ClaimLong(user, ParticipantIdClaim);
    public static long? ParticipantStudyId(this ClaimsPrincipal user) =>
        user.Identities.Where(i => i.HasClaim(c => c.Type == ParticipantIdClaim))
            .Select(i => i.FindFirst(StudyIdClaim)?.Value).Where(v => v is not null)
            .Select(v => (long?)long.Parse(v!)).FirstOrDefault();

    private static long? ClaimLong(ClaimsPrincipal user, string type) =>
        user.FindFirst(type)?.Value is { } v && long.TryParse(v, out var id) ? id : null;

    public static ClaimsIdentity FacilitatorIdentity(Facilitator f, string scheme) => new(
    [
        new Claim(ClaimTypes.NameIdentifier, "facilitator:" + f.Id),
        new Claim(ClaimTypes.Name, f.DisplayName),
        new Claim(ClaimTypes.Role, FacilitatorRole),
        new Claim(FacilitatorIdClaim, f.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ], scheme, ClaimTypes.Name, ClaimTypes.Role);

    public static ClaimsIdentity ParticipantIdentity(long participantId, long studyId, long groupId, string scheme) => new(
    [
        new Claim(ClaimTypes.NameIdentifier, "participant:" + participantId),
        new Claim(ClaimTypes.Role, ParticipantRole),
        new Claim(ParticipantIdClaim, participantId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new Claim(StudyIdClaim, studyId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new Claim(GroupIdClaim, groupId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ], scheme, ClaimTypes.Name, ClaimTypes.Role);
}
