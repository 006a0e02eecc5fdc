using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Studies;

/// <summary>A Delphi study as stored.</summary>
public sealed record Study
{
    public long Id { get; init; }
    public long FacilitatorId { get; init; }
    public string Title { get; init; } = "";
    public string Question { get; init; } = "";
    /// <summary>The title in English; empty: the Dutch title is shown in English too.</summary>
    public string TitleEn { get; init; } = "";
    /// <summary>The question in English; empty: the Dutch question.</summary>
    public string QuestionEn { get; init; } = "";
    public string Organiser { get; init; } = "";
    public int? HorizonYear { get; init; }
    public string CriteriaJson { get; init; } = "";
    public string? CriteriaHash { get; init; }
    public DateTimeOffset? CriteriaLockedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>
    /// Whether the panel's organisations are public (issue 18): the report then names them per stakeholder group and
    /// the verification page may say which took part. False (the default): counts only. The facilitator may change it at any time.
    /// </summary>
    public bool OrganisationsPublic { get; init; }
    /// <summary>
    /// The panel is residents (a citizen panel): its new rating, numeric and year items allow "don't know" by default
    /// (a resident who has no view should not have to guess; the guess would count as an opinion).
    /// </summary>
    public bool CitizenPanel { get; init; }

    /// <summary>The title in the page's language (English falls back to Dutch when it has none).</summary>
    public string TitleFor(bool english) => english && TitleEn.Length > 0 ? TitleEn : Title;

    /// <summary>The question in the page's language (English falls back to Dutch when it has none).</summary>
    public string QuestionFor(bool english) => english && QuestionEn.Length > 0 ? QuestionEn : Question;

    public ConsensusRules Rules => ConsensusRules.FromJson(CriteriaJson);
    public bool CriteriaLocked => CriteriaLockedAt is not null;
}

/// <summary>A stakeholder group of a study's panel.</summary>
public sealed record StakeholderGroup
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public string Slug { get; init; } = "";
    public string NameNl { get; init; } = "";
    public string NameEn { get; init; } = "";
    public int Position { get; init; }

    public string Name(bool english) => english ? NameEn : NameNl;
}

/// <summary>Studies and their stakeholder groups.</summary>
public sealed class StudyStore(Database db, TimeProvider time)
{
    private const string StudyColumns =
        "id, facilitator_id, title, question, title_en, question_en, organiser, horizon_year, criteria_json, criteria_hash, criteria_locked_at, created_at"
        + ", organisations_public <> 0 AS organisations_public, citizen_panel";

    public async Task<Study> CreateAsync(long facilitatorId, string title, string question, string organiser, int? horizonYear,
        IEnumerable<(string Slug, string NameNl, string NameEn)> groups, ConsensusRules? rules = null, string titleEn = "", string questionEn = "", bool citizenPanel = false)
    {
        var now = time.Now();
        var criteria = (rules ?? ConsensusRules.Default).ToCanonicalJson();
        var id = await db.WriteAsync(async (c, tx) =>
        {
            var studyId = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO studies (facilitator_id, title, question, title_en, question_en, organiser, horizon_year, criteria_json, created_at, citizen_panel)
                VALUES (@facilitatorId, @title, @question, @titleEn, @questionEn, @organiser, @horizonYear, @criteria, @now, @citizen) RETURNING id
                """, new { facilitatorId, title, question, titleEn, questionEn, organiser, horizonYear, criteria, now, citizen = citizenPanel ? 1 : 0 }, tx);
            var position = 0;
            foreach (var g in groups)
            {
                await c.ExecuteAsync(
                    "INSERT INTO stakeholder_groups (study_id, slug, name_nl, name_en, position) VALUES (@studyId, @slug, @nameNl, @nameEn, @position)",
                    new { studyId, slug = g.Slug, nameNl = g.NameNl, nameEn = g.NameEn, position = position++ }, tx);
            }
            return studyId;
        });
        return (await FindAsync(id))!;
    }

    public Task<Study?> FindAsync(long id) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Study>($"SELECT {StudyColumns} FROM studies WHERE id = @id", new { id }));

    /// <summary>The study when it belongs to <paramref name="facilitatorId"/>; null both when absent and when someone else's.</summary>
    public async Task<Study?> FindOwnedAsync(long id, long facilitatorId) =>
        await FindAsync(id) is { } s && s.FacilitatorId == facilitatorId ? s : null;

    public async Task<IReadOnlyList<Study>> ListAsync(long facilitatorId) =>
        (await db.ReadAsync(c => c.QueryAsync<Study>(
            $"SELECT {StudyColumns} FROM studies WHERE facilitator_id = @facilitatorId ORDER BY id DESC", new { facilitatorId }))).AsList();

    public Task<long> CountAsync() => db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM studies"));

    public async Task<IReadOnlyList<StakeholderGroup>> GroupsAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<StakeholderGroup>(
            "SELECT id, study_id, slug, name_nl, name_en, position FROM stakeholder_groups WHERE study_id = @studyId ORDER BY position, id",
            new { studyId }))).AsList();

    /// <summary>
    /// Adds a stakeholder group; null, adding nothing, when the study has a group with that slug. Checked in the insert's
    /// transaction: two requests adding one slug at once got past a check made before it, and the second failed on the
    /// unique key (a server error).
    /// </summary>
    public async Task<StakeholderGroup?> AddGroupAsync(long studyId, string slug, string nameNl, string nameEn)
    {
        var id = await db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM stakeholder_groups WHERE study_id = @studyId AND slug = @slug",
                    new { studyId, slug }, tx) > 0)
                return (long?)null;
            return await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO stakeholder_groups (study_id, slug, name_nl, name_en, position)
                VALUES (@studyId, @slug, @nameNl, @nameEn, (SELECT COALESCE(MAX(position), -1) + 1 FROM stakeholder_groups WHERE study_id = @studyId))
                RETURNING id
                """, new { studyId, slug, nameNl, nameEn }, tx);
        });
        return id is null ? null : (await GroupsAsync(studyId)).Single(g => g.Id == id);
    }

    /// <summary>Makes the panel's organisations public or not (before and after round 1 alike); false when the study does not exist.</summary>
    public Task<bool> SetOrganisationsPublicAsync(long studyId, bool organisationsPublic) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            "UPDATE studies SET organisations_public = @value WHERE id = @studyId",
            new { studyId, value = organisationsPublic ? 1 : 0 }, tx) == 1);

    /// <summary>Replaces the consensus criteria; false when they are already locked.</summary>
    /// <summary>
    /// Whether the panel is residents (a citizen panel), while the rules are not locked (before round 1 opens); false
    /// once locked. It sets only the default of "don't know" for items added after it: existing items keep theirs.
    /// </summary>
    public Task<bool> SetCitizenPanelAsync(long studyId, bool citizenPanel) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            "UPDATE studies SET citizen_panel = @citizen WHERE id = @studyId AND criteria_locked_at IS NULL",
            new { studyId, citizen = citizenPanel ? 1 : 0 }, tx) == 1);

    public Task<bool> SetRulesAsync(long studyId, ConsensusRules rules) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            "UPDATE studies SET criteria_json = @json WHERE id = @studyId AND criteria_locked_at IS NULL",
            new { studyId, json = rules.ToCanonicalJson() }, tx) == 1);

    /// <summary>
    /// Replaces locked consensus criteria in the caller's transaction (a reflection round after the vision, issue 21, that changes
    /// the rules with a recorded reason): the new criteria are locked at once, with their hash. Returns the new hash.
    /// </summary>
    public static async Task<string> RelockCriteriaAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long studyId,
        string criteriaJson, DateTimeOffset now)
    {
        var criteriaHash = Secrets.Hash(criteriaJson);
        await c.ExecuteAsync(
            "UPDATE studies SET criteria_json = @criteriaJson, criteria_hash = @criteriaHash, criteria_locked_at = @now WHERE id = @studyId",
            new { studyId, criteriaJson, criteriaHash, now }, tx);
        return criteriaHash;
    }

    /// <summary>
    /// Locks the study's consensus criteria with their hash, in the caller's transaction (opening round 1); a
    /// study already locked keeps its first lock.
    /// </summary>
    public static async Task LockCriteriaAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long studyId, DateTimeOffset now)
    {
        var criteriaJson = await c.ExecuteScalarAsync<string>("SELECT criteria_json FROM studies WHERE id = @studyId AND criteria_locked_at IS NULL", new { studyId }, tx);
        if (criteriaJson is null) return;
        var rules = ConsensusRules.FromJson(criteriaJson);
        if (rules.VerdictBasis == ConsensusRules.BasisExperts)
        {
            // Which items ask the expertise decides which verdicts rest on the experts alone: locked and hashed with the rest.
            var expertItems = (await c.QueryAsync<long>(
                "SELECT id FROM items WHERE study_id = @studyId AND ask_expertise = 1 AND kind IN ('rating', 'numeric', 'year') ORDER BY id",
                new { studyId }, tx)).ToArray();
            criteriaJson = (rules with { ExpertItems = expertItems }).ToCanonicalJson();
        }
        await c.ExecuteAsync(
            """
            UPDATE studies SET criteria_json = @criteriaJson, criteria_hash = @criteriaHash, criteria_locked_at = @now
            WHERE id = @studyId AND criteria_locked_at IS NULL
            """, new { studyId, criteriaJson, criteriaHash = Secrets.Hash(criteriaJson), now }, tx);
    }
}
