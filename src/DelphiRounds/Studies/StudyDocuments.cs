using System.Security.Cryptography;
using System.Text;
using DelphiRounds.Kernel;

namespace DelphiRounds.Studies;

/// <summary>A background document of a study (CREDES: informational input), as listed: never its bytes.</summary>
public sealed record StudyDocument
{
    public long Id { get; init; }
    /// <summary>What participants read as its name.</summary>
    public string Title { get; init; } = "";
    /// <summary>The file's name as uploaded (its extension tells its type).</summary>
    public string FileName { get; init; } = "";
    /// <summary>Its media type, e.g. <c>application/pdf</c>.</summary>
    public string ContentType { get; init; } = "";
    /// <summary>Its size in bytes.</summary>
    public long SizeBytes { get; init; }
    /// <summary>The SHA-256 of its bytes, computed by the server (64 lowercase hex digits).</summary>
    public string Sha256 { get; init; } = "";
    /// <summary>When it was added.</summary>
    public DateTimeOffset AddedAt { get; init; }
    /// <summary>The first round whose participants could see it (the round open when it was added, else the next to open).</summary>
    public int ShownFromRound { get; init; }
    /// <summary>When the facilitator removed it after a round had opened (null while it is shown).</summary>
    public DateTimeOffset? WithdrawnAt { get; init; }
    /// <summary>The last round whose participants could see it (null while it is shown).</summary>
    public int? WithdrawnAfterRound { get; init; }

    /// <summary>True while participants see it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Shown => WithdrawnAt is null;
}

/// <summary>What a background document may be: which files, how large, what title.</summary>
public static class DocumentRules
{
    public const int MaxTitleLength = 200;

    /// <summary>The allowed extensions with their media type; the file's first bytes must fit the type.</summary>
    public static readonly IReadOnlyDictionary<string, string> Types = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".pdf"] = "application/pdf",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".txt"] = "text/plain",
        [".csv"] = "text/csv",
        [".md"] = "text/markdown",
        [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        [".odt"] = "application/vnd.oasis.opendocument.text",
        [".ods"] = "application/vnd.oasis.opendocument.spreadsheet",
    };

    /// <summary>The allowed extensions, for messages and the form's <c>accept</c>.</summary>
    public static string Extensions => string.Join(", ", Types.Keys);

    /// <summary>
    /// The media type of <paramref name="fileName"/> with <paramref name="content"/>, or null when the type is not
    /// allowed or the bytes are not of that type (a renamed executable is not a PDF).
    /// </summary>
    public static string? TypeOf(string fileName, ReadOnlySpan<byte> content)
    {
        if (!Types.TryGetValue(Path.GetExtension(fileName), out var type)) return null;
        var fits = type switch
        {
            "application/pdf" => content.StartsWith("%PDF-"u8),
            "image/png" => content.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            "image/jpeg" => content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
            "text/plain" or "text/csv" or "text/markdown" => IsText(content),
            _ => content.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x03, 0x04]), // the office formats are zip files
        };
        return fits ? type : null;
    }

    private static bool IsText(ReadOnlySpan<byte> content)
    {
        if (content.IndexOf((byte)0) >= 0) return false;
        try
        {
            _ = new UTF8Encoding(false, true).GetCharCount(content);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The SHA-256 of the bytes, as 64 lowercase hex digits.</summary>
    public static string Sha256(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>A file name that is safe to send back: its last part, without controls, at most 200 characters.</summary>
    public static string CleanFileName(string? name)
    {
        var last = Path.GetFileName((name ?? "").Replace('\\', '/'));
        var clean = new string(last.Where(c => !char.IsControl(c) && c != '"').ToArray()).Trim();
        clean = DisplayText.Strip(clean) ?? "";
        return clean.Length switch { 0 => "document", > 200 => clean[^200..], _ => clean };
    }
}

/// <summary>Why a document was not added or removed.</summary>
public enum DocumentRefusal { None, TitleMissing, TitleTooLong, TitleControls, FileMissing, FileTooLarge, TypeNotAllowed, NotFound, AlreadyWithdrawn }

/// <summary>What happened to a removed document.</summary>
public enum DocumentRemoval { Deleted, Withdrawn }

/// <summary>
/// Adds and removes background documents. Which round participants first (and last) saw a document follows from the
/// rounds: a document added while a round is open is shown from that round, otherwise from the next one to open.
/// Before any round opened a removed document is gone; after, it is kept and marked withdrawn, so the report stays true.
/// </summary>
public sealed class StudyDocumentService(StudyDocumentStore store, IStudyRounds rounds, TimeProvider time)
{
    /// <summary>Checks and stores an upload; the refusal names what is wrong (nothing is stored then).</summary>
    public async Task<(StudyDocument? Document, DocumentRefusal Refusal)> AddAsync(long studyId, string? title, string? fileName, Stream? file, long length)
    {
        var cleanTitle = DisplayText.Strip(title)?.Trim() ?? "";
        if (file is null || length == 0) return (null, DocumentRefusal.FileMissing);
        if (length > Uploads.MaxDocumentBytes) return (null, DocumentRefusal.FileTooLarge);
        if (cleanTitle.Length == 0) cleanTitle = Path.GetFileNameWithoutExtension(DocumentRules.CleanFileName(fileName));
        if (cleanTitle.Length == 0) return (null, DocumentRefusal.TitleMissing);
        if (cleanTitle.Length > DocumentRules.MaxTitleLength) return (null, DocumentRefusal.TitleTooLong);
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        if (bytes.Length == 0) return (null, DocumentRefusal.FileMissing);
        if (bytes.Length > Uploads.MaxDocumentBytes) return (null, DocumentRefusal.FileTooLarge);
        var name = DocumentRules.CleanFileName(fileName);
        if (DocumentRules.TypeOf(name, bytes) is not { } type) return (null, DocumentRefusal.TypeNotAllowed);
        var summaries = await rounds.SummariesAsync(studyId);
        var open = summaries.Where(r => r.OpenedAt is not null && r.ClosedAt is null).Select(r => (int?)r.Number).Max();
        var opened = summaries.Where(r => r.OpenedAt is not null).Select(r => (int?)r.Number).Max();
        var from = open ?? (opened is { } last ? last + 1 : summaries.Select(r => (int?)r.Number).Min() ?? 1);
        var id = await store.AddAsync(studyId, cleanTitle, name, type, bytes, DocumentRules.Sha256(bytes), time.Now(), from);
        return (await store.FindAsync(studyId, id), DocumentRefusal.None);
    }

    /// <summary>Removes a document: deleted before any round opened, else kept and marked withdrawn.</summary>
    public async Task<(DocumentRemoval? Removal, DocumentRefusal Refusal)> RemoveAsync(long studyId, long documentId)
    {
        var document = await store.FindAsync(studyId, documentId);
        if (document is null) return (null, DocumentRefusal.NotFound);
        if (!document.Shown) return (null, DocumentRefusal.AlreadyWithdrawn);
        var summaries = await rounds.SummariesAsync(studyId);
        var opened = summaries.Where(r => r.OpenedAt is not null).Select(r => (int?)r.Number).Max();
        if (opened is null)
            return await store.DeleteAsync(studyId, documentId) ? (DocumentRemoval.Deleted, DocumentRefusal.None) : (null, DocumentRefusal.NotFound);
        // Seen up to the latest round that opened (the open one, or the last closed one when between rounds).
        return await store.WithdrawAsync(studyId, documentId, time.Now(), opened.Value)
            ? (DocumentRemoval.Withdrawn, DocumentRefusal.None) : (null, DocumentRefusal.AlreadyWithdrawn);
    }
}
