using System.Globalization;
using System.Text.Json.Nodes;
using CsvHelper;
using DelphiRounds.Endorsement;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Records;
using DelphiRounds.Vision;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Agenda;

/// <summary>
/// A target of the signed vision: a statement resting on a numeric or year item, with the panel's final median and
/// middle half (first to third quartile) in the item's unit, as frozen in the document.
/// </summary>
public sealed record Target(int Statement, string StatementText, long ItemId, LocalizedText ItemText, string Kind, string Unit,
    double? Median, double? Q1, double? Q3, int? N);

/// <summary>One measurement as it arrives (API, form or CSV line), before it is checked.</summary>
public sealed record MeasurementInput(string? Indicator, string? Date, string? Value, string? Source);

/// <summary>A study's agenda: the frozen vision's targets, indicators, measurements and commitments.</summary>
public sealed record AgendaView(long StudyId, FrozenVision Vision, DateOnly FrozenOn, IReadOnlyList<Target> Targets,
    IReadOnlyList<Indicator> Indicators, IReadOnlyList<Measurement> Measurements, IReadOnlyList<Commitment> Commitments,
    IReadOnlyDictionary<long, Signatory> Signatories, DateOnly Today, IReadOnlyList<CommitmentProgress> Progress,
    IReadOnlyList<Experiment> Experiments, IReadOnlyList<ExperimentNote> ExperimentNotes)
{
    /// <summary>An indicator's chart: its target band, the straight path from the signing date and the measured values.</summary>
    public AgendaChart ChartOf(Indicator i) => new(i, TargetOf(i), MeasurementsOf(i.Id), FrozenOn, Vision.HorizonYear);

    /// <summary>
    /// A commitment's status: <c>done</c> (marked done), <c>withdrawn</c> (its organisation withdrew), <c>late</c> (past its
    /// due date) or <c>open</c>.
    /// </summary>
    public string StatusOf(Commitment c) =>
        DoneOf(c) is not null ? CommitmentStatus.Done
        : Signatories.GetValueOrDefault(c.SignatoryId)?.WithdrawnAt is not null ? CommitmentStatus.Withdrawn
        : string.CompareOrdinal(c.DueOn, Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) < 0 ? CommitmentStatus.Late
        : CommitmentStatus.Open;

    /// <summary>When and how the commitment was marked done, if it was.</summary>
    public CommitmentProgress? DoneOf(Commitment c) => Progress.FirstOrDefault(p => p.CommitmentId == c.Id && p.Status == CommitmentStatus.Done);

    public IReadOnlyList<ExperimentNote> NotesOf(Experiment e) => ExperimentNotes.Where(n => n.ExperimentId == e.Id).ToList();

    /// <summary>A yyyy-MM-dd date as people read it in the page's language (e.g. 15 november 2026), so it never breaks at a hyphen.</summary>
    public static string Day(string iso) =>
        DateOnly.TryParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day.ToString("d MMMM yyyy", CultureInfo.CurrentCulture) : iso;

    public static IReadOnlyList<int> Numbers(string statements) => JsonNode.Parse(statements)!.AsArray().Select(n => (int)n!).ToList();

    public IReadOnlyList<Measurement> MeasurementsOf(long indicatorId) => Measurements.Where(m => m.IndicatorId == indicatorId).ToList();

    /// <summary>The target an indicator measures against: of its item, or else the first of its statement.</summary>
    public Target? TargetOf(Indicator i) =>
        Targets.FirstOrDefault(t => t.Statement == i.StatementNumber && t.ItemId == i.ItemId) ?? Targets.FirstOrDefault(t => t.Statement == i.StatementNumber);

    public IReadOnlyList<int> StatementsOf(Commitment c) => Numbers(c.Statements);
}

/// <summary>The states of a commitment on the agenda.</summary>
public static class CommitmentStatus
{
    public const string Open = "open";
    public const string Done = "done";
    public const string Late = "late";
    public const string Withdrawn = "withdrawn";
}

/// <summary>
/// After signing (issue 21): targets from the frozen vision, indicators, measurements (one by one or as CSV) and
/// commitments by signing organisations. Each measurement and commitment is appended to the study's ledger.
/// </summary>
public sealed class AgendaService(AgendaStore store, VisionStore visions, ItemStore items, EndorsementStore endorsements,
    LedgerSigningKey key, IStringLocalizer<Texts> t, TimeProvider time)
{
    public const int MaxCsvLines = 5000;

    /// <summary>The error key of a commitment that is not one of the study's (404, where other refusals of it are 409).</summary>
    public const string UnknownCommitment = "commitmentId ";

    private SignedHead Sign(long studyId, long sequence, string headHash, string documentHash, DateTimeOffset now) =>
        key.SignHead(studyId, sequence, headHash, documentHash, now);

    /// <summary>The agenda of a study whose vision is frozen; null otherwise.</summary>
    public async Task<AgendaView?> ViewAsync(long studyId)
    {
        var document = await visions.DocumentAsync(studyId);
        if (document is null) return null;
        var vision = FrozenVision.Parse(document.CanonicalJson, document.DocumentHash);
        // The targets are those of the vision in force (vision 2 after a reflection round, issue 21); the agenda runs from the first freeze.
        var since = (await visions.DocumentsAsync(studyId))[0].FrozenAt;
        return new AgendaView(studyId, vision, DateOnly.FromDateTime(since.UtcDateTime), await TargetsAsync(studyId, vision),
            await store.IndicatorsAsync(studyId), await store.MeasurementsAsync(studyId), await store.CommitmentsAsync(studyId),
            (await endorsements.ListAsync(studyId)).ToDictionary(s => s.Id), DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime),
            await store.ProgressAsync(studyId), await store.ExperimentsAsync(studyId), await store.ExperimentNotesAsync(studyId));
    }

    /// <summary>Every statement resting on a numeric or year item carries that item's final median and middle half, with its unit.</summary>
    public async Task<IReadOnlyList<Target>> TargetsAsync(long studyId, FrozenVision vision)
    {
        var units = (await items.ListAsync(studyId)).ToDictionary(i => i.Id, i => i.Kind == ItemKinds.Year ? t["agenda.unit.year"].Value : i.Unit ?? "");
        return vision.Statements.SelectMany(s => s.Items
                .Where(i => i.Kind is ItemKinds.Numeric or ItemKinds.Year)
                .Select(i => new Target(s.Number, s.Text, i.ItemId, i.Text, i.Kind, units.GetValueOrDefault(i.ItemId, ""), i.Median, i.Q1, i.Q3, i.N)))
            .ToList();
    }

    /// <summary>Checks and adds an indicator. Errors by field; the indicator when stored.</summary>
    public async Task<(IDictionary<string, string[]>? Errors, Indicator? Indicator)> AddIndicatorAsync(long studyId, int? statement, long? itemId,
        string? name, string? unit, string? source, string? direction)
    {
        var view = await ViewAsync(studyId);
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];
        if (view is null)
        {
            Error("studyId", t["agenda.error.notFrozen"]);
            return (errors, null);
        }
        if (statement is not { } number || view.Vision.Statements.All(s => s.Number != number))
            Error("statement", t["agenda.error.statement", view.Vision.Statements.Count]);
        else if (itemId is { } item && view.Vision.Statements.Single(s => s.Number == number).Items.All(i => i.ItemId != item))
            Error("itemId", t["agenda.error.item", number]);
        foreach (var (field, value, max) in new[] { ("name", name, 200), ("unit", unit, 40), ("source", source, 300) })
        {
            if (string.IsNullOrWhiteSpace(value)) Error(field, t["agenda.error.required." + field]);
            else if (value.Length > max) Error(field, t["error.tooLong", max]);
            else if (DisplayText.HasControls(value)) Error(field, t["error.displayControls"]);
        }
        if (direction is null || !Directions.All.Contains(direction)) Error("direction", t["agenda.error.direction"]);
        if (errors.Count > 0) return (errors, null);
        var stored = await store.AddIndicatorAsync(studyId, statement!.Value, itemId, name!.Trim(), unit!.Trim(), source!.Trim(), direction!);
        if (stored is null)
        {
            Error("name", t["agenda.error.nameTaken"]);
            return (errors, null);
        }
        return (null, stored);
    }

    /// <summary>
    /// Checks measurements and stores them all, each a ledger entry, or none: errors are keyed by field (one measurement)
    /// or by the inputs' keys, "line N" for a CSV line (<paramref name="keyIsLine"/>).
    /// </summary>
    public async Task<(IDictionary<string, string[]>? Errors, IReadOnlyList<Measurement> Stored)> AddMeasurementsAsync(long studyId,
        IReadOnlyList<(string Key, MeasurementInput Input)> inputs, bool keyIsLine)
    {
        var view = await ViewAsync(studyId);
        var errors = new Dictionary<string, string[]>();
        if (view is null) return (new Dictionary<string, string[]> { ["studyId"] = [t["agenda.error.notFrozen"]] }, []);
        var checkedOnes = new List<NewMeasurement>();
        foreach (var (key, input) in inputs)
        {
            var problems = new List<(string Field, string Message)>();
            var indicator = Resolve(view.Indicators, input.Indicator);
            if (indicator is null) problems.Add(("indicator", t["agenda.error.indicator", input.Indicator ?? ""]));
            DateOnly date = default;
            if (!DateOnly.TryParseExact(input.Date?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
                problems.Add(("date", t["agenda.error.date", input.Date ?? ""]));
            else if (date < view.FrozenOn)
                problems.Add(("date", t["agenda.error.dateBeforeFreeze", view.FrozenOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)]));
            if (!double.TryParse(input.Value?.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                    CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                problems.Add(("value", t["agenda.error.value", input.Value ?? ""]));
            var source = input.Source?.Trim() ?? "";
            if (source.Length == 0) problems.Add(("source", t["agenda.error.required.source"]));
            else if (source.Length > 300) problems.Add(("source", t["error.tooLong", 300]));
            else if (DisplayText.HasControls(source)) problems.Add(("source", t["error.displayControls"]));
            if (problems.Count > 0)
            {
                if (keyIsLine) errors[key] = problems.Select(p => $"{p.Field}: {p.Message}").ToArray();
                else foreach (var p in problems) errors[p.Field] = [p.Message];
                continue;
            }
            var dateText = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var record = CanonicalJson.Write(new JsonObject
            {
                ["indicator"] = new JsonObject
                {
                    ["id"] = indicator!.Id, ["name"] = indicator.Name, ["unit"] = indicator.Unit, ["direction"] = indicator.Direction,
                    ["statement"] = indicator.StatementNumber,
                },
                ["date"] = dateText,
                ["value"] = value,
                ["source"] = source,
            });
            var statement = t["agenda.ledger.measurement", indicator.Name, value.ToString("0.###", CultureInfo.InvariantCulture), indicator.Unit, dateText, source];
            checkedOnes.Add(new NewMeasurement(indicator, dateText, value, source, statement, record));
        }
        if (inputs.Count == 0) errors[keyIsLine ? "file" : "indicator"] = [t["agenda.error.noLines"]];
        if (errors.Count > 0) return (errors, []);
        var (outcome, stored) = await store.AddMeasurementsAsync(studyId, view.Vision.Organiser, checkedOnes, Sign);
        return outcome == LedgerOutcome.Appended ? (null, stored) : (new Dictionary<string, string[]> { ["studyId"] = [t["agenda.error.notFrozen"]] }, []);
    }

    /// <summary>An indicator by its id or its exact name.</summary>
    private static Indicator? Resolve(IReadOnlyList<Indicator> indicators, string? reference)
    {
        var text = reference?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? indicators.FirstOrDefault(i => i.Id == id)
            : indicators.FirstOrDefault(i => string.Equals(i.Name, text, StringComparison.Ordinal));
    }

    /// <summary>
    /// Reads a CSV upload with the header <c>indicator,date,value,source</c>. Returns the lines as inputs keyed "line N"
    /// (N the line of the file, the header being line 1), or errors that name the line or the header.
    /// </summary>
    public (IDictionary<string, string[]>? Errors, IReadOnlyList<(string Key, MeasurementInput Input)> Lines) ReadCsv(string text)
    {
        var lines = new List<(string, MeasurementInput)>();
        var errors = new Dictionary<string, string[]>();
        string[] expected = ["indicator", "date", "value", "source"];
        if (string.IsNullOrWhiteSpace(text)) return (new Dictionary<string, string[]> { ["file"] = [t["agenda.error.csvMissing"]] }, []);
        try
        {
            using var csv = CsvReader.FromText(text, new CsvReaderOptions { Separator = ',', TrimWhitespace = true, TrackLineNumbers = true });
            var headers = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToList();
            if (!headers.SequenceEqual(expected))
                return (new Dictionary<string, string[]> { ["line 1"] = [t["agenda.error.csvHeader", string.Join(",", expected)]] }, []);
            while (csv.Read())
            {
                var key = $"line {csv.LineNumber}";
                if (lines.Count >= MaxCsvLines)
                    return (new Dictionary<string, string[]> { [key] = [t["agenda.error.csvTooLong", MaxCsvLines]] }, []);
                if (csv.FieldCount != expected.Length)
                {
                    errors[key] = [t["agenda.error.csvFields", csv.FieldCount, expected.Length]];
                    continue;
                }
                lines.Add((key, new MeasurementInput(csv.GetString(0), csv.GetString(1), csv.GetString(2), csv.GetString(3))));
            }
        }
        catch (CsvFormatException e)
        {
            errors["file"] = [t["agenda.error.csvMalformed", e.Message]];
        }
        return errors.Count > 0 ? (errors, []) : (null, lines);
    }

    /// <summary>A one-time commitment link for a signatory whose endorsement is in force; null with the reason when it cannot have one.</summary>
    public async Task<(string? Problem, string? Token)> IssueCommitmentLinkAsync(long studyId, long signatoryId)
    {
        var signatory = await endorsements.FindAsync(signatoryId);
        if (signatory is null || signatory.StudyId != studyId) return (t["agenda.error.noSignatory", signatoryId], null);
        if (!signatory.Signed) return (t["agenda.error.notSigned", signatory.Organisation], null);
        if (signatory.WithdrawnAt is not null) return (t["agenda.error.withdrawn", signatory.Organisation], null);
        var (_, token) = await store.IssueLinkAsync(studyId, signatoryId);
        return (null, token);
    }

    /// <summary>The link's state: its signatory, the frozen vision, and the commitment made with it, if any. Null for an unknown link.</summary>
    public async Task<(CommitmentLink Link, Signatory Signatory, FrozenVision Vision, Commitment? Made)?> LinkAsync(string token)
    {
        var link = await store.LinkByTokenAsync(token);
        if (link is null) return null;
        var signatory = await endorsements.FindAsync(link.SignatoryId);
        var document = await visions.DocumentAsync(link.StudyId);
        if (signatory is null || document is null) return null;
        return (link, signatory, FrozenVision.Parse(document.CanonicalJson, document.DocumentHash),
            link.Spent ? await store.CommitmentByLinkAsync(link.Id) : null);
    }

    /// <summary>Checks a commitment and records it with the link (spent in the same transaction as the ledger entry).</summary>
    public async Task<(IDictionary<string, string[]>? Errors, LedgerOutcome Outcome, Commitment? Commitment)> CommitAsync(string token,
        string? text, IReadOnlyList<int>? statements, string? due, string? ownerRole)
    {
        var state = await LinkAsync(token);
        if (state is null) return (null, LedgerOutcome.UnknownLink, null);
        var (link, signatory, vision, _) = state.Value;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(text)) errors["text"] = [t["agenda.error.required.text"]];
        else if (text.Length > 2000) errors["text"] = [t["error.tooLong", 2000]];
        else if (DisplayText.HasControls(text)) errors["text"] = [t["error.displayControls"]];
        var numbers = (statements ?? []).Distinct().Order().ToList();
        if (numbers.Count == 0 || numbers.Any(n => vision.Statements.All(s => s.Number != n)))
            errors["statements"] = [t["agenda.error.statements"]];
        if (!DateOnly.TryParseExact(due?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var dueOn))
            errors["due"] = [t["agenda.error.date", due ?? ""]];
        if (string.IsNullOrWhiteSpace(ownerRole)) errors["ownerRole"] = [t["agenda.error.required.ownerRole"]];
        else if (ownerRole.Length > 200) errors["ownerRole"] = [t["error.tooLong", 200]];
        else if (DisplayText.HasControls(ownerRole)) errors["ownerRole"] = [t["error.displayControls"]];
        if (errors.Count > 0) return (errors, LedgerOutcome.Appended, null);
        if (link.Spent) return (null, LedgerOutcome.AlreadySpent, null);
        var dueText = dueOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var record = CanonicalJson.Write(new JsonObject
        {
            ["text"] = text!.Trim(),
            ["statements"] = new JsonArray(numbers.Select(n => (JsonNode)n).ToArray()),
            ["due"] = dueText,
            ["ownerRole"] = ownerRole!.Trim(),
        });
        var statement = t["agenda.ledger.commitment", signatory.Organisation, text.Trim(), dueText, ownerRole.Trim()];
        var (outcome, commitment) = await store.CommitAsync(token, signatory, text.Trim(), numbers, dueText, ownerRole.Trim(), statement, record, Sign);
        return (null, outcome, commitment);
    }

    /// <summary>
    /// Marks a commitment done on a date (not before it was made, not in the future) with a note of what was delivered;
    /// appended to the ledger as progress. Errors by field; "commitmentId" when it cannot be marked (unknown, withdrawn, done before).
    /// </summary>
    public async Task<(IDictionary<string, string[]>? Errors, bool NotFrozen, CommitmentProgress? Progress)> MarkDoneAsync(long studyId, long commitmentId,
        string? date, string? note)
    {
        var view = await ViewAsync(studyId);
        if (view is null) return (null, true, null);
        var errors = new Dictionary<string, string[]>();
        var commitment = view.Commitments.FirstOrDefault(c => c.Id == commitmentId);
        if (commitment is null) return (new Dictionary<string, string[]> { [UnknownCommitment] = [t["agenda.error.noCommitment", commitmentId]] }, false, null);
        var made = DateOnly.FromDateTime(commitment.CreatedAt.UtcDateTime);
        if (!DateOnly.TryParseExact(date?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var on))
            errors["date"] = [t["agenda.error.date", date ?? ""]];
        else if (on < made) errors["date"] = [t["agenda.error.doneBeforeCommitment", made.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)]];
        else if (on > view.Today) errors["date"] = [t["agenda.error.dateInFuture"]];
        if (string.IsNullOrWhiteSpace(note)) errors["note"] = [t["agenda.error.required.note"]];
        else if (note.Length > 1000) errors["note"] = [t["error.tooLong", 1000]];
        else if (DisplayText.HasControls(note)) errors["note"] = [t["error.displayControls"]];
        if (errors.Count > 0) return (errors, false, null);
        var status = view.StatusOf(commitment);
        if (status is CommitmentStatus.Done or CommitmentStatus.Withdrawn)
            return (new Dictionary<string, string[]> { ["commitmentId"] = [t["agenda.error.cannotMarkDone." + status]] }, false, null);
        var organisation = view.Signatories.GetValueOrDefault(commitment.SignatoryId)?.Organisation ?? "";
        var dateText = on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var record = CanonicalJson.Write(new JsonObject
        {
            ["commitment"] = commitment.LedgerSequence,
            ["organisation"] = organisation,
            ["status"] = CommitmentStatus.Done,
            ["date"] = dateText,
            ["note"] = note!.Trim(),
        });
        var statement = t["agenda.ledger.done", organisation, commitment.Text, dateText, note.Trim()];
        var (outcome, progress) = await store.MarkDoneAsync(studyId, view.Vision.Organiser, commitment.Id, dateText, note.Trim(), statement, record, Sign);
        return outcome switch
        {
            LedgerOutcome.Appended => (null, false, progress),
            LedgerOutcome.AlreadySpent => (new Dictionary<string, string[]> { ["commitmentId"] = [t["agenda.error.cannotMarkDone.done"]] }, false, null),
            _ => (null, true, null),
        };
    }

    /// <summary>Checks and adds an experiment on statements of the vision. Errors by field.</summary>
    public async Task<(IDictionary<string, string[]>? Errors, bool NotFrozen, Experiment? Experiment)> AddExperimentAsync(long studyId,
        string? organisation, string? title, string? tried, IReadOnlyList<int>? statements, string? started)
    {
        var view = await ViewAsync(studyId);
        if (view is null) return (null, true, null);
        var errors = new Dictionary<string, string[]>();
        foreach (var (field, value, max) in new[] { ("organisation", organisation, 200), ("title", title, 200), ("tried", tried, 2000) })
        {
            if (string.IsNullOrWhiteSpace(value)) errors[field] = [t["agenda.error.required." + field]];
            else if (value.Length > max) errors[field] = [t["error.tooLong", max]];
            else if (DisplayText.HasControls(value)) errors[field] = [t["error.displayControls"]];
        }
        var numbers = (statements ?? []).Distinct().Order().ToList();
        if (numbers.Count == 0 || numbers.Any(n => view.Vision.Statements.All(s => s.Number != n)))
            errors["statements"] = [t["agenda.error.statements"]];
        if (!DateOnly.TryParseExact(started?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var on))
            errors["started"] = [t["agenda.error.date", started ?? ""]];
        if (errors.Count > 0) return (errors, false, null);
        var stored = await store.AddExperimentAsync(studyId, organisation!.Trim(), title!.Trim(), tried!.Trim(), numbers,
            on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return stored is null
            ? (new Dictionary<string, string[]> { ["title"] = [t["agenda.error.titleTaken"]] }, false, null)
            : (null, false, stored);
    }

    /// <summary>Adds a dated note of what an experiment taught (not before it started, not in the future). Errors by field.</summary>
    public async Task<(IDictionary<string, string[]>? Errors, bool NotFrozen, ExperimentNote? Note)> AddExperimentNoteAsync(long studyId, long experimentId,
        string? date, string? text)
    {
        var view = await ViewAsync(studyId);
        if (view is null) return (null, true, null);
        var experiment = view.Experiments.FirstOrDefault(e => e.Id == experimentId);
        if (experiment is null) return (new Dictionary<string, string[]> { ["experimentId"] = [t["agenda.error.noExperiment", experimentId]] }, false, null);
        var errors = new Dictionary<string, string[]>();
        if (!DateOnly.TryParseExact(date?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var on))
            errors["date"] = [t["agenda.error.date", date ?? ""]];
        else if (string.CompareOrdinal(on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), experiment.StartedOn) < 0)
            errors["date"] = [t["agenda.error.noteBeforeStart", experiment.StartedOn]];
        else if (on > view.Today) errors["date"] = [t["agenda.error.dateInFuture"]];
        if (string.IsNullOrWhiteSpace(text)) errors["text"] = [t["agenda.error.required.learned"]];
        else if (text.Length > 2000) errors["text"] = [t["error.tooLong", 2000]];
        else if (DisplayText.HasControls(text)) errors["text"] = [t["error.displayControls"]];
        if (errors.Count > 0) return (errors, false, null);
        return (null, false, await store.AddExperimentNoteAsync(studyId, experimentId, on.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), text!.Trim()));
    }
}
