using System.Security.Claims;
using System.Text.Encodings.Web;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Accounts;

/// <summary>
/// <c>Authorization: Bearer …</c> for scripts and API clients: a facilitator's personal API token
/// (<c>dlf_…</c>) or a participant's invitation token (<c>dlp_…</c>). SignalR clients that cannot set
/// headers on WebSockets pass the token as <c>access_token</c> on <c>/hubs</c>.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    FacilitatorStore facilitators, IParticipantCredentials participants, ITokenLookupFailures failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Failure = "DelphiRounds.BearerFailure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken();
        if (token is null) return AuthenticateResult.NoResult();

        if (Secrets.LooksLike(token, Secrets.FacilitatorTokenPrefix)
            && await facilitators.FindByApiTokenAsync(token) is { } f)
        {
            return Success(Auth.FacilitatorIdentity(f, Scheme.Name));
        }
        if (Secrets.LooksLike(token, Secrets.ParticipantTokenPrefix)
            && await participants.FindByTokenAsync(token) is { } p)
        {
            return Success(Auth.ParticipantIdentity(p.ParticipantId, p.StudyId, p.GroupId, Scheme.Name));
        }
        Context.Items[Failure] = true;
        failures.Failed(Context, "bearer");
        return AuthenticateResult.Fail("The bearer token is not valid.");
    }

    private AuthenticateResult Success(ClaimsIdentity identity) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));

    private string? ReadToken()
    {
        string header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        if (Request.Path.StartsWithSegments("/hubs") && Request.Query.TryGetValue("access_token", out var q)) return q.ToString();
        return null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Response.HasStarted) return;
        var hadToken = Context.Items.ContainsKey(Failure);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = hadToken
            ? "The bearer token is not valid (revoked, mistyped, or from another installation)."
            : "This needs a bearer token: send 'Authorization: Bearer <token>'.";
        await Problems.Write(Context, new ProblemDetails
        {
            Status = 401,
            Title = "Unauthorized",
            Detail = "Authorization: " + detail,
        }, new Dictionary<string, string[]> { ["Authorization"] = [detail] });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        if (Response.HasStarted) return;
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Problems.Write(Context, new ProblemDetails
        {
            Status = 403,
            Title = "Forbidden",
            Detail = "Authorization: this token may not do this.",
        }, new Dictionary<string, string[]> { ["Authorization"] = ["This token may not do this."] });
    }
}
