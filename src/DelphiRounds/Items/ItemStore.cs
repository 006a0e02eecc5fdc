using System.Text.Json;
using Dapper;
using DelphiRounds.Consensus;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Items;

/// <summary>A text in Dutch and English.</summary>
public sealed record LocalizedText(string Nl, string En)
{
    public string For(bool english) => english ? En : Nl;

    /// <summary>
    /// Both languages, trimmed and without direction or zero-width characters (<see cref="DisplayText"/>), English
    /// falling back to Dutch; null when no Dutch text was given.
    /// </summary>
    public static LocalizedText? From(string? nl, string? en)
    {
        nl = DisplayText.Strip(nl)?.Trim();
        en = DisplayText.Strip(en)?.Trim();
        return string.IsNullOrWhiteSpace(nl) ? null : new LocalizedText(nl, string.IsNullOrWhiteSpace(en) ? nl : en);
    }
}

/// <summary>An option of a ranking item: a stable key and its label.</summary>
public sealed record RankingOption(string Key, string Nl, string En)
{
    public string For(bool english) => english ? En : Nl;
}

/// <summary>The kinds of item, as stored and as named in the API.</summary>
public static class ItemKinds
{
    /// <summary>A statement rated on a labelled scale (1–5 or 1–7).</summary>
    public const string Rating = "rating";
    /// <summary>A number with a unit and an allowed range, optionally as low / most likely / high.</summary>
    public const string Numeric = "numeric";
    /// <summary>"When will …": a year within an allowed range.</summary>
    public const string Year = "year";
    /// <summary>Options put in order of preference.</summary>
    public const string Ranking = "ranking";
    /// <summary>An open question (round 0 ideas, or free comment).</summary>
    public const string Text = "text";
    public static readonly string[] All = [Rating, Numeric, Year, Ranking, Text];

    /// <summary>Kinds whose answers are numbers analysed with median and quartiles.</summary>
    public static bool IsNumberLike(string kind) => kind is Rating or Numeric or Year;
}

/// <summary>A questionnaire item of a study.</summary>
public sealed record Item
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public int Position { get; init; }
    public string Kind { get; init; } = "";
    public string TextNl { get; init; } = "";
    public string TextEn { get; init; } = "";
    public int? ScaleMin { get; init; }
    public int? ScaleMax { get; init; }
    public string? LabelsJson { get; init; }
    public string? Unit { get; init; }
    public double? RangeMin { get; init; }
    public double? RangeMax { get; init; }
    /// <summary>Numeric items: ask low / most likely / high instead of one number.</summary>
    public bool ThreePoint { get; init; }
    public string? OptionsJson { get; init; }
    /// <summary>Set when the item was retired after the round with this number.</summary>
    public int? RetiredAfterRound { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>
    /// Rating, numeric and year items: a participant may answer "don't know" instead of a value. Such an answer is
    /// stored (without a value) and counted apart; it is never part of the median, IQR, agreement or verdict.
    /// </summary>
    public bool AllowDontKnow { get; init; }
    /// <summary>Rating, numeric and year items: the answer comes with an optional self-rated expertise, 1 (none) to 5 (expert).</summary>
    public bool AskExpertise { get; init; }

    /// <summary>Whether "don't know" can be answered: only rating, numeric and year items have statistics to keep it out of.</summary>
    public bool OffersDontKnow => AllowDontKnow && ItemKinds.IsNumberLike(Kind);
    /// <summary>Whether the expertise question is asked (rating, numeric and year items).</summary>
    public bool AsksExpertise => AskExpertise && ItemKinds.IsNumberLike(Kind);

    public LocalizedText Text => new(TextNl, TextEn);
    public RatingScale? Scale => ScaleMin is { } min && ScaleMax is { } max ? new RatingScale(min, max) : null;
    public bool IsRetired => RetiredAfterRound is not null;

    /// <summary>Labels of the scale points that have one (often only the ends and the middle).</summary>
    public IReadOnlyDictionary<int, LocalizedText> Labels =>
        LabelsJson is null ? new Dictionary<int, LocalizedText>()
        : JsonSerializer.Deserialize<Dictionary<int, LocalizedText>>(LabelsJson, JsonSerializerOptions.Web) ?? [];

    /// <summary>The options of a ranking item.</summary>
    public IReadOnlyList<RankingOption> Options =>
        OptionsJson is null ? [] : JsonSerializer.Deserialize<List<RankingOption>>(OptionsJson, JsonSerializerOptions.Web) ?? [];
}

/// <summary>What a new item is: its kind and the fields that kind needs.</summary>
public sealed record ItemDefinition(
    string Kind, LocalizedText Text,
    RatingScale? Scale = null, IReadOnlyDictionary<int, LocalizedText>? Labels = null,
    string? Unit = null, double? RangeMin = null, double? RangeMax = null, bool ThreePoint = false,
    IReadOnlyList<RankingOption>? Options = null)
{
    /// <summary>Allow "don't know" (rating, numeric, year); null: as the study says (on for a citizen panel).</summary>
    public bool? AllowDontKnow { get; init; }
    /// <summary>Ask the optional self-rated expertise 1–5 (rating, numeric, year).</summary>
    public bool AskExpertise { get; init; }
}

/// <summary>One change of an item's wording, with the reason given.</summary>
public sealed record ItemChange
{
    public long Id { get; init; }
    public long ItemId { get; init; }
    public int AfterRound { get; init; }
    public string OldTextNl { get; init; } = "";
    public string OldTextEn { get; init; } = "";
    public string NewTextNl { get; init; } = "";
    public string NewTextEn { get; init; } = "";
    public string ReasonNl { get; init; } = "";
    public string ReasonEn { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>
    /// The statement now means something else: from the next round on its answers are a new series, not compared
    /// with those given to the old wording (no stability against them). False for an editorial change (typos,
    /// clearer words), after which the comparisons go on.
    /// </summary>
    public bool Substantive { get; init; }
}

/// <summary>The items of studies, their wording history and the ideas they came from.</summary>
public sealed class ItemStore(Database db, TimeProvider time)
{
    private const string Columns =
        "id, study_id, position, kind, text_nl, text_en, scale_min, scale_max, labels_json, unit, range_min, range_max, three_point, options_json, retired_after_round, created_at, allow_dont_know, ask_expertise";

    public Task<Item> AddRatingAsync(long studyId, LocalizedText text, RatingScale scale, IReadOnlyDictionary<int, LocalizedText> labels) =>
        AddAsync(studyId, new ItemDefinition(ItemKinds.Rating, text, scale, labels));

    /// <summary>Adds an item at the end of the questionnaire; <paramref name="sourceAnswerIds"/> are the round-0 ideas it merges.</summary>
    public async Task<Item> AddAsync(long studyId, ItemDefinition d, IReadOnlyCollection<long>? sourceAnswerIds = null)
    {
        var now = time.Now();
        var id = await db.WriteAsync(async (c, tx) =>
        {
            var id = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO items (study_id, position, kind, text_nl, text_en, scale_min, scale_max, labels_json,
                                   unit, range_min, range_max, three_point, options_json, created_at, allow_dont_know, ask_expertise)
                VALUES (@studyId, (SELECT COALESCE(MAX(position), 0) + 1 FROM items WHERE study_id = @studyId),
                        @kind, @nl, @en, @scaleMin, @scaleMax, @labelsJson, @unit, @rangeMin, @rangeMax, @threePoint, @optionsJson, @now,
                        COALESCE(@allowDontKnow, (SELECT s.citizen_panel FROM studies s WHERE s.id = @studyId)), @askExpertise)
                RETURNING id
                """,
                new
                {
                    studyId, kind = d.Kind, nl = d.Text.Nl, en = d.Text.En, scaleMin = d.Scale?.Min, scaleMax = d.Scale?.Max,
                    labelsJson = d.Labels is null ? null : JsonSerializer.Serialize(d.Labels, JsonSerializerOptions.Web),
                    unit = d.Unit, rangeMin = d.RangeMin, rangeMax = d.RangeMax, threePoint = d.ThreePoint ? 1 : 0,
                    optionsJson = d.Options is null ? null : JsonSerializer.Serialize(d.Options, JsonSerializerOptions.Web), now,
                    // "Don't know" and expertise only mean something next to a value the statistics use.
                    allowDontKnow = ItemKinds.IsNumberLike(d.Kind) ? d.AllowDontKnow is { } own ? (own ? 1 : 0) : (int?)null : 0,
                    askExpertise = ItemKinds.IsNumberLike(d.Kind) && d.AskExpertise ? 1 : 0,
                }, tx);
            foreach (var answerId in sourceAnswerIds ?? [])
                await c.ExecuteAsync("INSERT INTO item_sources (item_id, answer_id) VALUES (@id, @answerId)", new { id, answerId }, tx);
            return id;
        });
        return (await FindAsync(id))!;
    }

    public Task<Item?> FindAsync(long id) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Item>($"SELECT {Columns} FROM items WHERE id = @id", new { id }));

    public async Task<IReadOnlyList<Item>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Item>(
            $"SELECT {Columns} FROM items WHERE study_id = @studyId ORDER BY position, id", new { studyId }))).AsList();

    /// <summary>
    /// Rewords an item between rounds; the old and new wording and the reason are kept as its changelog
    /// and shown to participants in the next round.
    /// </summary>
    public Task RewordAsync(Item item, LocalizedText text, LocalizedText reason, int afterRound, bool substantive = false) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(
                """
                INSERT INTO item_changes (item_id, after_round, old_text_nl, old_text_en, new_text_nl, new_text_en, reason_nl, reason_en, created_at, substantive)
                VALUES (@id, @afterRound, @oldNl, @oldEn, @newNl, @newEn, @reasonNl, @reasonEn, @now, @substantive)
                """,
                new
                {
                    id = item.Id, afterRound, oldNl = item.TextNl, oldEn = item.TextEn, newNl = text.Nl, newEn = text.En, reasonNl = reason.Nl, reasonEn = reason.En,
                    now = time.Now(), substantive = substantive ? 1 : 0,
                }, tx);
            await c.ExecuteAsync("UPDATE items SET text_nl = @nl, text_en = @en WHERE id = @id", new { id = item.Id, nl = text.Nl, en = text.En }, tx);
        });

    /// <summary>Before round 1: a new wording without a changelog (nobody has read the old one).</summary>
    public Task EditTextAsync(long itemId, LocalizedText text) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE items SET text_nl = @nl, text_en = @en WHERE id = @itemId", new { itemId, nl = text.Nl, en = text.En }, tx));

    /// <summary>Before the item is asked: whether it allows "don't know" and asks the self-rated expertise.</summary>
    public Task SetAnsweringAsync(long itemId, bool allowDontKnow, bool askExpertise) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE items SET allow_dont_know = @dk, ask_expertise = @ex WHERE id = @itemId",
            new { itemId, dk = allowDontKnow ? 1 : 0, ex = askExpertise ? 1 : 0 }, tx));

    /// <summary>Before round 1: removes an item that was never asked (and the ideas it was linked to); the others keep their order.</summary>
    public Task DeleteAsync(long itemId) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("DELETE FROM item_sources WHERE item_id = @itemId", new { itemId }, tx);
            await c.ExecuteAsync("DELETE FROM item_changes WHERE item_id = @itemId", new { itemId }, tx);
            await c.ExecuteAsync("DELETE FROM items WHERE id = @itemId", new { itemId }, tx);
        });

    /// <summary>Before round 1: swaps the item's place with its neighbour above (<paramref name="up"/>) or below; false at either end.</summary>
    public Task<bool> MoveAsync(long studyId, long itemId, bool up) =>
        db.WriteAsync(async (c, tx) =>
        {
            var order = (await c.QueryAsync<(long Id, int Position)>(
                "SELECT id, position FROM items WHERE study_id = @studyId ORDER BY position, id", new { studyId }, tx)).AsList();
            var at = order.FindIndex(x => x.Id == itemId);
            var other = up ? at - 1 : at + 1;
            if (at < 0 || other < 0 || other >= order.Count) return false;
            // Renumber 1…n in the new order (positions of older studies may repeat).
            (order[at], order[other]) = (order[other], order[at]);
            for (var i = 0; i < order.Count; i++)
                await c.ExecuteAsync("UPDATE items SET position = @position WHERE id = @id", new { id = order[i].Id, position = i + 1 }, tx);
            return true;
        });

    /// <summary>Retires an item after a round: it is no longer asked in later rounds.</summary>
    public Task RetireAsync(long itemId, int afterRound) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE items SET retired_after_round = @afterRound WHERE id = @itemId AND retired_after_round IS NULL", new { itemId, afterRound }, tx));

    /// <summary>The wording changes of a study's items, oldest first.</summary>
    public async Task<IReadOnlyList<ItemChange>> ChangesAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<ItemChange>(
            """
            SELECT ch.id, ch.item_id, ch.after_round, ch.old_text_nl, ch.old_text_en, ch.new_text_nl, ch.new_text_en, ch.reason_nl, ch.reason_en, ch.created_at,
                   ch.substantive
            FROM item_changes ch JOIN items i ON i.id = ch.item_id
            WHERE i.study_id = @studyId ORDER BY ch.id
            """, new { studyId }))).AsList();

    /// <summary>The round-0 ideas (answer ids) each item of a study was made from.</summary>
    public async Task<ILookup<long, long>> SourcesAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<(long ItemId, long AnswerId)>(
            """
            SELECT s.item_id, s.answer_id FROM item_sources s JOIN items i ON i.id = s.item_id
            WHERE i.study_id = @studyId ORDER BY s.item_id, s.answer_id
            """, new { studyId }))).ToLookup(r => r.ItemId, r => r.AnswerId);
}
