namespace DelphiRounds.Tests.Trust;

/// <summary>Who the matrix tries every route as.</summary>
public enum Role
{
    /// <summary>No credential at all.</summary>
    Anonymous,
    /// <summary>Credentials that were once good: a revoked API token, a participant cookie whose invitation link was replaced.</summary>
    ExpiredToken,
    /// <summary>Well-formed credentials this installation never issued (another installation's, or forged).</summary>
    ForeignToken,
    /// <summary>A participant of study B (cookie from the invitation link, and the invitation token as bearer).</summary>
    ParticipantB,
    /// <summary>The facilitator of study B (login cookie and personal API token).</summary>
    FacilitatorB,
    /// <summary>A participant of study A, the study every address is about.</summary>
    ParticipantA,
    /// <summary>The facilitator of study A.</summary>
    FacilitatorA,
    // Signatory: add when the signing page (/sign/{token}) exists, with its own rule below.
}

/// <summary>Who may use a route. Every route of the app must be in <see cref="AccessRules.Routes"/>.</summary>
public enum Access
{
    /// <summary>Anyone, also without credentials.</summary>
    Public,
    /// <summary>Any facilitator (their own list, a new study, their account).</summary>
    AnyFacilitator,
    /// <summary>Only the facilitator who owns the study in the address.</summary>
    OwnerFacilitator,
    /// <summary>Any participant, on their own study (the questionnaire has no study in its address).</summary>
    AnyParticipant,
    /// <summary>Only a participant of the study in the address.</summary>
    OwnParticipant,
    /// <summary>The study's facilitator and the study's own participants.</summary>
    Viewer,
    /// <summary>Anyone signed in, facilitator or participant (the live hub's connection; each round is checked when joined).</summary>
    SignedIn,
}

/// <summary>The route × role table. A route missing here fails the matrix with the line to add.</summary>
public static class AccessRules
{
    public static readonly IReadOnlyDictionary<string, Access> Routes = new Dictionary<string, Access>
    {
        // Host
        ["ANY /health/live"] = Access.Public,
        ["ANY /health/ready"] = Access.Public,
        ["GET /openapi/{documentName}.json"] = Access.Public,
        ["GET /language/{culture}"] = Access.Public,
        ["GET /"] = Access.Public,
        ["GET /error/{code}"] = Access.Public,
        ["POST /error/{code}"] = Access.Public,
        // People (issue 9): help page, API reference (Scalar and its files), metrics (this machine and private networks: the tests' loopback)
        ["GET /help"] = Access.Public,
        ["GET /api/docs/{documentName}"] = Access.Public,
        ["GET /api/docs/favicon.svg"] = Access.Public,
        ["GET /api/docs/scalar.js"] = Access.Public,
        ["GET /api/docs/scalar.aspnetcore.js"] = Access.Public,
        ["ANY /metrics"] = Access.Public,
        // Accounts
        ["GET /login"] = Access.Public,
        ["POST /login"] = Access.Public,
        ["POST /logout"] = Access.AnyFacilitator,
        ["GET /f/account"] = Access.AnyFacilitator,
        ["POST /f/account?handler=Create"] = Access.AnyFacilitator,
        ["POST /f/account?handler=Revoke"] = Access.AnyFacilitator,
        // Studies
        ["GET /api/v1/studies"] = Access.AnyFacilitator,
        ["POST /api/v1/studies"] = Access.AnyFacilitator,
        ["GET /api/v1/studies/{studyId}"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/groups"] = Access.OwnerFacilitator,
        ["GET /f"] = Access.AnyFacilitator,
        ["POST /f"] = Access.AnyFacilitator,
        ["GET /f/studies/{studyId}"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}?handler=NewRound"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}?handler=Open"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}?handler=Close"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}?handler=AddGroup"] = Access.OwnerFacilitator,
        // Panel and privacy
        ["GET /api/v1/studies/{studyId}/participants"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/participants"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/participants/{participantId}/invitation"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/participants/{participantId}/erase"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/panel"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/panel?handler=Add"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/panel?handler=Reissue"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/panel/{participantId}/erase"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/panel/{participantId}/erase"] = Access.OwnerFacilitator,
        // Items
        ["GET /api/v1/studies/{studyId}/items"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/items"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/items"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/items"] = Access.OwnerFacilitator,
        // Rounds and live
        ["GET /api/v1/studies/{studyId}/rounds"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/rounds"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/dashboard"] = Access.OwnerFacilitator,
        ["POST /api/v1/rounds/{roundId}/open"] = Access.OwnerFacilitator,
        ["POST /api/v1/rounds/{roundId}/close"] = Access.OwnerFacilitator,
        ["GET /api/v1/rounds/{roundId}/stats"] = Access.Viewer,
        ["GET /f/studies/{studyId}/dashboard"] = Access.OwnerFacilitator,
        ["ANY /hubs/live"] = Access.SignedIn,
        ["ANY /hubs/live/negotiate"] = Access.SignedIn,
        // Answers and the participant's pages
        ["POST /api/v1/rounds/{roundId}/answers"] = Access.OwnParticipant,
        ["GET /p/{token}"] = Access.Public, // the invitation link is itself the credential
        ["GET /p/welcome-back"] = Access.Public,
        ["GET /p"] = Access.AnyParticipant,
        ["POST /p?handler=Answer"] = Access.AnyParticipant,
        // Convergence and exports
        ["GET /api/v1/studies/{studyId}/criteria"] = Access.OwnerFacilitator,
        ["PUT /api/v1/studies/{studyId}/criteria"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/convergence"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/export.json"] = Access.OwnerFacilitator,
    };

    /// <summary>Hub methods of <c>/hubs/live</c> (found by reflection) and who may call them on study A's round.</summary>
    public static readonly IReadOnlyDictionary<string, HubAccess> HubMethods = new Dictionary<string, HubAccess>
    {
        ["JoinRound"] = HubAccess.Viewer,
        ["LeaveRound"] = HubAccess.AnyConnected,
    };

    public static bool Allows(this Access access, Role role) => access switch
    {
        Access.Public => true,
        Access.AnyFacilitator => role is Role.FacilitatorA or Role.FacilitatorB,
        Access.OwnerFacilitator => role is Role.FacilitatorA,
        Access.AnyParticipant => role is Role.ParticipantA or Role.ParticipantB,
        Access.OwnParticipant => role is Role.ParticipantA,
        Access.Viewer => role is Role.FacilitatorA or Role.ParticipantA,
        Access.SignedIn => role is Role.FacilitatorA or Role.FacilitatorB or Role.ParticipantA or Role.ParticipantB,
        _ => false,
    };

    public static bool Allows(this HubAccess access, Role role) => access switch
    {
        HubAccess.Viewer => role is Role.FacilitatorA or Role.ParticipantA,
        HubAccess.AnyConnected => Access.SignedIn.Allows(role),
        _ => false,
    };

    /// <summary>The rule of every route, or a failure listing the routes not classified yet and the lines to add.</summary>
    public static IReadOnlyDictionary<RouteCase, Access> Classify(IEnumerable<RouteCase> routes)
    {
        var result = new Dictionary<RouteCase, Access>();
        var missing = new List<string>();
        foreach (var route in routes)
        {
            if (Routes.TryGetValue(route.Key, out var access)) result[route] = access;
            else missing.Add($"        [\"{route.Key}\"] = Access.<Public|AnyFacilitator|OwnerFacilitator|AnyParticipant|OwnParticipant|Viewer|SignedIn>,");
        }
        if (missing.Count > 0)
            throw new Xunit.Sdk.XunitException(
                $"{missing.Count} route(s) have no access rule. Say who may use them in tests/DelphiRounds.Tests/Trust/AccessRules.cs (Routes):\n" +
                string.Join("\n", missing));
        return result;
    }
}

/// <summary>Who may call a hub method on study A's round.</summary>
public enum HubAccess
{
    /// <summary>The study's facilitator and its participants.</summary>
    Viewer,
    /// <summary>Anyone connected (the method touches no study's data).</summary>
    AnyConnected,
}
