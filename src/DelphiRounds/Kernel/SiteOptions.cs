using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Kernel;

/// <summary>Facts about the installation. Bound from the <c>Site</c> section.</summary>
public sealed class SiteOptions
{
    public const string Section = "Site";

    /// <summary>Base URL used in invitation links and printed links (e.g. https://delphi.example.nl). Empty: the URL the server listens on.</summary>
    public string? PublicBaseUrl { get; set; }
}

/// <summary>
/// The one base URL of every link the server makes (pages, e-mails, printed links): <see cref="SiteOptions.PublicBaseUrl"/>
/// when set, else the address the server listens on. A link in an e-mail has no request to look at, so taking
/// the request's host for pages would let the panel page and the invitation e-mail disagree.
/// </summary>
public sealed class SiteUrls(IOptions<SiteOptions> site, IConfiguration configuration, IServer? server = null)
{
    /// <summary>
    /// The base URL without a trailing slash. The request is used only when the server listens on every
    /// address (0.0.0.0, [::], *), where the listening address names no host a person could open.
    /// </summary>
    public string BaseUrl(HttpRequest? request = null)
    {
        if (!string.IsNullOrWhiteSpace(site.Value.PublicBaseUrl)) return site.Value.PublicBaseUrl.TrimEnd('/');
        var listening = Listening();
        if (listening is not null && !IsWildcard(listening.Host)) return Trim(listening);
        if (request is not null) return $"{request.Scheme}://{request.Host}";
        // Every address: this machine's name for it is what a person on it would open.
        return listening is null ? "http://localhost:5000" : Trim(new UriBuilder(listening) { Host = "localhost" }.Uri);
    }

    private Uri? Listening()
    {
        // The server's own list holds the real port (also when it was 0, chosen by the system); before it
        // starts, and in the admin commands which serve nothing, the configured urls (--urls, ASPNETCORE_URLS).
        var addresses = server?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var text = addresses is { Count: > 0 } ? addresses.First() : configuration["urls"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (string.IsNullOrWhiteSpace(text)) return null;
        // Kestrel's wildcards (http://*:5090, http://+:5090) are not valid URI hosts.
        text = text.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0");
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;
    }

    private static bool IsWildcard(string host) => host is "0.0.0.0" or "[::]" or "::";

    private static string Trim(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}
