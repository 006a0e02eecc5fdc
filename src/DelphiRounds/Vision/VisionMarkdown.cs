using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Microsoft.AspNetCore.Html;

namespace DelphiRounds.Vision;

/// <summary>
/// Renders the vision's Markdown safely: raw HTML is shown as text, links go only to http(s), mailto or
/// this site, images become plain links (an image from elsewhere would tell a third party who reads the
/// vision), and headings start below the page's own so the outline stays right.
/// </summary>
public static class VisionMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().Build();

    /// <param name="markdown">The text.</param>
    /// <param name="headingOffset">Added to every heading level (<c>#</c> becomes <c>h(1+offset)</c>, at most h6).</param>
    public static IHtmlContent Render(string markdown, int headingOffset = 2)
    {
        var document = Markdown.Parse(markdown ?? "", Pipeline);
        foreach (var heading in document.Descendants<HeadingBlock>())
            heading.Level = Math.Min(6, heading.Level + headingOffset);
        foreach (var link in document.Descendants<LinkInline>())
        {
            link.IsImage = false;
            if (!IsSafe(link.Url)) link.Url = "#";
        }
        foreach (var link in document.Descendants<AutolinkInline>())
        {
            if (!link.IsEmail && !IsSafe(link.Url)) link.Url = "#";
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return new HtmlString(writer.ToString());
    }

    /// <summary>
    /// The text without its Markdown marks, on one line: for a point quoted inside a sentence ("Point 2 reworded: …"),
    /// where <c>**rond 2030**</c> would otherwise show its asterisks.
    /// </summary>
    public static string Plain(string markdown) =>
        string.Join(' ', Markdown.ToPlainText(markdown ?? "", Pipeline).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>http(s), mailto, fragments and paths on this site; nothing that runs script or reads local files.</summary>
    internal static bool IsSafe(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return true;
        var u = url.Trim();
        if (u.StartsWith('#') || (u.StartsWith('/') && !u.StartsWith("//", StringComparison.Ordinal))) return true;
        return Uri.TryCreate(u, UriKind.Absolute, out var abs) && abs.Scheme is "http" or "https" or "mailto";
    }
}
