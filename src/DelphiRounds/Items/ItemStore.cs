using System.Text.Json;
using Dapper;
using DelphiRounds.Consensus;
using DelphiRounds.Data;
using DelphiRounds.Hosting;

namespace DelphiRounds.Items;

/// <summary>A text in Dutch and English.</summary>
public sealed record LocalizedText(string Nl, string En)
{
    public string For(bool english) => english ? En : Nl;
}

/// <summary>The kinds of item, as stored and as named in the API.</summary>
public static class ItemKinds
{
    public const string Rating = "rating";
    public static readonly string[] All = [Rating];
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
    public DateTimeOffset CreatedAt { get; init; }

    public LocalizedText Text => new(TextNl, TextEn);
    public RatingScale? Scale => ScaleMin is { } min && ScaleMax is { } max ? new RatingScale(min, max) : null;

    /// <summary>Labels of the scale points that have one (often only the ends and the middle).</summary>
    public IReadOnlyDictionary<int, LocalizedText> Labels =>
        LabelsJson is null ? new Dictionary<int, LocalizedText>()
        : JsonSerializer.Deserialize<Dictionary<int, LocalizedText>>(LabelsJson, JsonSerializerOptions.Web) ?? [];
}

/// <summary>The items of studies.</summary>
public sealed class ItemStore(Database db, TimeProvider time)
{
    private const string Columns = "id, study_id, position, kind, text_nl, text_en, scale_min, scale_max, labels_json, created_at";

    public async Task<Item> AddRatingAsync(long studyId, LocalizedText text, RatingScale scale, IReadOnlyDictionary<int, LocalizedText> labels)
    {
        var now = time.Now();
        var labelsJson = JsonSerializer.Serialize(labels, JsonSerializerOptions.Web);
        var id = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            """
            INSERT INTO items (study_id, position, kind, text_nl, text_en, scale_min, scale_max, labels_json, created_at)
            VALUES (@studyId, (SELECT COALESCE(MAX(position), 0) + 1 FROM items WHERE study_id = @studyId),
                    @kind, @nl, @en, @min, @max, @labelsJson, @now)
            RETURNING id
            """, new { studyId, kind = ItemKinds.Rating, nl = text.Nl, en = text.En, min = scale.Min, max = scale.Max, labelsJson, now }, tx));
        return (await FindAsync(id))!;
    }

    public Task<Item?> FindAsync(long id) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Item>($"SELECT {Columns} FROM items WHERE id = @id", new { id }));

    public async Task<IReadOnlyList<Item>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Item>(
            $"SELECT {Columns} FROM items WHERE study_id = @studyId ORDER BY position, id", new { studyId }))).AsList();
}
