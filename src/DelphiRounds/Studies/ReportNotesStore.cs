using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;

namespace DelphiRounds.Studies;

/// <summary>
/// What the facilitator writes for the study report about what the data cannot tell (CREDES): why a Delphi study,
/// how the panel was chosen and for what expertise, the convenor's own interest in the outcome, how the results are
/// validated outside the panel, and how they are made known. Every field is plain text, empty when not written.
/// </summary>
public sealed record ReportNotes
{
    public const int MaxLength = 4000;

    /// <summary>Why the question is answered by a Delphi study (CREDES: rationale for the choice of the Delphi technique).</summary>
    public string DelphiRationale { get; init; } = "";
    /// <summary>How the panel was chosen and for which expertise (CREDES: expert panel).</summary>
    public string PanelSelection { get; init; } = "";
    /// <summary>The convenor's own interest in the outcome and how bias was kept out (CREDES: prevention of bias).</summary>
    public string ConvenorInterest { get; init; } = "";
    /// <summary>How the results were checked outside the panel (CREDES: external validation).</summary>
    public string ExternalValidation { get; init; } = "";
    /// <summary>How the results are made known (CREDES: dissemination).</summary>
    public string Dissemination { get; init; } = "";

    public static ReportNotes Empty { get; } = new();
}

/// <summary>The report notes of studies (the only writer of <c>study_report_notes</c>).</summary>
public sealed class ReportNotesStore(Database db, TimeProvider time)
{
    public async Task<ReportNotes> GetAsync(long studyId) =>
        await db.ReadAsync(c => c.QuerySingleOrDefaultAsync<ReportNotes>(
            """
            SELECT delphi_rationale, panel_selection, convenor_interest, external_validation, dissemination
            FROM study_report_notes WHERE study_id = @studyId
            """, new { studyId })) ?? ReportNotes.Empty;

    public Task SaveAsync(long studyId, ReportNotes notes) =>
        db.WriteAsync(async (c, tx) =>
        {
            var args = new
            {
                studyId, rationale = notes.DelphiRationale, selection = notes.PanelSelection, interest = notes.ConvenorInterest,
                validation = notes.ExternalValidation, dissemination = notes.Dissemination, now = time.Now(),
            };
            var updated = await c.ExecuteAsync(
                """
                UPDATE study_report_notes SET delphi_rationale = @rationale, panel_selection = @selection, convenor_interest = @interest,
                       external_validation = @validation, dissemination = @dissemination, updated_at = @now
                WHERE study_id = @studyId
                """, args, tx);
            if (updated == 0)
                await c.ExecuteAsync(
                    """
                    INSERT INTO study_report_notes (study_id, delphi_rationale, panel_selection, convenor_interest, external_validation, dissemination, updated_at)
                    VALUES (@studyId, @rationale, @selection, @interest, @validation, @dissemination, @now)
                    """, args, tx);
        });
}
