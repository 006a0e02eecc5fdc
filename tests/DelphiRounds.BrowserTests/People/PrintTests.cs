using System.Diagnostics;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>A document that must print cleanly: who opens it, where, and a text the printout must carry.</summary>
public sealed record PrintableDocument(string Name, string Who, Func<PeopleWorld, string> Path, Func<PeopleWorld, string> MustContain);

/// <summary>
/// The study report and the signed vision print cleanly: the print stylesheet hides navigation, language
/// switch, forms and buttons, keeps the document (and the vision's hash), and Chromium renders it to a PDF
/// whose text carries it.
/// </summary>
[Collection(PeopleCollection.Name)]
public sealed class PrintTests(PeopleWorld world)
{
    /// <summary>The documents people print: the study report (CREDES), the signed vision's receipt and its verification page.</summary>
    public static readonly IReadOnlyList<PrintableDocument> Documents =
    [
        new("study-report", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/report", _ => "Warmtevisie Voorbeeldstad 2030"),
        new("finished-study-report", "facilitator", w => $"/f/studies/{w.FrozenStudy}/report", _ => "Warmtevisie (vastgesteld)"),
        new("signed-vision-receipt", "anonymous", w => $"/sign/{w.SignedToken}/receipt", w => w.FrozenDocumentHash),
        new("vision-verification", "anonymous", w => $"/verify/{w.FrozenStudy}", w => w.FrozenDocumentHash),
    ];

    public static IEnumerable<object[]> Names => Documents.Select(d => new object[] { d.Name });

    [Theory]
    [MemberData(nameof(Names))]
    public async Task The_document_prints_without_the_site_around_it_and_renders_to_a_pdf_with_its_hash(string name)
    {
        var doc = Documents.Single(d => d.Name == name);
        var page = await world.PageAsync(doc.Who, "nl");
        try
        {
            await page.GotoAsync(world.Url(doc.Path(world)).ToString());
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
            foreach (var hidden in new[] { ".site-header__nav", ".utrecht-skip-link", ".site-footer", "[data-print]", "main form" })
                foreach (var element in await page.Locator(hidden).AllAsync())
                    Assert.False(await element.IsVisibleAsync(), $"{hidden} is printed");
            await Assertions.Expect(page.Locator("main")).ToContainTextAsync(doc.MustContain(world));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath($"print-{name}-nl.png"), FullPage = true });

            var pdf = await page.PdfAsync(new PagePdfOptions { Format = "A4", PrintBackground = false });
            Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5));
            Assert.True(pdf.Length > 10_000, $"{pdf.Length} bytes");
            var text = PdfText(pdf);
            static string Squash(string t) => t.Replace("\n", "").Replace(" ", "");
            Assert.Contains(Squash(doc.MustContain(world)), Squash(text));
            Assert.DoesNotContain("English", text); // the language switch is not printed
        }
        finally
        {
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Screen });
            await page.CloseAsync();
        }
    }

    /// <summary>The PDF's text, by poppler's pdftotext (installed by scripts/test.sh).</summary>
    private static string PdfText(byte[] pdf)
    {
        var file = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, pdf);
            using var process = Process.Start(new ProcessStartInfo("pdftotext", [file, "-"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            return text;
        }
        finally { File.Delete(file); }
    }
}
