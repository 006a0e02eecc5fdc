using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// Background documents (CREDES: informational input): what the panel is given to read, each with the SHA-256 the
/// server computed. Add one (file and title; the message next to the field says what is wrong), download, remove
/// (after a round opened it stays in the record as withdrawn). Works without script.
/// </summary>
[RequestFormLimits(MultipartBodyLengthLimit = Uploads.MaxBodyBytes)]
public sealed class DocumentsModel(StudyStore studies, StudyDocumentStore documents, StudyDocumentService service, IStringLocalizer<Texts> t)
    : StudyPageModel(studies)
{
    public IReadOnlyList<StudyDocument> List { get; private set; } = [];

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public IFormFile? Upload { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        await using var stream = Upload?.OpenReadStream();
        var (document, refusal) = await service.AddAsync(studyId, Title, Upload?.FileName, stream, Upload?.Length ?? 0);
        switch (refusal)
        {
            case DocumentRefusal.None:
                Notice = t["documents.added", document!.Title];
                return Redirect($"/f/studies/{studyId}/documents");
            case DocumentRefusal.FileMissing: ModelState.AddModelError(nameof(Upload), t["documents.error.missing"]); break;
            case DocumentRefusal.FileTooLarge: ModelState.AddModelError(nameof(Upload), t["documents.error.tooLarge", Uploads.MaxDocumentBytes / (1024 * 1024)]); break;
            case DocumentRefusal.TypeNotAllowed: ModelState.AddModelError(nameof(Upload), t["documents.error.type", DocumentRules.Extensions]); break;
            case DocumentRefusal.TitleTooLong: ModelState.AddModelError(nameof(Title), t["error.tooLong", DocumentRules.MaxTitleLength]); break;
            default: ModelState.AddModelError(nameof(Title), t["documents.error.title"]); break;
        }
        Response.StatusCode = 400;
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(long studyId, long documentId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var (removal, refusal) = await service.RemoveAsync(studyId, documentId);
        if (refusal == DocumentRefusal.NotFound) return NotFound();
        Notice = removal == DocumentRemoval.Deleted ? t["documents.deleted"] : t["documents.withdrawn"];
        return Redirect($"/f/studies/{studyId}/documents");
    }

    public async Task<IActionResult> OnGetDownloadAsync(long studyId, long documentId)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        if (await documents.FindAsync(studyId, documentId) is not { } document || await documents.ContentAsync(studyId, documentId) is not { } bytes)
            return NotFound();
        return File(bytes, document.ContentType, document.FileName);
    }

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        List = await documents.ListAsync(studyId);
        return true;
    }

    /// <summary>A size people read: bytes, kB or MB.</summary>
    public static string Size(long bytes) => DocumentSizes.Show(bytes);
}
