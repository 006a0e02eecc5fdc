using System.Globalization;

namespace DelphiRounds.Pages;

/// <summary>The size of a document as people read it (in the page's language): "820 bytes", "14 kB", "2,3 MB".</summary>
public static class DocumentSizes
{
    public static string Show(long bytes) => bytes switch
    {
        < 1024 => string.Format(CultureInfo.CurrentCulture, "{0} bytes", bytes),
        < 1024 * 1024 => string.Format(CultureInfo.CurrentCulture, "{0:0} kB", bytes / 1024.0),
        _ => string.Format(CultureInfo.CurrentCulture, "{0:0.0} MB", bytes / (1024.0 * 1024)),
    };
}
