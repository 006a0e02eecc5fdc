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
    public string? Organisation { get; init; }
    /// <summary>The role in which they sign, e.g. "director" or "alderman for energy".</summary>
    public string? Role { get; init; }
    /// <summary>Where the signing link goes. The ledger holds only a salted commitment to it.</summary>
    public string? Email { get; init; }
}

public sealed class SignatoryRequestValidator : AbstractValidator<SignatoryRequest>
{
    public SignatoryRequestValidator()
    {
        RuleFor(s => s.Name).NotEmpty().MaximumLength(200).PlainName();
        RuleFor(s => s.Organisation).NotEmpty().MaximumLength(200).PlainName();
        RuleFor(s => s.Role).NotEmpty().MaximumLength(200).PlainName();
        RuleFor(s => s.Email).NotEmpty().MaximumLength(320).EmailAddress();
    }
}

/// <summary>A new signatory with their one-time signing link — shown only this once.</summary>
public sealed record SignatoryCreated(long Id, string Reference, string Organisation, string SigningUrl, string Token);

/// <summary>Where a signatory stands: <c>invited</c>, <c>signed</c> or <c>withdrawn</c>.</summary>
public sealed record SignatoryResponse(long Id, string Reference, string? Name, string Organisation, string Role, string? Email,
    string State, DateTimeOffset? SignedAt, DateTimeOffset? WithdrawnAt, bool Erased)
{
    public static SignatoryResponse From(Signatory s) => new(s.Id, s.Reference, s.Name, s.Organisation, s.Role, s.Email,
        s.WithdrawnAt is not null ? "withdrawn" : s.Signed ? "signed" : "invited", s.SpentAt, s.WithdrawnAt, s.Erased);
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
        return services.AddSingleton<LedgerSigningKey>().AddSingleton<ServiceKeyStore>().AddSingleton<LedgerCheckScript>().AddSingleton<EndorsementStore>().AddSingleton<EndorsementService>().AddSingleton<PasskeyService>();
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
        var (signatory, token) = await store.RegisterAsync(studyId, request.Name!.Trim(), request.Organisation!.Trim(), request.Role!.Trim(), request.Email!.Trim());
        return TypedResults.Created($"/api/v1/studies/{studyId}/signatories/{signatory.Id}",
            new SignatoryCreated(signatory.Id, signatory.Reference, signatory.Organisation, SigningUrl(site.BaseUrl(context.Request), token), token));
    }

    private static async Task<Results<Ok<IReadOnlyList<SignatoryResponse>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, EndorsementStore store)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return NoStudy(studyId);
        return TypedResults.Ok<IReadOnlyList<SignatoryResponse>>((await store.ListAsync(studyId)).Select(SignatoryResponse.From).ToList());
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
