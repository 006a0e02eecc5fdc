using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Arguments;

/// <summary>
/// An argument: the rationale of a participant's current answer to an item, shown anonymised (no
/// pseudonym, no group) to the panel, with how many others found it convincing.
/// </summary>
public sealed record Argument
{
    public long AnswerId { get; init; }
    public long RoundId { get; init; }
    public long ItemId { get; init; }
    public long ParticipantId { get; init; }
    public double? Value { get; init; }
    public string? DetailJson { get; init; }
    public string Rationale { get; init; } = "";
    public int Convincing { get; init; }
    public bool MarkedByMe { get; init; }
    public string? HiddenReason { get; init; }
    /// <summary>What the author was warned about before publishing it (<c>name</c>, <c>email</c>, <c>group</c>, comma-separated), or null.</summary>
    public string? RationaleWarning { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Arguments (rationales), the "convincing" marks participants give them, and the facilitator's moderation.</summary>
public sealed class ArgumentStore(Database db, TimeProvider time)
{
    /// <summary>
    /// The hidden moderations that cover answer <c>a</c>: hiding is about the text, so an argument stays hidden when
    /// its author posts the same rationale again — in a later revision or a later round — until the hiding is lifted.
    /// The one rule for the API, the pages and the exports.
    /// </summary>
    private const string HidingOf =
        """
        SELECT h.reason FROM argument_moderation h JOIN answers ha ON ha.id = h.answer_id
        WHERE ha.participant_id = a.participant_id AND ha.item_id = a.item_id AND ha.rationale = a.rationale
        """;

    /// <summary>
    /// The arguments of a round: the rationales of current answers, with convincing counts. Hidden ones
    /// are included only for the facilitator (<paramref name="includeHidden"/>).
    /// </summary>
    public async Task<IReadOnlyList<Argument>> ForRoundAsync(long roundId, long? viewerParticipantId, bool includeHidden = false) =>
        (await db.ReadAsync(c => c.QueryAsync<Argument>(
            $"""
            SELECT a.id AS answer_id, a.round_id, a.item_id, a.participant_id, a.value, a.detail_json, a.rationale, a.rationale_warning, a.created_at,
                   (SELECT COUNT(*) FROM argument_marks m WHERE m.answer_id = a.id) AS convincing,
                   CASE WHEN EXISTS (SELECT 1 FROM argument_marks m WHERE m.answer_id = a.id AND m.participant_id = @viewer) THEN 1 ELSE 0 END AS marked_by_me,
                   ({HidingOf} ORDER BY h.hidden_at LIMIT 1) AS hidden_reason
            FROM answers a
            WHERE a.round_id = @roundId AND a.rationale IS NOT NULL
              AND a.revision = (SELECT MAX(b.revision) FROM answers b
                                WHERE b.round_id = a.round_id AND b.item_id = a.item_id AND b.participant_id = a.participant_id)
              AND (@includeHidden = 1 OR NOT EXISTS ({HidingOf}))
            ORDER BY a.item_id, a.id
            """, new { roundId, viewer = viewerParticipantId ?? -1, includeHidden = includeHidden ? 1 : 0 }))).AsList();

    /// <summary>The round and study of an answer (to check who may mark or hide it).</summary>
    public Task<(long RoundId, long StudyId, long ParticipantId, long ItemId)?> OwnerAsync(long answerId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<(long, long, long, long)?>(
            "SELECT a.round_id, r.study_id, a.participant_id, a.item_id FROM answers a JOIN rounds r ON r.id = a.round_id WHERE a.id = @answerId",
            new { answerId }));

    /// <summary>Marks or unmarks an argument as convincing; true when it is now marked.</summary>
    public Task<bool> ToggleMarkAsync(long answerId, long participantId) =>
        db.WriteAsync(async (c, tx) =>
        {
            var removed = await c.ExecuteAsync(
                "DELETE FROM argument_marks WHERE answer_id = @answerId AND participant_id = @participantId", new { answerId, participantId }, tx);
            if (removed > 0) return false;
            await c.ExecuteAsync(
                "INSERT INTO argument_marks (answer_id, participant_id, created_at) VALUES (@answerId, @participantId, @now)",
                new { answerId, participantId, now = time.Now() }, tx);
            return true;
        });

    /// <summary>Hides an argument from the panel, with the facilitator's reason (the answer itself stays).</summary>
    public Task HideAsync(long answerId, string reason) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM argument_moderation WHERE answer_id = @answerId", new { answerId }, tx) > 0) return;
            await c.ExecuteAsync("INSERT INTO argument_moderation (answer_id, reason, hidden_at) VALUES (@answerId, @reason, @now)",
                new { answerId, reason, now = time.Now() }, tx);
        });

    /// <summary>Who marked which argument convincing, in a whole study.</summary>
    public static async Task<List<(long AnswerId, long ParticipantId)>> MarksAsync(System.Data.Common.DbConnection c, long studyId) =>
        (await c.QueryAsync<(long AnswerId, long ParticipantId)>(
            """
            SELECT m.answer_id, m.participant_id FROM argument_marks m
            JOIN answers a ON a.id = m.answer_id JOIN rounds r ON r.id = a.round_id
            WHERE r.study_id = @studyId
            """, new { studyId })).AsList();

    /// <summary>The answers whose argument is hidden, in a whole study: the ones the facilitator hid and every one of the same author, item and text.</summary>
    public static async Task<HashSet<long>> HiddenAsync(System.Data.Common.DbConnection c, long studyId) =>
        (await c.QueryAsync<long>(
            $"""
            SELECT a.id FROM answers a JOIN rounds r ON r.id = a.round_id
            WHERE r.study_id = @studyId AND a.rationale IS NOT NULL AND EXISTS ({HidingOf})
            """, new { studyId })).ToHashSet();
}
