using System.Data.Common;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using DelphiRounds.Outbox;

namespace DelphiRounds.Agenda;

/// <summary>Which way an indicator should move.</summary>
public static class Directions
{
    public const string Higher = "higher";
    public const string Lower = "lower";
    public static readonly string[] All = [Higher, Lower];
}

/// <summary>An indicator on one statement of the frozen vision (by its number), usually on the target of one of its items.</summary>
public sealed record Indicator
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public int StatementNumber { get; init; }
    public long? ItemId { get; init; }
    public string Name { get; init; } = "";
    public string Unit { get; init; } = "";
    public string Source { get; init; } = "";
    public string Direction { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A measured value of an indicator on a date (yyyy-MM-dd), with the ledger entry that records it.</summary>
public sealed record Measurement
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long IndicatorId { get; init; }
    public string MeasuredOn { get; init; } = "";
    public double Value { get; init; }
    public string Source { get; init; } = "";
    public long LedgerSequence { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>What a signing organisation committed to, with the ledger entry that records it.</summary>
public sealed record Commitment
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long SignatoryId { get; init; }
    public string Text { get; init; } = "";
    /// <summary>The numbers of the statements it serves, as a JSON array.</summary>
    public string Statements { get; init; } = "[]";
    public string DueOn { get; init; } = "";
    public string OwnerRole { get; init; } = "";
    public long LedgerSequence { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>The language the commitment was made in (nl or en): its reminders are written in it. Null before reminders existed.</summary>
    public string? Language { get; init; }
}

/// <summary>A commitment that may need a reminder, with its organisation.</summary>
public sealed record RemindableCommitment
{
    public long CommitmentId { get; init; }
    public long StudyId { get; init; }
    public long SignatoryId { get; init; }
    public string Organisation { get; init; } = "";
    public string Text { get; init; } = "";
    public string DueOn { get; init; } = "";
    public string? Language { get; init; }
}

/// <summary>A commitment marked done, with the date, a note and the ledger entry that records it.</summary>
public sealed record CommitmentProgress
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long CommitmentId { get; init; }
    public string Status { get; init; } = "";
    public string NotedOn { get; init; } = "";
    public string Note { get; init; } = "";
    public long LedgerSequence { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A front-runner project on statements of the vision: who tries what, since when.</summary>
public sealed record Experiment
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public string Organisation { get; init; } = "";
    public string Title { get; init; } = "";
    public string Tried { get; init; } = "";
    /// <summary>The numbers of the statements it serves, as a JSON array.</summary>
    public string Statements { get; init; } = "[]";
    public string StartedOn { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>What an experiment taught, on a date.</summary>
public sealed record ExperimentNote
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long ExperimentId { get; init; }
    public string NotedOn { get; init; } = "";
    public string Text { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A one-time link for a signing organisation to record one commitment.</summary>
public sealed record CommitmentLink
{
    public long Id { get; init; }
    public long StudyId { get; init; }
    public long SignatoryId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SpentAt { get; init; }
    public bool Spent => SpentAt is not null;
}

/// <summary>A measurement to store: the indicator, and the statement and record its ledger entry carries.</summary>
public sealed record NewMeasurement(Indicator Indicator, string Date, double Value, string Source, string Statement, string Record);

/// <summary>
/// Indicators, measurements, commitment links and commitments. Every measurement and commitment is appended to the
/// study's ledger (<see cref="EndorsementStore.AppendRecordAsync"/>) in the same transaction as its own row: both or neither.
/// </summary>
public sealed class AgendaStore(Database db, TimeProvider time)
{
    public const string TokenPrefix = "dlc_";

    private const string IndicatorColumns = "id, study_id, statement_number, item_id, name, unit, source, direction, created_at";
    private const string MeasurementColumns = "id, study_id, indicator_id, measured_on, value, source, ledger_sequence, created_at";
    private const string CommitmentColumns = "id, study_id, signatory_id, text, statements, due_on, owner_role, ledger_sequence, created_at, language";
    private const string LinkColumns = "id, study_id, signatory_id, created_at, spent_at";
    private const string ProgressColumns = "id, study_id, commitment_id, status, noted_on, note, ledger_sequence, created_at";
    private const string ExperimentColumns = "id, study_id, organisation, title, tried, statements, started_on, created_at";
    private const string NoteColumns = "id, study_id, experiment_id, noted_on, text, created_at";

    /// <summary>Adds an indicator; null when the study already has one by that name.</summary>
    public Task<Indicator?> AddIndicatorAsync(long studyId, int statementNumber, long? itemId, string name, string unit, string source, string direction) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM agenda_indicators WHERE study_id = @studyId AND name = @name",
                    new { studyId, name }, tx) > 0) return null;
            var now = time.Now();
            var id = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO agenda_indicators (study_id, statement_number, item_id, name, unit, source, direction, created_at)
                VALUES (@studyId, @statementNumber, @itemId, @name, @unit, @source, @direction, @now) RETURNING id
                """, new { studyId, statementNumber, itemId, name, unit, source, direction, now }, tx);
            return (Indicator?)new Indicator
            {
                Id = id, StudyId = studyId, StatementNumber = statementNumber, ItemId = itemId, Name = name, Unit = unit, Source = source,
                Direction = direction, CreatedAt = now,
            };
        });

    public async Task<IReadOnlyList<Indicator>> IndicatorsAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Indicator>(
            $"SELECT {IndicatorColumns} FROM agenda_indicators WHERE study_id = @studyId ORDER BY statement_number, id", new { studyId }))).AsList();

    public async Task<IReadOnlyList<Measurement>> MeasurementsAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Measurement>(
            $"SELECT {MeasurementColumns} FROM agenda_measurements WHERE study_id = @studyId ORDER BY indicator_id, measured_on, id", new { studyId }))).AsList();

    /// <summary>
    /// Stores measurements, each with its ledger entry, all in one transaction: when one cannot be appended (no frozen
    /// vision) nothing is stored. Returns the outcome and the stored measurements.
    /// </summary>
    public async Task<(LedgerOutcome Outcome, IReadOnlyList<Measurement> Stored)> AddMeasurementsAsync(long studyId, string organiser,
        IReadOnlyList<NewMeasurement> measurements, Func<long, long, string, string, DateTimeOffset, SignedHead> sign)
    {
        var (outcome, stored) = await AppendingAsync(async (c, tx) =>
        {
            var list = new List<Measurement>();
            var now = time.Now();
            foreach (var m in measurements)
            {
                var appended = await EndorsementStore.AppendRecordAsync(c, tx, db.Provider, studyId, null, organiser, LedgerFormat.MeasurementKind,
                    m.Statement, m.Record, now, sign);
                if (appended.Outcome != LedgerOutcome.Appended) throw new Refused(appended.Outcome);
                var measurement = new Measurement
                {
                    StudyId = studyId, IndicatorId = m.Indicator.Id, MeasuredOn = m.Date, Value = m.Value, Source = m.Source,
                    LedgerSequence = appended.Entry!.Sequence, CreatedAt = now,
                };
                var id = await c.ExecuteScalarAsync<long>(
                    """
                    INSERT INTO agenda_measurements (study_id, indicator_id, measured_on, value, source, ledger_sequence, created_at)
                    VALUES (@StudyId, @IndicatorId, @MeasuredOn, @Value, @Source, @LedgerSequence, @CreatedAt) RETURNING id
                    """, measurement, tx);
                list.Add(measurement with { Id = id });
            }
            return list;
        });
        return (outcome, stored ?? []);
    }

    /// <summary>Makes a one-time commitment link for a signatory; the token exists only in this result and the link sent.</summary>
    public async Task<(CommitmentLink Link, string Token)> IssueLinkAsync(long studyId, long signatoryId)
    {
        var token = Secrets.NewToken(TokenPrefix);
        var now = time.Now();
        var id = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            """
            INSERT INTO agenda_commitment_links (study_id, signatory_id, token_hash, created_at)
            VALUES (@studyId, @signatoryId, @hash, @now) RETURNING id
            """, new { studyId, signatoryId, hash = Secrets.Hash(token), now }, tx));
        return (new CommitmentLink { Id = id, StudyId = studyId, SignatoryId = signatoryId, CreatedAt = now }, token);
    }

    public Task<CommitmentLink?> LinkByTokenAsync(string token) =>
        Secrets.LooksLike(token, TokenPrefix)
            ? db.ReadAsync(c => c.QuerySingleOrDefaultAsync<CommitmentLink>(
                $"SELECT {LinkColumns} FROM agenda_commitment_links WHERE token_hash = @hash", new { hash = Secrets.Hash(token) }))
            : Task.FromResult<CommitmentLink?>(null);

    /// <summary>The commitment made with a link, if any.</summary>
    public Task<Commitment?> CommitmentByLinkAsync(long linkId) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Commitment>($"SELECT {CommitmentColumns} FROM agenda_commitments WHERE link_id = @linkId", new { linkId }));

    public async Task<IReadOnlyList<Commitment>> CommitmentsAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Commitment>(
            $"SELECT {CommitmentColumns} FROM agenda_commitments WHERE study_id = @studyId ORDER BY due_on, id", new { studyId }))).AsList();

    /// <summary>
    /// Records a commitment with a one-time link: spends the link (only if unspent), appends the ledger entry (only while
    /// the signatory's endorsement is in force) and stores the commitment, in one transaction.
    /// </summary>
    public async Task<(LedgerOutcome Outcome, Commitment? Commitment)> CommitAsync(string token, Signatory signatory, string text,
        IReadOnlyList<int> statements, string dueOn, string ownerRole, string statement, string record,
        Func<long, long, string, string, DateTimeOffset, SignedHead> sign)
    {
        var language = LanguageOfRequest();
        return await AppendingAsync(async (c, tx) =>
        {
            var link = await c.QuerySingleOrDefaultAsync<CommitmentLink>(
                $"SELECT {LinkColumns} FROM agenda_commitment_links WHERE token_hash = @hash", new { hash = Secrets.Hash(token) }, tx);
            if (link is null || link.SignatoryId != signatory.Id) throw new Refused(LedgerOutcome.UnknownLink);
            var now = time.Now();
            var spent = await c.ExecuteAsync("UPDATE agenda_commitment_links SET spent_at = @now WHERE id = @id AND spent_at IS NULL",
                new { now, id = link.Id }, tx);
            if (spent != 1) throw new Refused(LedgerOutcome.AlreadySpent);
            var appended = await EndorsementStore.AppendRecordAsync(c, tx, db.Provider, link.StudyId, signatory, signatory.Organisation,
                LedgerFormat.CommitmentKind, statement, record, now, sign);
            if (appended.Outcome != LedgerOutcome.Appended) throw new Refused(appended.Outcome);
            var stored = new Commitment
            {
                StudyId = link.StudyId, SignatoryId = signatory.Id, Text = text, Statements = "[" + string.Join(",", statements) + "]",
                DueOn = dueOn, OwnerRole = ownerRole, LedgerSequence = appended.Entry!.Sequence, CreatedAt = now, Language = language,
            };
            var id = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO agenda_commitments (study_id, signatory_id, link_id, text, statements, due_on, owner_role, ledger_sequence, created_at, language)
                VALUES (@StudyId, @SignatoryId, @linkId, @Text, @Statements, @DueOn, @OwnerRole, @LedgerSequence, @CreatedAt, @Language) RETURNING id
                """, new { stored.StudyId, stored.SignatoryId, linkId = link.Id, stored.Text, stored.Statements, stored.DueOn, stored.OwnerRole,
                    stored.LedgerSequence, stored.CreatedAt, stored.Language }, tx);
            return stored with { Id = id };
        });
    }

    public async Task<IReadOnlyList<CommitmentProgress>> ProgressAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<CommitmentProgress>(
            $"SELECT {ProgressColumns} FROM agenda_commitment_progress WHERE study_id = @studyId ORDER BY id", new { studyId }))).AsList();

    /// <summary>
    /// Marks a commitment done: its ledger entry (kind progress, no signatory) and its row in one transaction. Returns
    /// <see cref="LedgerOutcome.AlreadySpent"/> when it was marked done before (nothing stored then).
    /// </summary>
    public async Task<(LedgerOutcome Outcome, CommitmentProgress? Progress)> MarkDoneAsync(long studyId, string organiser, long commitmentId,
        string notedOn, string note, string statement, string record, Func<long, long, string, string, DateTimeOffset, SignedHead> sign)
    {
        return await AppendingAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM agenda_commitment_progress WHERE commitment_id = @commitmentId AND status = 'done'",
                    new { commitmentId }, tx) > 0)
                throw new Refused(LedgerOutcome.AlreadySpent);
            var now = time.Now();
            var appended = await EndorsementStore.AppendRecordAsync(c, tx, db.Provider, studyId, null, organiser, LedgerFormat.ProgressKind,
                statement, record, now, sign);
            if (appended.Outcome != LedgerOutcome.Appended) throw new Refused(appended.Outcome);
            var stored = new CommitmentProgress
            {
                StudyId = studyId, CommitmentId = commitmentId, Status = "done", NotedOn = notedOn, Note = note,
                LedgerSequence = appended.Entry!.Sequence, CreatedAt = now,
            };
            var id = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO agenda_commitment_progress (study_id, commitment_id, status, noted_on, note, ledger_sequence, created_at)
                VALUES (@StudyId, @CommitmentId, @Status, @NotedOn, @Note, @LedgerSequence, @CreatedAt) RETURNING id
                """, stored, tx);
            // Nothing left to remind the organisation of.
            await CommitmentReminderStore.CancelForCommitmentAsync(c, tx, commitmentId, "the commitment was marked done", now);
            return stored with { Id = id };
        });
    }

    /// <summary>Adds an experiment; null when the study already has one by that title.</summary>
    public Task<Experiment?> AddExperimentAsync(long studyId, string organisation, string title, string tried, IReadOnlyList<int> statements, string startedOn) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM agenda_experiments WHERE study_id = @studyId AND title = @title",
                    new { studyId, title }, tx) > 0) return null;
            var experiment = new Experiment
            {
                StudyId = studyId, Organisation = organisation, Title = title, Tried = tried,
                Statements = "[" + string.Join(",", statements) + "]", StartedOn = startedOn, CreatedAt = time.Now(),
            };
            var id = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO agenda_experiments (study_id, organisation, title, tried, statements, started_on, created_at)
                VALUES (@StudyId, @Organisation, @Title, @Tried, @Statements, @StartedOn, @CreatedAt) RETURNING id
                """, experiment, tx);
            return (Experiment?)(experiment with { Id = id });
        });

    public async Task<IReadOnlyList<Experiment>> ExperimentsAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<Experiment>(
            $"SELECT {ExperimentColumns} FROM agenda_experiments WHERE study_id = @studyId ORDER BY started_on, id", new { studyId }))).AsList();

    /// <summary>Adds a dated note of what an experiment taught.</summary>
    public Task<ExperimentNote> AddExperimentNoteAsync(long studyId, long experimentId, string notedOn, string text) =>
        db.WriteAsync(async (c, tx) =>
        {
            var note = new ExperimentNote { StudyId = studyId, ExperimentId = experimentId, NotedOn = notedOn, Text = text, CreatedAt = time.Now() };
            var id = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO agenda_experiment_notes (study_id, experiment_id, noted_on, text, created_at)
                VALUES (@StudyId, @ExperimentId, @NotedOn, @Text, @CreatedAt) RETURNING id
                """, note, tx);
            return note with { Id = id };
        });

    public async Task<IReadOnlyList<ExperimentNote>> ExperimentNotesAsync(long studyId) =>
        (await db.ReadAsync(c => c.QueryAsync<ExperimentNote>(
            $"SELECT {NoteColumns} FROM agenda_experiment_notes WHERE study_id = @studyId ORDER BY experiment_id, noted_on, id", new { studyId }))).AsList();

    /// <summary>
    /// Commitments a reminder may be due for: not marked done, of a signatory whose endorsement is in force, due on or before
    /// <paramref name="until"/> (today plus the two weeks of the first reminder); with the organisation and the language.
    /// </summary>
    public async Task<IReadOnlyList<RemindableCommitment>> RemindableAsync(string until) =>
        (await db.ReadAsync(c => c.QueryAsync<RemindableCommitment>(
            """
            SELECT c.id AS CommitmentId, c.study_id AS StudyId, c.signatory_id AS SignatoryId, s.organisation AS Organisation, c.text AS Text,
                   c.due_on AS DueOn, c.language AS Language
            FROM agenda_commitments c JOIN signatories s ON s.id = c.signatory_id
            WHERE c.due_on <= @until AND s.withdrawn_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM agenda_commitment_progress p WHERE p.commitment_id = c.id AND p.status = 'done')
            ORDER BY c.due_on, c.id
            """, new { until }))).AsList();

    /// <summary>The language of the request being served (its UI culture): Dutch unless English.</summary>
    private static string LanguageOfRequest() => System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en" ? "en" : "nl";

    /// <summary>
    /// Runs a write that appends to the ledger in one transaction; a <see cref="Refused"/> outcome rolls all of it back and is
    /// returned without a result.
    /// </summary>
    private async Task<(LedgerOutcome Outcome, T? Result)> AppendingAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write) where T : class
    {
        try
        {
            return (LedgerOutcome.Appended, await db.WriteAsync(write));
        }
        catch (Refused r)
        {
            return (r.Outcome, null);
        }
    }

    /// <summary>Rolls the transaction back: nothing of a refused write is stored.</summary>
    private sealed class Refused(LedgerOutcome outcome) : Exception(outcome.ToString())
    {
        public LedgerOutcome Outcome { get; } = outcome;
    }
}
