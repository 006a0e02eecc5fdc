namespace DelphiRounds.Kernel;

/// <summary>Facts about the installation. Bound from the <c>Site</c> section.</summary>
public sealed class SiteOptions
{
    public const string Section = "Site";

    /// <summary>Base URL used in invitation links and printed links (e.g. https://delphi.example.nl). Empty: taken from the request.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The base URL for links: the configured one, else the current request's.</summary>
    public string BaseUrl(HttpRequest? request) =>
        !string.IsNullOrWhiteSpace(PublicBaseUrl) ? PublicBaseUrl.TrimEnd('/')
        : request is not null ? $"{request.Scheme}://{request.Host}" : "http://localhost:5080";
}
