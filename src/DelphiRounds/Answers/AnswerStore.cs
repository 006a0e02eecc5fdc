using System.Globalization;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;

namespace DelphiRounds.Answers;

/// <summary>
/// The parts of an answer beyond its number: a numeric item's low and high estimate, a ranking's ranks,
/// an open question's text. Stored as JSON in <c>answers.detail_json</c>.
/// </summary>
public sealed record AnswerDetail
{
    public double? Low { get; init; }
    public double? High { get; init; }
    public IReadOnlyDictionary<string, double>? Ranks { get; init; }
    public string? Text { get; init; }
    /// <summary>"Don't know" instead of a value (the answer's value is then empty): counted apart, never in the statistics.</summary>
    public bool? DontKnow { get; init; }
    /// <summary>Self-rated expertise on the item, 1 (none) to 5 (expert), when the item asks it and the participant gave it.</summary>
    public int? Expertise { get; init; }

    /// <summary>Experts are those who rate their own expertise 4 or 5.</summary>
    public const int ExpertFrom = 4;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsDontKnow => DontKnow == true;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsExpert => Expertise >= ExpertFrom;

    private static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => Low is null && High is null && Ranks is null && Text is null && DontKnow is null && Expertise is null;
    public string? ToJson() => IsEmpty ? null : System.Text.Json.JsonSerializer.Serialize(this, Options);
    public static AnswerDetail? FromJson(string? json) => json is null ? null : System.Text.Json.JsonSerializer.Deserialize<AnswerDetail>(json, Options);
}

/// <summary>One revision of one participant's answer to one item in one round.</summary>
public sealed record Answer
{
    public long Id { get; init; }
    public long RoundId { get; init; }
    public long ItemId { get; init; }
    public long ParticipantId { get; init; }
    public int Revision { get; init; }
    public double? Value { get; init; }
    public string? DetailJson { get; init; }
    public string? Rationale { get; init; }
    public string? IdempotencyKey { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    public AnswerDetail? Detail => AnswerDetail.FromJson(DetailJson);

    /// <summary>
    /// True when a request would store exactly this answer: only then is a repeated idempotency key a retry.
    /// The same key with another body is a client bug, and answering it with this answer would hide that.
    /// </summary>
    public bool Repeats(long itemId, double? value, string? rationale, AnswerDetail? detail)
    {
        var mine = Detail;
        return ItemId == itemId && Nullable.Equals(Value, value) && Rationale == rationale
            && Nullable.Equals(mine?.Low, detail?.Low) && Nullable.Equals(mine?.High, detail?.High) && mine?.Text == detail?.Text
            && (mine?.IsDontKnow ?? false) == (detail?.IsDontKnow ?? false) && mine?.Expertise == detail?.Expertise
            && SameRanks(mine?.Ranks, detail?.Ranks);
    }

    private static bool SameRanks(IReadOnlyDictionary<string, double>? a, IReadOnlyDictionary<string, double>? b) =>
        a is null || b is null
            ? a is null && b is null
            : a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>One revision of one answer, as exported: the participant by pseudonym and group slug only.</summary>
public sealed record AnswerRecord
{
    public long AnswerId { get; init; }
    public long RoundId { get; init; }
    public int Round { get; init; }
    public string RoundKind { get; init; } = "";
    public long ItemId { get; init; }
    public int ItemPosition { get; init; }
    public string ItemKind { get; init; } = "";
    public string Participant { get; init; } = "";
    public string Group { get; init; } = "";
    public int Revision { get; init; }
    public double? Value { get; init; }
    public string? DetailJson { get; init; }
    public string? Rationale { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The current answer of a participant to an item, with the group it counts in.</summary>
public sealed record CurrentAnswer
{
    public long Id { get; init; }
    public long ItemId { get; init; }
    public long ParticipantId { get; init; }
    public long GroupId { get; init; }
    public string GroupSlug { get; init; } = "";
    public string Pseudonym { get; init; } = "";
    /// <summary>The organisation the participant belongs to, if any (one voice per organisation counts by it).</summary>
    public long? OrganisationId { get; init; }
    /// <summary>
    /// How the organisation goes in the analyze documents and exports: the smallest pseudonym among its members. Opaque
    /// (pseudonyms are random), the same in every round, and neither the organisation's name nor its id.
    /// </summary>
    public string? OrganisationKey { get; init; }
    public double? Value { get; init; }
    public string? DetailJson { get; init; }
    public int Revision { get; init; }
    public string? Rationale { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    public AnswerDetail? Detail => AnswerDetail.FromJson(DetailJson);
}

/// <summary>What happened to a submitted answer.</summary>
/// <summary>An answer as live aggregates take it in: who, which item, which group, what value.</summary>
public sealed record AnswerRow
{
    public long Id { get; init; }
    public long RoundId { get; init; }
    public long ItemId { get; init; }
    public long ParticipantId { get; init; }
    public string GroupSlug { get; init; } = "";
    public double? Value { get; init; }
    public string? DetailJson { get; init; }

    public AnswerDetail? Detail => AnswerDetail.FromJson(DetailJson);
}

public enum AppendOutcome { Stored, Replayed, RoundNotOpen, KeyReused }

/// <summary>The stored answer and, for a revision, the value it replaced.</summary>
public sealed record AppendResult(AppendOutcome Outcome, Answer? Answer, double? PreviousValue, long? PreviousId);

/// <summary>
/// Answers, append-only: every answer and every revision is a new row; the current answer is the
/// highest revision. A write is committed (and synced) before the caller acknowledges it.
/// </summary>
public sealed class AnswerStore(Database db, TimeProvider time, IAnswerWriter writer) : IIdeaSource
{
    private const string Columns = "id, round_id, item_id, participant_id, revision, value, detail_json, rationale, idempotency_key, created_at";

    /// <summary>
    /// Appends an answer or a revision in one transaction that also checks the round is still open,
    /// so an answer can never land in a closed round. A repeated idempotency key returns the first answer.
    /// </summary>
    public Task<AppendResult> AppendAsync(long roundId, long itemId, long participantId, double? value, string? rationale, string? idempotencyKey, AnswerDetail? detail = null, string? rationaleWarning = null) =>
        writer.WriteAsync(async (c, tx) =>
        {
            if (idempotencyKey is not null)
            {
                var earlier = await FindByKeyAsync(c, tx, roundId, participantId, idempotencyKey);
                if (earlier is not null)
                    return new AppendResult(earlier.Repeats(itemId, value, rationale, detail) ? AppendOutcome.Replayed : AppendOutcome.KeyReused, earlier, null, null);
            }
            var state = await c.ExecuteScalarAsync<string?>(
                db.Provider == DatabaseProvider.Postgres
                    ? "SELECT state FROM rounds WHERE id = @roundId FOR SHARE"
                    : "SELECT state FROM rounds WHERE id = @roundId", new { roundId }, tx);
            if (state != RoundStates.Open) return new AppendResult(AppendOutcome.RoundNotOpen, null, null, null);

            var previous = await c.QueryFirstOrDefaultAsync<(long Id, int Revision, double? Value)?>(
                """
                SELECT id, revision, value FROM answers
                WHERE round_id = @roundId AND item_id = @itemId AND participant_id = @participantId
                ORDER BY revision DESC LIMIT 1
                """, new { roundId, itemId, participantId }, tx);
            var revision = (previous?.Revision ?? 0) + 1;
            var detailJson = detail?.ToJson();
            var now = time.Now();
            var id = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO answers (round_id, item_id, participant_id, revision, value, detail_json, rationale, rationale_warning, idempotency_key, created_at)
                VALUES (@roundId, @itemId, @participantId, @revision, @value, @detailJson, @rationale, @rationaleWarning, @idempotencyKey, @now)
                RETURNING id
                """, new { roundId, itemId, participantId, revision, value, detailJson, rationale, rationaleWarning, idempotencyKey, now }, tx);
            var answer = new Answer { Id = id, RoundId = roundId, ItemId = itemId, ParticipantId = participantId, Revision = revision, Value = value, DetailJson = detailJson, Rationale = rationale, IdempotencyKey = idempotencyKey, CreatedAt = now };
            return new AppendResult(AppendOutcome.Stored, answer, previous?.Value, previous?.Id);
        });

    /// <summary>The answer a participant stored in a round with this idempotency key, if any (keys are scoped to participant and round).</summary>
    public Task<Answer?> FindByKeyAsync(long roundId, long participantId, string idempotencyKey) =>
        db.ReadAsync(c => FindByKeyAsync(c, null, roundId, participantId, idempotencyKey));

    private static Task<Answer?> FindByKeyAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx, long roundId, long participantId, string idempotencyKey) =>
        c.QuerySingleOrDefaultAsync<Answer?>(
            $"SELECT {Columns} FROM answers WHERE participant_id = @participantId AND round_id = @roundId AND idempotency_key = @idempotencyKey",
            new { participantId, roundId, idempotencyKey }, tx);

    /// <summary>The current (latest) answer of every participant to every item of a round.</summary>
    public Task<IReadOnlyList<CurrentAnswer>> CurrentAsync(long roundId) =>
        db.ReadAsync(c => CurrentAsync(c, null, roundId));

    /// <summary>The current answers of a round, read on the caller's connection (inside its transaction).</summary>
    public static async Task<IReadOnlyList<CurrentAnswer>> CurrentAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx, long roundId) =>
        (await c.QueryAsync<CurrentAnswer>(string.Format(CultureInfo.InvariantCulture, CurrentSql, ""), new { roundId }, tx)).AsList();

    /// <summary>The current answers to one item of a round (the benchmark's naive baseline reads this per answer).</summary>
    public async Task<IReadOnlyList<CurrentAnswer>> CurrentAsync(long roundId, long itemId) =>
        (await db.ReadAsync(c => c.QueryAsync<CurrentAnswer>(
            string.Format(CultureInfo.InvariantCulture, CurrentSql, "AND a.item_id = @itemId"), new { roundId, itemId }))).AsList();

    /// <summary>
    /// Revisions of a round's answers (not only the current ones), in the shape of <see cref="CurrentAnswer"/> with the
    /// organisation they count for: every one, or those with the given <paramref name="ids"/> (at most 1,000 a call).
    /// The facilitator's live verdicts pick from them the answers a release showed (<c>live_releases</c>).
    /// </summary>
    public async Task<IReadOnlyList<CurrentAnswer>> RevisionsAsync(long roundId, IReadOnlyCollection<long>? ids = null)
    {
        if (ids is { Count: > 1000 }) throw new ArgumentException("At most 1,000 answer ids a call.", nameof(ids));
        var only = ids is null ? "" : db.Provider == DatabaseProvider.Postgres ? "AND a.id = ANY(@ids)" : "AND a.id IN @ids";
        return (await db.ReadAsync(c => c.QueryAsync<CurrentAnswer>(
            string.Format(CultureInfo.InvariantCulture, RevisionsSql, only), new { roundId, ids = ids?.ToArray() }))).AsList();
    }

    // A round's answers with their participant's group and organisation. {0}: fixed extra conditions (never input).
    private const string RevisionsSql =
        """
        SELECT a.id, a.item_id, a.participant_id, p.group_id, g.slug AS group_slug, p.pseudonym, om.organisation_id, ok.organisation_key, a.value, a.detail_json, a.revision, a.rationale, a.created_at
        FROM answers a
        JOIN participants p ON p.id = a.participant_id
        JOIN stakeholder_groups g ON g.id = p.group_id
        LEFT JOIN organisation_members om ON om.participant_id = a.participant_id
        LEFT JOIN (SELECT m2.organisation_id, MIN(p2.pseudonym) AS organisation_key
                   FROM organisation_members m2 JOIN participants p2 ON p2.id = m2.participant_id
                   GROUP BY m2.organisation_id) ok ON ok.organisation_id = om.organisation_id
        WHERE a.round_id = @roundId {0}
        ORDER BY a.item_id, a.participant_id
        """;

    // The current answers only: each participant's latest revision per item. {0}: a fixed extra condition (never input).
    private static readonly string CurrentSql = RevisionsSql.Replace("{0}",
        """
        {0}
          AND a.revision = (SELECT MAX(b.revision) FROM answers b
                            WHERE b.round_id = a.round_id AND b.item_id = a.item_id AND b.participant_id = a.participant_id)
        """, StringComparison.Ordinal);

    /// <summary>
    /// Answers with an id above <paramref name="afterId"/> or among <paramref name="ids"/>, oldest first, at most
    /// <paramref name="limit"/>: what a scaled-out instance's live aggregates may have missed (see RedisFanOut).
    /// </summary>
    public async Task<IReadOnlyList<AnswerRow>> AfterAsync(long afterId, IReadOnlyCollection<long> ids, int limit) =>
        (await db.ReadAsync(c => c.QueryAsync<AnswerRow>(
            $"""
            SELECT a.id, a.round_id, a.item_id, a.participant_id, g.slug AS group_slug, a.value, a.detail_json
            FROM answers a
            JOIN participants p ON p.id = a.participant_id
            JOIN stakeholder_groups g ON g.id = p.group_id
            WHERE a.id > @afterId{(ids.Count == 0 ? "" : db.Provider == DatabaseProvider.Postgres ? " OR a.id = ANY(@ids)" : " OR a.id IN @ids")}
            ORDER BY a.id
            LIMIT @limit
            """, new { afterId, ids = ids.ToArray(), limit }))).AsList();

    /// <summary>The newest answer id (0 without answers).</summary>
    public Task<long> MaxIdAsync() =>
        db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(id), 0) FROM answers"));

    /// <summary>A participant's current answers in a round, by item.</summary>
    public async Task<IReadOnlyDictionary<long, Answer>> MineAsync(long roundId, long participantId) =>
        (await db.ReadAsync(c => c.QueryAsync<Answer>(
            $"""
            SELECT {Columns} FROM answers a
            WHERE round_id = @roundId AND participant_id = @participantId
              AND revision = (SELECT MAX(b.revision) FROM answers b
                              WHERE b.round_id = a.round_id AND b.item_id = a.item_id AND b.participant_id = a.participant_id)
            """, new { roundId, participantId })))
        .ToDictionary(a => a.ItemId);

    /// <summary>Answer ids of the text answers given in the study's round 0 (the ideas).</summary>
    public async Task<HashSet<long>> IdeaIdsAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<long>(
            """
            SELECT a.id FROM answers a JOIN rounds r ON r.id = a.round_id
            WHERE r.study_id = @studyId AND r.kind = 'ideas'
            """, new { studyId }))).ToHashSet();

    /// <summary>The first answer (revision 1) of every participant to every item of a round: in a blind round, the answer given before seeing the panel.</summary>
    public async Task<IReadOnlyList<CurrentAnswer>> FirstAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<CurrentAnswer>(
            """
            SELECT a.id, a.item_id, a.participant_id, p.group_id, g.slug AS group_slug, p.pseudonym, a.value, a.detail_json, a.revision, a.rationale, a.created_at
            FROM answers a
            JOIN participants p ON p.id = a.participant_id
            JOIN stakeholder_groups g ON g.id = p.group_id
            WHERE a.round_id = @roundId AND a.revision = 1
            ORDER BY a.item_id, a.participant_id
            """, new { roundId }))).AsList();

    /// <summary>The ids of every answer and revision of a round, per item (where the live versions of a loaded round start).</summary>
    public async Task<ILookup<long, long>> IdsByItemAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<(long ItemId, long Id)>(
            "SELECT item_id, id FROM answers WHERE round_id = @roundId", new { roundId }))).ToLookup(r => r.ItemId, r => r.Id);

    /// <summary>How many answers and revisions an item has in a round.</summary>
    public Task<long> CountAsync(long roundId, long itemId) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM answers WHERE round_id = @roundId AND item_id = @itemId", new { roundId, itemId }));

    public Task<long> CountAsync(long roundId) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM answers WHERE round_id = @roundId", new { roundId }));

    /// <summary>Participants with at least one answer in the round, per stakeholder group.</summary>
    public async Task<IReadOnlyDictionary<long, int>> RespondentsByGroupAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<(long GroupId, long Count)>(
            """
            SELECT p.group_id, COUNT(DISTINCT a.participant_id)
            FROM answers a JOIN participants p ON p.id = a.participant_id
            WHERE a.round_id = @roundId GROUP BY p.group_id
            """, new { roundId })))
        .ToDictionary(r => r.GroupId, r => (int)r.Count);

    /// <summary>Who gave at least one answer, per round (for response rates).</summary>
    public async Task<IReadOnlyDictionary<long, HashSet<long>>> RespondentsAsync(IReadOnlyCollection<long> roundIds)
    {
        if (roundIds.Count == 0) return new Dictionary<long, HashSet<long>>();
        // Dapper hands Npgsql a list as one array parameter ("IN $1" is a syntax error there); SQLite gets it expanded.
        var rows = await db.ReadAsync(c => c.QueryAsync<(long RoundId, long ParticipantId)>(
            db.Provider == DatabaseProvider.Postgres
                ? "SELECT DISTINCT round_id, participant_id FROM answers WHERE round_id = ANY(@roundIds)"
                : "SELECT DISTINCT round_id, participant_id FROM answers WHERE round_id IN @roundIds", new { roundIds = roundIds.ToArray() }));
        return rows.GroupBy(r => r.RoundId).ToDictionary(g => g.Key, g => g.Select(r => r.ParticipantId).ToHashSet());
    }

    /// <summary>Every answer and revision of a study, in order of round, item, pseudonym and revision (for exports and the report).</summary>
    public static async Task<List<AnswerRecord>> HistoryAsync(System.Data.Common.DbConnection c, long studyId) =>
        (await c.QueryAsync<AnswerRecord>(
            """
            SELECT a.id AS answer_id, a.round_id, r.number AS round, r.kind AS round_kind, a.item_id, i.position AS item_position,
                   i.kind AS item_kind, p.pseudonym AS participant, g.slug AS "group", a.revision, a.value, a.detail_json,
                   a.rationale, a.created_at
            FROM answers a
            JOIN rounds r ON r.id = a.round_id
            JOIN items i ON i.id = a.item_id
            JOIN participants p ON p.id = a.participant_id
            JOIN stakeholder_groups g ON g.id = p.group_id
            WHERE r.study_id = @studyId
            ORDER BY r.number, i.position, p.pseudonym, a.revision
            """, new { studyId })).AsList();
}
