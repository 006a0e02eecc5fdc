using System.Data.Common;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;

namespace DelphiRounds.Organisations;

/// <summary>An organisation at the table: it belongs to one stakeholder group of the study.</summary>
public sealed record Organisation
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long GroupId { get; init; }
    public string Name { get; init; } = "";
    /// <summary>Chamber of Commerce (KvK) number: eight digits, unique within the study.</summary>
    public string? Kvk { get; init; }
    /// <summary>Contact e-mail address of the organisation (not a panel member's).</summary>
    public string? Email { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Per stakeholder group: how many organisations and people are invited.</summary>
public sealed record GroupCoverage(long GroupId, int Organisations, int People);

/// <summary>Why an organisation or membership was not stored: the field at fault.</summary>
public enum OrganisationRefusal { None, DuplicateName, DuplicateKvk, NoSuchGroup, NoSuchOrganisation, NoSuchParticipant, OtherGroup, InAnotherOrganisation }

/// <summary>
/// The organisations of a study's panel (<c>organisations</c>) and who belongs to which (<c>organisation_members</c>:
/// a panel member belongs to at most one). Names are matched without regard to case or surrounding spaces.
/// </summary>
public sealed class OrganisationStore(Database db, TimeProvider time)
{
    private const string Columns = "id, study_id, group_id, name, kvk, email, created_at";

    /// <summary>How a name is compared: trimmed, inner spaces collapsed, lower case.</summary>
    public static string NameKey(string name) =>
        string.Join(' ', name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    /// <summary>A KvK number as stored: digits only (spaces and dots people type are dropped).</summary>
    public static string? NormaliseKvk(string? kvk) =>
        string.IsNullOrWhiteSpace(kvk) ? null : new string(kvk.Where(ch => !char.IsWhiteSpace(ch) && ch != '.').ToArray());

    public async Task<IReadOnlyList<Organisation>> ListAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Organisation>(
            $"SELECT {Columns} FROM organisations WHERE study_id = @studyId ORDER BY group_id, name_key, id", new { studyId }))).AsList();

    public Task<Organisation?> FindAsync(long studyId, long organisationId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Organisation>(
            $"SELECT {Columns} FROM organisations WHERE id = @organisationId AND study_id = @studyId", new { studyId, organisationId }));

    /// <summary>Which organisation each panel member of the study belongs to (members without one are absent).</summary>
    public async Task<IReadOnlyDictionary<long, long>> MembershipAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<(long ParticipantId, long OrganisationId)>(
            """
            SELECT m.participant_id, m.organisation_id
            FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
            WHERE o.study_id = @studyId
            """, new { studyId })))
        .ToDictionary(r => r.ParticipantId, r => r.OrganisationId);

    /// <summary>The name of the organisation a panel member belongs to, or null (free-text warnings: their own organisation's name).</summary>
    public Task<string?> NameOfMemberAsync(long participantId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<string?>(
            "SELECT o.name FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id WHERE m.participant_id = @participantId",
            new { participantId }));

    /// <summary>
    /// The names of the study's organisations, for whoever must recognise them in free text (anonymity: an
    /// argument that names an organisation may tell who wrote it).
    /// </summary>
    public async Task<IReadOnlyList<string>> NamesAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT name FROM organisations WHERE study_id = @studyId ORDER BY name_key", new { studyId }))).AsList();

    /// <summary>Per stakeholder group of the study: organisations and panel members (groups without either are absent).</summary>
    public async Task<IReadOnlyList<GroupCoverage>> CoverageAsync(long studyId)
    {
        var (organisations, people) = await db.ReadAsync(async c =>
        {
            var o = (await c.QueryAsync<(long GroupId, long Count)>(
                "SELECT group_id, COUNT(*) FROM organisations WHERE study_id = @studyId GROUP BY group_id", new { studyId })).ToDictionary(r => r.GroupId, r => (int)r.Count);
            var p = await ParticipantStore.CountByGroupAsync(c, studyId);
            return (o, p);
        });
        return organisations.Keys.Union(people.Keys).Order()
            .Select(g => new GroupCoverage(g, organisations.GetValueOrDefault(g), people.GetValueOrDefault(g))).ToList();
    }

    /// <summary>Adds an organisation; refused (nothing stored) for a name or KvK number the study already has.</summary>
    public Task<(Organisation? Organisation, OrganisationRefusal Refusal)> AddAsync(long studyId, long groupId, string name, string? kvk, string? email)
    {
        var now = time.Now();
        return db.WriteAsync(async (c, tx) =>
        {
            var refusal = await RefusalAsync(c, tx, studyId, name, kvk);
            if (refusal != OrganisationRefusal.None) return ((Organisation?)null, refusal);
            return (await InsertAsync(c, tx, studyId, groupId, name, kvk, email, now), OrganisationRefusal.None);
        });
    }

    /// <summary>
    /// Puts a panel member in an organisation of the same study and group. A member already in another
    /// organisation is refused (one organisation per person); putting them in the same one again changes nothing.
    /// </summary>
    public Task<OrganisationRefusal> AddMemberAsync(long studyId, long organisationId, long participantId) =>
        db.WriteAsync(async (c, tx) =>
        {
            var groupId = await c.ExecuteScalarAsync<long?>(
                "SELECT group_id FROM participants WHERE id = @participantId AND study_id = @studyId", new { participantId, studyId }, tx);
            if (groupId is null) return OrganisationRefusal.NoSuchParticipant;
            var organisation = await c.QuerySingleOrDefaultAsync<Organisation>(
                $"SELECT {Columns} FROM organisations WHERE id = @organisationId AND study_id = @studyId", new { studyId, organisationId }, tx);
            if (organisation is null) return OrganisationRefusal.NoSuchOrganisation;
            if (groupId != organisation.GroupId) return OrganisationRefusal.OtherGroup;
            var current = await c.ExecuteScalarAsync<long?>(
                "SELECT organisation_id FROM organisation_members WHERE participant_id = @participantId", new { participantId }, tx);
            if (current == organisationId) return OrganisationRefusal.None;
            if (current is not null) return OrganisationRefusal.InAnotherOrganisation;
            await AddMemberAsync(c, tx, organisationId, participantId);
            return OrganisationRefusal.None;
        });

    /// <summary>The refusal for a new organisation with this name and KvK number, read in the caller's transaction.</summary>
    internal static async Task<OrganisationRefusal> RefusalAsync(DbConnection c, DbTransaction tx, long studyId, string name, string? kvk)
    {
        if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM organisations WHERE study_id = @studyId AND name_key = @key",
                new { studyId, key = NameKey(name) }, tx) > 0)
            return OrganisationRefusal.DuplicateName;
        if (NormaliseKvk(kvk) is { } k && await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM organisations WHERE study_id = @studyId AND kvk = @k",
                new { studyId, k }, tx) > 0)
            return OrganisationRefusal.DuplicateKvk;
        return OrganisationRefusal.None;
    }

    /// <summary>Inserts an organisation in the caller's transaction.</summary>
    internal static async Task<Organisation> InsertAsync(DbConnection c, DbTransaction tx, long studyId, long groupId, string name, string? kvk, string? email, DateTimeOffset now)
    {
        name = name.Trim();
        kvk = NormaliseKvk(kvk);
        email = string.IsNullOrWhiteSpace(email) ? null : email.Trim();
        var id = await c.ExecuteScalarAsync<long>(
            """
            INSERT INTO organisations (study_id, group_id, name, name_key, kvk, email, created_at)
            VALUES (@studyId, @groupId, @name, @key, @kvk, @email, @now) RETURNING id
            """, new { studyId, groupId, name, key = NameKey(name), kvk, email, now }, tx);
        return new Organisation { Id = id, StudyId = studyId, GroupId = groupId, Name = name, Kvk = kvk, Email = email, CreatedAt = now };
    }

    /// <summary>Records a membership in the caller's transaction.</summary>
    internal static Task AddMemberAsync(DbConnection c, DbTransaction tx, long organisationId, long participantId) =>
        c.ExecuteAsync("INSERT INTO organisation_members (participant_id, organisation_id) VALUES (@participantId, @organisationId)",
            new { participantId, organisationId }, tx);

    /// <summary>
    /// Stores an import that was checked as a whole: the new organisations, then each person with their membership,
    /// in one transaction (all lines or none). Organisations named in <paramref name="people"/> are looked up by name key.
    /// Null, storing nothing, when the panel changed since the check in a way the check looked at: an organisation to
    /// create or an e-mail address to add is there now (another import or form got there first); check again then.
    /// </summary>
    internal Task<IReadOnlyList<(Invitation Invitation, long OrganisationId)>?> ImportAsync(
        long studyId, IReadOnlyList<(long GroupId, string Name)> newOrganisations, IReadOnlyList<(string OrganisationKey, long GroupId, string? Name, string? Email, string? Language)> people)
    {
        var now = time.Now();
        return db.WriteAsync<IReadOnlyList<(Invitation, long)>?>(async (c, tx) =>
        {
            var emails = await IdentityStore.EmailsAsync(c, tx, studyId);
            if (people.Any(p => p.Email is { } e && emails.Contains(e.ToLowerInvariant()))) return null;
            foreach (var (groupId, name) in newOrganisations)
            {
                if (await RefusalAsync(c, tx, studyId, name, null) != OrganisationRefusal.None) return null;
                await InsertAsync(c, tx, studyId, groupId, name, null, null, now);
            }
            var ids = (await c.QueryAsync<(string Key, long Id)>("SELECT name_key, id FROM organisations WHERE study_id = @studyId", new { studyId }, tx))
                .ToDictionary(r => r.Key, r => r.Id);
            var added = new List<(Invitation, long)>();
            foreach (var p in people)
            {
                var invitation = await ParticipantStore.AddAsync(c, tx, studyId, p.GroupId, p.Name, p.Email, p.Language, now);
                var organisationId = ids[p.OrganisationKey];
                await AddMemberAsync(c, tx, organisationId, invitation.Participant.Id);
                added.Add((invitation, organisationId));
            }
            return added;
        });
    }
}
