using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DelphiRounds.Studies;

/// <summary>What removing a document did: <c>deleted</c> (no round had opened) or <c>withdrawn</c> (kept in the record).</summary>
public sealed record DocumentRemovalResponse(string Removal, StudyDocument? Document);

/// <summary>Background documents of a study in the JSON API (facilitator): list, add (multipart upload), remove, download.</summary>
public static class DocumentEndpoints
{
    public static void MapStudyDocuments(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/documents").WithTags("Studies").RequireAuthorization(Auth.FacilitatorApi);
        api.MapGet("/", ListAsync)
            .WithSummary("The study's background documents (CREDES: informational input), withdrawn ones too, each with its SHA-256.");
        api.MapPost("/", AddAsync).DisableAntiforgery().WithFormOptions(multipartBodyLengthLimit: Uploads.MaxBodyBytes)
            .Accepts<DocumentUploadForm>("multipart/form-data")
            .WithSummary($"Add a background document: multipart/form-data with `file` (at most 5 MB; {DocumentRulesText}) and an optional `title` (at most 200 characters; empty: the file's name). The server computes its SHA-256.");
        api.MapDelete("/{documentId:long}", RemoveAsync).Refuses(409)
            .WithSummary("Remove a document: before any round opened it is deleted; after, participants no longer see it but it stays in the record as withdrawn (409 when it already is).");
        api.MapGet("/{documentId:long}/content", ContentAsync).ProducesFile([.. DocumentRules.Types.Values.Distinct()])
            .WithSummary("The document's bytes, as uploaded.");
    }

    private static string DocumentRulesText => "pdf, png, jpg, txt, csv, md, docx, xlsx, pptx, odt or ods";

    private static async Task<Results<Ok<IReadOnlyList<StudyDocument>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, StudyDocumentStore documents)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await documents.ListAsync(studyId));
    }

    /// <summary>The upload form: the document and, optionally, its title.</summary>
    public sealed record DocumentUploadForm(string? Title, IFormFile? File);

    private static async Task<Results<Created<StudyDocument>, ProblemHttpResult>> AddAsync(
        long studyId, HttpContext context, StudyStore studies, StudyDocumentService service)
    {
        // The study first: a request about another facilitator's study (or none) is 404 whatever its body.
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        var title = form?["title"].FirstOrDefault();
        var file = form?.Files["file"];
        await using var stream = file?.OpenReadStream();
        var (document, refusal) = await service.AddAsync(studyId, title, file?.FileName, stream, file?.Length ?? 0);
        return refusal switch
        {
            DocumentRefusal.None => TypedResults.Created($"/api/v1/studies/{studyId}/documents/{document!.Id}", document),
            DocumentRefusal.FileMissing => Problems.BadRequest("file", "Send the document as the form field 'file' (it is missing or empty)."),
            DocumentRefusal.FileTooLarge => Problems.Field(413, "file", $"The document is larger than {Uploads.MaxDocumentBytes / (1024 * 1024)} MB."),
            DocumentRefusal.TypeNotAllowed => Problems.Field(415, "file", $"The file is not one of the allowed types ({DocumentRulesText}), or its content does not fit its extension."),
            DocumentRefusal.TitleTooLong => Problems.BadRequest("title", $"The title is longer than {DocumentRules.MaxTitleLength} characters."),
            _ => Problems.BadRequest("title", "Give the document a title."),
        };
    }

    private static async Task<Results<Ok<DocumentRemovalResponse>, ProblemHttpResult>> RemoveAsync(
        long studyId, long documentId, HttpContext context, StudyStore studies, StudyDocumentService service, StudyDocumentStore documents)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var (removal, refusal) = await service.RemoveAsync(studyId, documentId);
        return refusal switch
        {
            DocumentRefusal.None => TypedResults.Ok(new DocumentRemovalResponse(
                removal == DocumentRemoval.Deleted ? "deleted" : "withdrawn", await documents.FindAsync(studyId, documentId))),
            DocumentRefusal.AlreadyWithdrawn => Problems.Conflict("documentId", $"Document {documentId} was already withdrawn; it stays in the record."),
            _ => Problems.NotFound("documentId", $"Document {documentId} is not one of study {studyId}'s."),
        };
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ContentAsync(
        long studyId, long documentId, HttpContext context, StudyStore studies, StudyDocumentStore documents)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        if (await documents.FindAsync(studyId, documentId) is not { } document || await documents.ContentAsync(studyId, documentId) is not { } bytes)
            return Problems.NotFound("documentId", $"Document {documentId} is not one of study {studyId}'s.");
        return TypedResults.File(bytes, document.ContentType, document.FileName);
    }
}
