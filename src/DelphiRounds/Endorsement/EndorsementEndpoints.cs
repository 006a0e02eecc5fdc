using System.Text.Json.Nodes;
using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using DelphiRounds.Vision;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Endorsement;

/// <summary>A person who may sign for an organisation, as registered by the facilitator.</summary>
public sealed record SignatoryRequest
{
    public string? Name { get; init; }
    /// <summary>The organisation of the panel (GET /api/v1/studies/{id}/organisations) they sign for. One signature per organisation counts; another signatory of it co-signs.</summary>
    public long? OrganisationId { get; init; }
    /// <summary>Without organisationId: the organisation's name — the panel's organisation of that name, or else an outside party, marked as not on the panel.</summary>
    public string? Organisation { get; init; }
    /// <summary>What authorises them to sign (e.g. "statutory director"); pre-filled on the signing page, where the signatory states it. Optional.</summary>
    public string? Mandate { get; init; }
    /// <summary>Four eyes: a second person of the organisation who confirms the signature with their own one-time link; until then it does not count. Optional.</summary>
    public ConfirmerRequest? Confirmer { get; init; }
    /// <summary>The role in which they sign, e.g. "director" or "alderman for energy".</summary>
    public string? Role { get; init; }
    /// <summary>Where the signing link goes. The ledger holds only a salted commitment to it.</summary>
    public string? Email { get; init; }
}

/// <summary>The second person of four eyes: someone else of the same organisation.</summary>
public sealed record ConfirmerRequest
{
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Role { get; init; }
}

public sealed class SignatoryRequestValidator : DocumentedValidator<SignatoryRequest>
{
    public SignatoryRequestValidator()
    {
        RuleFor(s => s.Name).NotEmpty().MaximumLength(200).PlainName();
        When("organisationId is not given", s => s.OrganisationId is null, () =>
            RuleFor(s => s.Organisation).NotEmpty()
                .WithMessage("organisation: give the organisation of the panel (organisationId) or the name of an outside party (organisation)."));
        RuleFor(s => s.Organisation).MaximumLength(200).PlainName();
        RuleFor(s => s.Role).NotEmpty().MaximumLength(200).PlainName();
        RuleFor(s => s.Email).NotEmpty().MaximumLength(320).EmailAddress();
        RuleFor(s => s.Mandate).MaximumLength(300).PlainName();
        RuleFor(s => s.Confirmer).SetValidator(new ConfirmerRequestValidator()!);
    }
}

/// <summary>The second person of four eyes: name, role and e-mail, each required (errors named <c>confirmer.name</c> …).</summary>
public sealed class ConfirmerRequestValidator : AbstractValidator<ConfirmerRequest>
{
    public ConfirmerRequestValidator()
    {
        RuleFor(c => c.Name).NotEmpty().MaximumLength(200).PlainName();
        RuleFor(c => c.Role).NotEmpty().MaximumLength(200).PlainName();
        RuleFor(c => c.Email).NotEmpty().MaximumLength(320).EmailAddress();
    }
}

/// <summary>A second person's one-time confirmation link (four eyes) — shown only this once.</summary>
public sealed record ConfirmerCreated(long Id, string Reference, string ConfirmationUrl, string Token);

/// <summary>A new signatory with their one-time signing link — shown only this once — and, for four eyes, the second person's link.</summary>
public sealed record SignatoryCreated(long Id, string Reference, string Organisation, string SigningUrl, string Token,
    long? OrganisationId = null, bool OnPanel = false, ConfirmerCreated? Confirmer = null);

/// <summary>
/// Where a signatory stands: <c>invited</c>, <c>signed</c>, <c>awaiting-confirmation</c> (four eyes) or <c>withdrawn</c>; a second
/// person (<c>confirms</c> set): <c>invited</c> or <c>confirmed</c>.
/// </summary>
public sealed record SignatoryResponse(long Id, string Reference, string? Name, string Organisation, string Role, string? Email,
    string State, DateTimeOffset? SignedAt, DateTimeOffset? WithdrawnAt, bool Erased,
    long? OrganisationId = null, bool OnPanel = false, string? Mandate = null, bool FourEyes = false, long? Confirms = null)
{
    public static SignatoryResponse From(Signatory s, IReadOnlyCollection<Signatory>? all = null) => new(s.Id, s.Reference, s.Name, s.Organisation, s.Role, s.Email,
        StateOf(s, all), s.SpentAt, s.WithdrawnAt, s.Erased, s.OrganisationId, s.OnPanel, s.Mandate, s.FourEyes, s.ConfirmsSignatoryId);

    /// <summary>A signatory's state; with the study's other signatories, a four-eyes signature not yet confirmed is <c>awaiting-confirmation</c>.</summary>
    public static string StateOf(Signatory s, IReadOnlyCollection<Signatory>? all) =>
        s.IsConfirmer ? (s.Signed ? "confirmed" : "invited")
        : s.WithdrawnAt is not null ? "withdrawn"
        : !s.Signed ? "invited"
        : s.FourEyes && all is not null && !all.Any(c => c.ConfirmsSignatoryId == s.Id && c.Signed) ? "awaiting-confirmation"
        : "signed";
}

public sealed record SigningLinkResponse(long Id, string SigningUrl, string Token);

public sealed record SignatoryErasureResponse(long Id, bool Erased);

/// <summary>Signatories (facilitator), the public ledger and key, receipts, and erasure of personal data.</summary>
public static class EndorsementEndpoints
{
    public static IServiceCollection AddEndorsement(this IServiceCollection services)
    {
        services.AddSettings<EndorsementOptions>(EndorsementOptions.Section)
            .Configure<IConfiguration, IOptions<Data.StorageOptions>>((o, configuration, storage) =>
                o.SigningKeyPath = string.IsNullOrWhiteSpace(o.SigningKeyPath)
                    ? Path.Combine(storage.Value.KeysFolder, EndorsementOptions.DefaultKeyFile)
                    : Settings.ResolvePath(configuration, o.SigningKeyPath));
        return services.AddSingleton<LedgerSigningKey>().AddSingleton<ServiceKeyStore>().AddSingleton<LedgerCheckScript>().AddSingleton<EndorsementStore>().AddSingleton<EndorsementService>().AddSingleton<PasskeyService>()
            .AddSingleton<IEventHandler<VisionRevising>, RevisionLedger>();
    }

    /// <summary>The link a signatory opens.</summary>
    public static string SigningUrl(string baseUrl, string token) => $"{baseUrl}/sign/{token}";

    public static void MapEndorsement(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}").WithTags("Endorsement").RequireAuthorization(Auth.FacilitatorApi);
        api.MapPost("/signatories", RegisterAsync).Validate<SignatoryRequest>().Refuses(409)
            .WithSummary("Register a signatory of an organisation (after the freeze); returns their one-time signing link once.");
        api.MapGet("/signatories", ListAsync).WithSummary("The signatories and whether they signed or withdrew.");
        api.MapPost("/signatories/{signatoryId:long}/link", ReissueAsync).Refuses(409)
            .WithSummary("A new signing link for a signatory who has not signed; the old one stops working.");
        api.MapPost("/signatories/{signatoryId:long}/erase", EraseSignatoryAsync)
            .WithSummary("Erase a signatory's name and e-mail on request; the ledger keeps only commitments and still verifies.");

        app.MapGet("/api/v1/studies/{studyId:long}/ledger", LedgerAsync).WithTags("Endorsement").AllowAnonymous()
            .WithSummary("The public endorsement ledger: frozen document, hash-chained entries, the signed head and the public key.")
            .WithDescription("Check it offline with `scripts/delphi verify FILE`. The header X-Ledger-Verification says what the server's own check found.");
        app.MapGet("/api/v1/endorsement/key", (EndorsementService service) => TypedResults.Ok(service.CurrentKey()))
            .WithTags("Endorsement").AllowAnonymous().WithSummary("The service's public key that signs ledger heads (ECDSA P-256).");
        app.MapGet("/verify/{studyId:long}/evidence.zip", EvidenceBundleAsync).WithTags("Endorsement").AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/sign/{token}/receipt.json", ReceiptJsonAsync).WithTags("Endorsement").AllowAnonymous().ExcludeFromDescription();

        // Passkeys: the signing page's script asks for registration options, registers the new passkey, then asks for
        // the options to sign an entry; the signed assertion is posted with the signing (or withdrawal) form itself.
        var passkey = app.MapGroup("/sign/{token}/passkey").WithTags("Endorsement").AllowAnonymous().ExcludeFromDescription();
        passkey.MapPost("/registration", RegistrationOptionsAsync).DisableAntiforgery();
        passkey.MapPost("/credential", RegisterPasskeyAsync).DisableAntiforgery();
        passkey.MapGet("/assertion", AssertionOptionsAsync);
    }

    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static async Task<IResult> RegistrationOptionsAsync(string token, HttpContext context, PasskeyService passkeys,
        IOptions<SiteOptions> site, IStringLocalizer<Texts> t)
    {
        NoStore(context);
        var (json, problem) = await passkeys.RegistrationOptionsAsync(token, RelyingParty.For(context.Request, site));
        return problem is null ? Results.Content(json, "application/json") : PasskeyProblem("token", problem, t);
    }

    /// <summary>An unknown (or replaced, or erased) link is not found, as on the signing page; anything else is bad input.</summary>
    private static ProblemHttpResult PasskeyProblem(string field, string problem, IStringLocalizer<Texts> t) =>
        problem == "endorsement.passkey.error.link" ? Problems.NotFound("token", t[problem]) : Problems.BadRequest(field, t[problem]);

    private static async Task<IResult> RegisterPasskeyAsync(string token, HttpContext context, PasskeyService passkeys,
        IOptions<SiteOptions> site, IStringLocalizer<Texts> t)
    {
        NoStore(context);
        string body;
        using (var reader = new StreamReader(context.Request.Body))
        {
            var buffer = new char[64 * 1024];
            var read = await reader.ReadBlockAsync(buffer);
            if (read == buffer.Length) return Problems.BadRequest("credential", t["endorsement.passkey.error.malformed"]);
            body = new string(buffer, 0, read);
        }
        var problem = await passkeys.RegisterAsync(token, RelyingParty.For(context.Request, site), body);
        return problem is null ? Results.NoContent() : PasskeyProblem("credential", problem, t);
    }

    private static async Task<IResult> AssertionOptionsAsync(string token, string? kind, HttpContext context, PasskeyService passkeys,
        IOptions<SiteOptions> site, IStringLocalizer<Texts> t)
    {
        NoStore(context);
        var (json, problem) = await passkeys.AssertionOptionsAsync(token, RelyingParty.For(context.Request, site), kind);
        if (problem == "endorsement.passkey.error.kind")
            return Problems.BadRequest("kind", $"kind is {LedgerFormat.Endorsement} or {LedgerFormat.Withdrawal}.");
        return problem is null ? Results.Content(json, "application/json") : PasskeyProblem("token", problem, t);
    }

    private static ProblemHttpResult NoStudy(long studyId) => Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");

    private static async Task<Results<Created<SignatoryCreated>, ProblemHttpResult>> RegisterAsync(
        long studyId, SignatoryRequest request, HttpContext context, StudyStore studies, VisionStore visions, EndorsementStore store, SiteUrls site)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        if (await visions.DocumentAsync(studyId) is null)
            return Problems.Conflict("studyId", "Freeze the vision first: signatories sign the frozen document.");
        var confirmer = request.Confirmer is { } c ? new ConfirmerDetails(c.Name!.Trim(), c.Email!.Trim(), c.Role!.Trim()) : null;
        var result = await store.RegisterAsync(studyId, request.Name!.Trim(), request.Organisation?.Trim(), request.OrganisationId, request.Role!.Trim(),
            request.Email!.Trim(), string.IsNullOrWhiteSpace(request.Mandate) ? null : request.Mandate.Trim(), confirmer);
        if (RefusalProblem(result) is { } problem) return problem;
        var (signatory, token) = (result.Signatory!, result.Token!);
        var baseUrl = site.BaseUrl(context.Request);
        var second = result.Confirmer is { } conf ? new ConfirmerCreated(conf.Id, conf.Reference, SigningUrl(baseUrl, result.ConfirmerToken!), result.ConfirmerToken!) : null;
        return TypedResults.Created($"/api/v1/studies/{studyId}/signatories/{signatory.Id}",
            new SignatoryCreated(signatory.Id, signatory.Reference, signatory.Organisation, SigningUrl(baseUrl, token), token,
                signatory.OrganisationId, signatory.OnPanel, second));
    }

    /// <summary>A refused registration as a problem naming the field; null when it was stored.</summary>
    public static ProblemHttpResult? RefusalProblem(SignatoryRegistration result) => result.Refusal switch
    {
        SignatoryRefusal.None => null,
        SignatoryRefusal.NoSuchOrganisation => Problems.BadRequest("organisationId", "This is not an organisation of this study's panel."),
        SignatoryRefusal.SamePerson => Problems.Conflict("email", "This person is registered to sign for this study already: one signature per person."),
        SignatoryRefusal.InAnotherOrganisation => Problems.Conflict("email",
            $"This person is on the panel for {result.InOrganisation}; a person signs only for their own organisation."),
        SignatoryRefusal.ConfirmerSamePerson => Problems.BadRequest("confirmer.email", "Four eyes needs a second person: the confirmer's e-mail address is the signatory's."),
        SignatoryRefusal.ConfirmerRegistered => Problems.Conflict("confirmer.email", "This person is registered to sign or confirm for this study already."),
        SignatoryRefusal.ConfirmerInAnotherOrganisation => Problems.Conflict("confirmer.email",
            $"This person is on the panel for {result.InOrganisation}; the second person must be of the same organisation."),
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    private static async Task<Results<Ok<IReadOnlyList<SignatoryResponse>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, EndorsementStore store)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        var all = await store.ListAsync(studyId);
        return TypedResults.Ok<IReadOnlyList<SignatoryResponse>>(all.Select(s => SignatoryResponse.From(s, all)).ToList());
    }

    private static async Task<Results<Ok<SigningLinkResponse>, ProblemHttpResult>> ReissueAsync(
        long studyId, long signatoryId, HttpContext context, StudyStore studies, EndorsementStore store, SiteUrls site)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        var token = await store.ReissueAsync(studyId, signatoryId);
        if (token is null)
            return await store.FindAsync(signatoryId) is { } s && s.StudyId == studyId
                ? Problems.Conflict("signatoryId", s.Signed ? "This signatory has signed; the link is spent and cannot be renewed." : "This signatory's data were erased.")
                : Problems.NotFound("signatoryId", $"Study {studyId} has no signatory {signatoryId}.");
        return TypedResults.Ok(new SigningLinkResponse(signatoryId, SigningUrl(site.BaseUrl(context.Request), token), token));
    }

    private static async Task<Results<Ok<SignatoryErasureResponse>, ProblemHttpResult>> EraseSignatoryAsync(
        long studyId, long signatoryId, HttpContext context, StudyStore studies, EndorsementStore store)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        if (await store.FindAsync(signatoryId) is not { } s || s.StudyId != studyId)
            return Problems.NotFound("signatoryId", $"Study {studyId} has no signatory {signatoryId}.");
        await store.EraseAsync(studyId, signatoryId);
        return TypedResults.Ok(new SignatoryErasureResponse(signatoryId, true));
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> LedgerAsync(long studyId, HttpContext context, EndorsementService service)
    {
        var ledger = await service.LedgerAsync(studyId);
        if (ledger is null) return Problems.NotFound("studyId", $"Study {studyId} has no frozen vision, so no ledger.");
        context.Response.Headers.ContentDisposition = $"inline; filename=\"ledger-study-{studyId}.json\"";
        context.Response.Headers["X-Ledger-Verification"] = ledger.Verification.Message;
        return TypedResults.Ok(ledger.Json);
    }

    /// <summary>The evidence bundle (.zip) of a study's ledger: checkable offline with scripts/delphi verify and with its own page.</summary>
    private static async Task<IResult> EvidenceBundleAsync(long studyId, HttpContext context, EndorsementService service, LedgerCheckScript script, SiteUrls site)
    {
        var ledger = await service.LedgerAsync(studyId);
        if (ledger is null) return Problems.NotFound("studyId", $"Study {studyId} has no frozen vision, so no ledger.");
        context.Response.Headers["X-Ledger-Verification"] = ledger.Verification.Message;
        return Results.File(EvidenceBundle.Build(ledger, script, site.BaseUrl(context.Request)), "application/zip",
            $"evidence-study-{studyId}-entry-{ledger.Head.Sequence}.zip");
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> ReceiptJsonAsync(string token, HttpContext context, EndorsementService service, SiteUrls site)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        var receipt = await service.ReceiptAsync(token, site.BaseUrl(context.Request));
        if (receipt is null) return Problems.NotFound("token", "This link has no receipt: it is unknown, or it has not been used to sign.");
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"receipt-{receipt.Value.Signatory.Reference}.json\"";
        return TypedResults.Ok(receipt.Value.Receipt);
    }
}
