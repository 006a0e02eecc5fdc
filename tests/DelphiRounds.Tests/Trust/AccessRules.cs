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
    /// <summary>
    /// A signatory of study A's endorsement: nothing but their one-time signing link (<c>dls_…</c>), which they
    /// opened (its cookies) and which is also sent as a bearer token everywhere. Signatories only reach their signing page.
    /// </summary>
    Signatory,
    /// <summary>A participant of study A, the study every address is about.</summary>
    ParticipantA,
    /// <summary>The facilitator of study A.</summary>
    FacilitatorA,
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
    /// <summary>
    /// Only with the signatory's own one-time link in the address (<c>/sign/{token}…</c>): the link is the credential.
    /// Every role puts the link-shaped credential it holds there — the signatory their link, the expired role a link
    /// that was replaced, the foreign role one never issued, participants their invitation token, facilitators their
    /// API token, the anonymous role nothing — and only the signatory's own link may open the page.
    /// </summary>
    SigningLink,
    /// <summary>
    /// Only with a signing organisation's own one-time commitment link in the address (<c>/commit/{token}</c>, issue 21):
    /// the link is the credential. No role of the matrix holds one (they put their signing link or token there), so
    /// every role is refused; AgendaTests and AgendaBrowserTests cover the link's holder.
    /// </summary>
    CommitmentLink,
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
        ["GET /f/account/password"] = Access.AnyFacilitator,
        ["POST /f/account/password"] = Access.AnyFacilitator,
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
        // Organisations (issue 18)
        ["GET /api/v1/studies/{studyId}/organisations"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/organisations"] = Access.OwnerFacilitator,
        ["PUT /api/v1/studies/{studyId}/organisations/members/{participantId}"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/organisations/import"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/organisations/coverage"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/response/organisations"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/organisations"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/organisations?handler=Add"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/organisations?handler=Import"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/organisations?handler=Visibility"] = Access.OwnerFacilitator,
        ["PUT /api/v1/studies/{studyId}/organisations-public"] = Access.OwnerFacilitator,
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
        ["PUT /api/v1/studies/{studyId}/criteria/unit"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/convergence"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/export.json"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}?handler=Criteria"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}?handler=Unit"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}?handler=CitizenPanel"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}?handler=ItemRules"] = Access.OwnerFacilitator,
        // Process: reminders and the outbox, response per round (attrition), the convergence and report pages, data files (facilitator)
        ["POST /api/v1/studies/{studyId}/reminders"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/outbox"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/response"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/export/{file}"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/panel?handler=Remind"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/panel?handler=Outbox"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/convergence"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/convergence?handler=Item"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/report"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/report?handler=Progress"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/exports"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/exports?handler=Notes"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/report-notes"] = Access.OwnerFacilitator,
        ["PUT /api/v1/studies/{studyId}/report-notes"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/documents"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/documents"] = Access.OwnerFacilitator,
        ["DELETE /api/v1/studies/{studyId}/documents/{documentId}"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/documents/{documentId}/content"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/documents"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/documents?handler=Download"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/documents"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/documents?handler=Remove"] = Access.OwnerFacilitator,
        ["GET /p?handler=Document"] = Access.AnyParticipant,
        ["GET /f/studies/{studyId}/export/export.json"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/export/{file}"] = Access.OwnerFacilitator,
        // Items: rewording, retiring, the changelog (facilitator)
        ["POST /api/v1/studies/{studyId}/items/{itemId}/reword"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/items/{itemId}/retire"] = Access.OwnerFacilitator,
        ["PUT /api/v1/studies/{studyId}/items/{itemId}/answering"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/items/changelog"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/items?handler=Reword"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/items?handler=Retire"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/items?handler=Edit"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/items?handler=Delete"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/items?handler=Move"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/items?handler=Answering"] = Access.OwnerFacilitator,
        // Arguments: read as the round's mode allows, marked by the study's own participants, hidden by its facilitator
        ["GET /api/v1/rounds/{roundId}/arguments"] = Access.Viewer,
        ["POST /api/v1/arguments/{answerId}/convincing"] = Access.OwnParticipant,
        ["POST /api/v1/arguments/{answerId}/hide"] = Access.OwnerFacilitator,
        ["POST /p?handler=Convincing"] = Access.AnyParticipant,
        // Joint vision: drafted by the study's facilitator, reviewed by its own participants, the frozen document public
        ["GET /api/v1/studies/{studyId}/vision"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/vision/drafts"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/vision/drafts/{version}"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/vision/review/open"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/vision/review/close"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/vision/freeze"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/vision/document"] = Access.Public,
        ["GET /f/studies/{studyId}/vision"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/vision?handler=Save"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/vision?handler=OpenReview"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/vision?handler=CloseReview"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/vision?handler=Freeze"] = Access.OwnerFacilitator,
        ["GET /api/v1/vision/review"] = Access.AnyParticipant,
        ["POST /api/v1/vision/review/answers"] = Access.AnyParticipant,
        ["GET /p/vision"] = Access.AnyParticipant,
        ["POST /p/vision"] = Access.AnyParticipant,
        // Endorsement: signatories (facilitator), the signing link (the signatory alone), the ledger, key and verification page (public)
        ["GET /api/v1/studies/{studyId}/signatories"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/signatories"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/signatories/{signatoryId}/link"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/signatories/{signatoryId}/erase"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/vision/signatories"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/vision/signatories?handler=Add"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/vision/signatories?handler=Reissue"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/vision/signatories?handler=Erase"] = Access.OwnerFacilitator,
        ["GET /sign/{token}"] = Access.SigningLink,
        ["POST /sign/{token}"] = Access.SigningLink,
        ["GET /sign/{token}/receipt"] = Access.SigningLink,
        ["POST /sign/{token}/receipt?handler=Withdraw"] = Access.SigningLink,
        ["GET /sign/{token}/receipt.json"] = Access.SigningLink,
        ["POST /sign/{token}/passkey/registration"] = Access.SigningLink,
        ["POST /sign/{token}/passkey/credential"] = Access.SigningLink,
        ["GET /sign/{token}/passkey/assertion"] = Access.SigningLink,
        ["GET /api/v1/studies/{studyId}/ledger"] = Access.Public,
        ["GET /api/v1/endorsement/key"] = Access.Public,
        ["GET /verify/{studyId}"] = Access.Public,
        ["GET /verify/{studyId}/evidence.zip"] = Access.Public,
        // Agenda after signing (issue 21): the study's facilitator keeps it, organisations commit with their own link, the agenda page is public
        ["GET /api/v1/studies/{studyId}/agenda"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/agenda/targets"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/agenda/indicators"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/agenda/indicators"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/agenda/measurements"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/agenda/measurements"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/agenda/measurements/csv"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/agenda/commitments"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/agenda/commitment-links"] = Access.OwnerFacilitator,
        ["GET /f/studies/{studyId}/agenda"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/agenda?handler=Indicator"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/agenda?handler=Measurement"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/agenda?handler=Upload"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/agenda?handler=Link"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/agenda/commitments/{commitmentId}/done"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/agenda/experiments"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/agenda/experiments"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/agenda/experiments/{experimentId}/notes"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/agenda/reflection-rounds"] = Access.OwnerFacilitator,
        ["POST /api/v1/studies/{studyId}/agenda/reflection-rounds"] = Access.OwnerFacilitator,
        ["GET /api/v1/studies/{studyId}/agenda/reflection-rounds/{roundId}/drift"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/agenda?handler=Done"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/agenda?handler=Experiment"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/agenda?handler=Note"] = Access.OwnerFacilitator,
        ["POST /f/studies/{studyId}/agenda?handler=Reflect"] = Access.OwnerFacilitator,
        ["GET /commit/{token}"] = Access.CommitmentLink,
        ["POST /commit/{token}"] = Access.CommitmentLink,
        ["GET /agenda/{studyId}"] = Access.Public,
        ["GET /agenda/{studyId}/due-dates.ics"] = Access.Public,
    };

    /// <summary>Hub methods of <c>/hubs/live</c> (found by reflection) and who may call them on study A's round.</summary>
    public static readonly IReadOnlyDictionary<string, HubAccess> HubMethods = new Dictionary<string, HubAccess>
    {
        ["JoinRound"] = HubAccess.Viewer,
        ["JoinRoundChanges"] = HubAccess.Viewer,
        ["LeaveRound"] = HubAccess.AnyConnected,
        ["RevealItem"] = HubAccess.OwnParticipant,
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
        Access.SigningLink => role is Role.Signatory,
        _ => false,
    };

    public static bool Allows(this HubAccess access, Role role) => access switch
    {
        HubAccess.Viewer => role is Role.FacilitatorA or Role.ParticipantA,
        HubAccess.AnyConnected => Access.SignedIn.Allows(role),
        HubAccess.OwnParticipant => role is Role.ParticipantA,
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
            else missing.Add(route.Key);
        }
        if (missing.Count > 0) throw Unclassified(missing);
        return result;
    }

    /// <summary>The rule of one route (by its key), or the same failure as <see cref="Classify"/> with the line to add.</summary>
    public static Access Of(string key) => Routes.TryGetValue(key, out var access) ? access : throw Unclassified([key]);

    private static Xunit.Sdk.XunitException Unclassified(IReadOnlyList<string> keys) => new(
        $"{keys.Count} route(s) have no access rule. Say who may use them in tests/DelphiRounds.Tests/Trust/AccessRules.cs (Routes):\n" +
        string.Join("\n", keys.Select(k => $"        [\"{k}\"] = Access.<{string.Join("|", Enum.GetNames<Access>())}>,")) +
        "\nA route whose address names something new (a {parameter} other than studyId, roundId…) also needs its value in TrustWorld.RouteValue, " +
        "and a JSON or form body a sample in TrustSamples.");
}

/// <summary>Who may call a hub method on study A's round.</summary>
public enum HubAccess
{
    /// <summary>The study's facilitator and its participants.</summary>
    Viewer,
    /// <summary>Anyone connected (the method touches no study's data).</summary>
    AnyConnected,
    /// <summary>Only a participant of the study (who answered the item: blind rounds reveal an item's aggregate after answering it).</summary>
    OwnParticipant,
}
