using System.Globalization;

namespace DelphiRounds.Records;

/// <summary>
/// Times in the public record (the frozen vision, the ledger, the export): one format for what is hashed and one
/// for people, shared by every writer and the verifier.
/// </summary>
public static class RecordTime
{
    /// <summary>The UTC time as it is hashed: whole milliseconds, e.g. <c>2030-05-01T09:30:00.000Z</c>.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A time for people, in the current language: e.g. <c>25 november 2030 09:30 UTC</c>.</summary>
    public static string Readable(DateTimeOffset time) =>
        time.UtcDateTime.ToString("d MMMM yyyy HH:mm 'UTC'", CultureInfo.CurrentCulture);

    /// <summary>A stored ISO 8601 time (as in a frozen document) for people; the text itself when it is not a time.</summary>
    public static string Readable(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? Readable(time) : iso;

    /// <summary><paramref name="time"/> cut to whole milliseconds (what both databases keep exactly).</summary>
    public static DateTimeOffset ToMilliseconds(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
