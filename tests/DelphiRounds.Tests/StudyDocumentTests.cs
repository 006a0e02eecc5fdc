using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 14 item 9, CREDES "informational input": background documents attached to a study, each with the SHA-256 the
/// server computes; participants download them from their questionnaire; the report lists every one (withdrawn ones
/// too, with the rounds they were shown in); bad uploads are refused with the field named and change nothing.
/// </summary>
public sealed partial class StudyDocumentTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    private static readonly byte[] Notes = Encoding.UTF8.GetBytes("Warmtenet Rotterdam: achtergrond bij de stellingen.\nCijfers uit 2024.\n");

    private static MultipartFormDataContent Upload(byte[] bytes, string fileName, string? title, string field = "file")
    {
        var form = new MultipartFormDataContent();
        if (title is not null) form.Add(new StringContent(title), "title");
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, field, fileName);
        return form;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private long Rows(long studyId) => DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM study_documents WHERE study_id = {studyId}");

    private static void NamesField(JsonElementWrapper problem, string field) =>
        Assert.True(problem.Value.GetProperty("errors").TryGetProperty(field, out _), $"the problem does not name {field}: {problem.Value}");

    private readonly record struct JsonElementWrapper(System.Text.Json.JsonElement Value);

    [Fact]
    public async Task Bad_uploads_are_refused_with_the_field_named_and_store_nothing()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var url = $"/api/v1/studies/{s.StudyId}/documents";
        var other = await Scenario.CreateAsync(app, open: false);
        var before = DatabaseDump.Take(app.DatabasePath);

        // No file at all.
        var noFile = new MultipartFormDataContent { { new StringContent("Zonder bestand"), "title" } };
        NamesField(new(await Scenario.Expect(await s.Facilitator.PostAsync(url, noFile), HttpStatusCode.BadRequest)), "file");
        // An empty file.
        NamesField(new(await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload([], "leeg.pdf", "Leeg")), HttpStatusCode.BadRequest)), "file");
        // A type that is not allowed, and a program renamed to .pdf.
        NamesField(new(await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload(Pdf, "setup.exe", "Programma")), HttpStatusCode.UnsupportedMediaType)), "file");
        NamesField(new(await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload([0x4D, 0x5A, 0x90, 0x00, 0x03], "rapport.pdf", "Vermomd")), HttpStatusCode.UnsupportedMediaType)), "file");
        // Text that is not text.
        NamesField(new(await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload([0x41, 0x00, 0x42], "notities.txt", "Binair")), HttpStatusCode.UnsupportedMediaType)), "file");
        // One byte over 5 MB.
        var large = new byte[5 * 1024 * 1024 + 1];
        Pdf.CopyTo(large, 0);
        NamesField(new(await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload(large, "groot.pdf", "Te groot")), HttpStatusCode.RequestEntityTooLarge)), "file");
        // A title over 200 characters.
        NamesField(new(await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload(Pdf, "rapport.pdf", new string('t', 201))), HttpStatusCode.BadRequest)), "title");
        // Someone else's study.
        NamesField(new(await Scenario.Expect(await other.Facilitator.PostAsync(url, Upload(Pdf, "rapport.pdf", "Niet van u")), HttpStatusCode.NotFound)), "studyId");
        await Scenario.Expect(await other.Facilitator.GetAsync(url), HttpStatusCode.NotFound);
        // Removing one that does not exist.
        NamesField(new(await Scenario.Expect(await s.Facilitator.DeleteAsync(url + "/999999"), HttpStatusCode.NotFound)), "documentId");

        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        Assert.Equal(0, Rows(s.StudyId));
    }

    [Fact]
    public async Task Documents_are_hashed_shown_to_participants_kept_as_withdrawn_after_round_1_opened_and_listed_in_the_report()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var url = $"/api/v1/studies/{s.StudyId}/documents";

        // Before round 1: added, then removed — no one saw it, so it is gone.
        var draft = await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload(Notes, "concept.txt", "Concept")), HttpStatusCode.Created);
        Assert.Equal(Sha(Notes), draft.GetProperty("sha256").GetString());
        var gone = await Scenario.Expect(await s.Facilitator.DeleteAsync($"{url}/{draft.GetProperty("id").GetInt64()}"), HttpStatusCode.OK);
        Assert.Equal("deleted", gone.GetProperty("removal").GetString());
        Assert.Equal(0, Rows(s.StudyId));

        // Two documents for round 1; the server computes their SHA-256 and their size.
        var report = await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload(Pdf, "warmtenet.pdf", "Verkenning warmtenet")), HttpStatusCode.Created);
        var notes = await Scenario.Expect(await s.Facilitator.PostAsync(url, Upload(Notes, "achtergrond.txt", null)), HttpStatusCode.Created);
        Assert.Equal(Sha(Pdf), report.GetProperty("sha256").GetString());
        Assert.Equal(Pdf.Length, report.GetProperty("sizeBytes").GetInt64());
        Assert.Equal("application/pdf", report.GetProperty("contentType").GetString());
        Assert.Equal("achtergrond", notes.GetProperty("title").GetString());
        Assert.Equal(1, report.GetProperty("shownFromRound").GetInt32());
        var reportId = report.GetProperty("id").GetInt64();
        var notesId = notes.GetProperty("id").GetInt64();
        Assert.Equal(Pdf, await s.Facilitator.GetByteArrayAsync($"{url}/{reportId}/content"));

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);

        // The participant sees both, downloads the exact bytes, and finds the SHA-256 under "technical".
        var participant = app.Client();
        var page = await participant.GetStringAsync($"/p/{s.Participants[0].Token}");
        Assert.Contains("data-documents=\"2\"", page);
        Assert.Contains("Verkenning warmtenet", page);
        Assert.Matches($"<details class=\"technical-proof\">\\s*<summary>Technisch</summary>\\s*<p[^>]*>[^<]*SHA-256: <code class=\"hash\" data-sha256>{Sha(Pdf)}</code>", page);
        Assert.Equal(Pdf, await participant.GetByteArrayAsync($"/p?handler=Document&documentId={reportId}"));
        var english = await participant.GetStringAsync("/p?culture=en");
        Assert.Contains("To read", english);

        // Removed while round 1 is open: participants no longer see it, the record keeps it as withdrawn; removing again is 409.
        var withdrawn = await Scenario.Expect(await s.Facilitator.DeleteAsync($"{url}/{notesId}"), HttpStatusCode.OK);
        Assert.Equal("withdrawn", withdrawn.GetProperty("removal").GetString());
        Assert.Equal(1, withdrawn.GetProperty("document").GetProperty("withdrawnAfterRound").GetInt32());
        NamesField(new(await Scenario.Expect(await s.Facilitator.DeleteAsync($"{url}/{notesId}"), HttpStatusCode.Conflict)), "documentId");
        Assert.Equal(2, Rows(s.StudyId));
        var list = await Scenario.Expect(await s.Facilitator.GetAsync(url), HttpStatusCode.OK);
        Assert.Equal(2, list.GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.String, JsonValueKind(list, notesId));
        var after = await participant.GetStringAsync("/p");
        Assert.Contains("data-documents=\"1\"", after);
        Assert.DoesNotContain(Sha(Notes), after);
        Assert.Equal(HttpStatusCode.NotFound, (await participant.GetAsync($"/p?handler=Document&documentId={notesId}")).StatusCode);
        // A participant of another study cannot fetch it.
        var stranger = await Scenario.CreateAsync(app);
        var strangerBrowser = app.Client();
        await strangerBrowser.GetStringAsync($"/p/{stranger.Participants[0].Token}");
        Assert.Equal(HttpStatusCode.NotFound, (await strangerBrowser.GetAsync($"/p?handler=Document&documentId={reportId}")).StatusCode);

        // The report: every document with title, size, SHA-256 and the rounds it was shown in, in both languages.
        var facilitator = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        foreach (var (culture, shownFrom, shownUntil) in new[] { ("nl", "vanaf ronde 1", "ronde 1 tot en met 1; weggehaald op"), ("en", "from round 1", "rounds 1 to 1; removed on") })
        {
            var html = Regex.Replace(await ReportAsync(facilitator, s.StudyId, culture), @"\s+", " ");
            Assert.Contains("data-documents=\"2\"", html);
            Assert.Matches($"data-document=\"{reportId}\" data-shown-from=\"1\" data-withdrawn-after=\"\">.*?Verkenning warmtenet.*?data-size=\"{Pdf.Length}\".*?{Regex.Escape(shownFrom)}.*?data-sha256>{Sha(Pdf)}<", html);
            Assert.Matches($"data-document=\"{notesId}\" data-shown-from=\"1\" data-withdrawn-after=\"1\">.*?achtergrond.*?data-size=\"{Notes.Length}\".*?{Regex.Escape(shownUntil)}.*?data-sha256>{Sha(Notes)}<", html);
        }
    }

    private static System.Text.Json.JsonValueKind JsonValueKind(System.Text.Json.JsonElement list, long id) =>
        list.EnumerateArray().Single(d => d.GetProperty("id").GetInt64() == id).GetProperty("withdrawnAt").ValueKind;

    /// <summary>The report, waiting for its build where the page shows the build's progress first.</summary>
    internal static async Task<string> ReportAsync(HttpClient browser, long studyId, string culture)
    {
        var html = await browser.GetStringAsync($"/f/studies/{studyId}/report?culture={culture}");
        for (var i = 0; i < 240 && html.Contains("data-report-progress", StringComparison.Ordinal) && !html.Contains("id=\"credes\"", StringComparison.Ordinal); i++)
        {
            await Task.Delay(250);
            html = await browser.GetStringAsync($"/f/studies/{studyId}/report?culture={culture}");
        }
        return html;
    }

    [Fact]
    public async Task The_facilitator_page_adds_a_document_and_shows_a_bad_file_next_to_the_field_without_storing_it()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}/documents");
        Assert.Contains("Achtergronddocumenten", page);
        Assert.Contains($"href=\"/f/studies/{s.StudyId}/documents\" aria-current=\"page\"", page);
        var token = AntiforgeryField().Match(page).Groups[1].Value;

        MultipartFormDataContent Form(byte[] bytes, string name, string title)
        {
            var form = Upload(bytes, name, null, field: "Upload");
            form.Add(new StringContent(title), "Title");
            form.Add(new StringContent(token), "__RequestVerificationToken");
            return form;
        }

        var before = DatabaseDump.Take(app.DatabasePath);
        var bad = await browser.PostAsync($"/f/studies/{s.StudyId}/documents", Form([0x4D, 0x5A, 0x00], "rapport.pdf", "Vermomd"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badHtml = await bad.Content.ReadAsStringAsync();
        Assert.Matches("<div class=\"utrecht-form-field-error-message\" id=\"field-upload-error\">Dit soort bestand kan niet", badHtml);
        Assert.Contains("aria-describedby=\"field-upload-hint field-upload-error\" aria-invalid=\"true\"", badHtml);
        Assert.Contains("value=\"Vermomd\"", badHtml);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        var ok = await browser.PostAsync($"/f/studies/{s.StudyId}/documents", Form(Pdf, "kaart.pdf", "Kaart van de leidingen"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var list = await ok.Content.ReadAsStringAsync();
        Assert.Contains("Kaart van de leidingen is toegevoegd.", list);
        Assert.Contains($"data-sha256>{Sha(Pdf)}<", list);
        Assert.Equal(1, Rows(s.StudyId));
    }
}
