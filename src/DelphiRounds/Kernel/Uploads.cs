using System.Text.RegularExpressions;

namespace DelphiRounds.Kernel;

/// <summary>
/// The one kind of large request: a background document uploaded to a study (API and facilitator page). Its body may
/// be larger than the usual request limits (64 KB for the API, 1 MB for forms); Security's request limits ask here.
/// </summary>
public static partial class Uploads
{
    /// <summary>The largest background document, in bytes (5 MB).</summary>
    public const long MaxDocumentBytes = 5 * 1024 * 1024;

    /// <summary>
    /// The largest body of an upload: a document a little over its limit still reaches the endpoint, which names the
    /// <c>file</c> field in its refusal; only a far larger body is refused as a whole.
    /// </summary>
    public const long MaxBodyBytes = MaxDocumentBytes + 1024 * 1024;

    [GeneratedRegex(@"^(/api/v1/studies/\d+/documents|/f/studies/\d+/documents)/?$", RegexOptions.CultureInvariant)]
    private static partial Regex UploadPath();

    /// <summary>True for a POST that uploads a document.</summary>
    public static bool IsDocumentUpload(HttpRequest request) =>
        // The page's upload is its plain POST; its other handlers (?handler=Remove …) keep the ordinary limit.
        HttpMethods.IsPost(request.Method) && UploadPath().IsMatch(request.Path.Value ?? "") && !request.Query.ContainsKey("handler");
}
