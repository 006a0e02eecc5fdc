using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Agenda;

/// <summary>A new indicator on a statement of the frozen vision.</summary>
public sealed record IndicatorRequest
{
    /// <summary>The number of the statement in the frozen vision (1, 2, …).</summary>
    public int? Statement { get; init; }
    /// <summary>Optional: the item of that statement whose target the indicator measures against.</summary>
    public long? ItemId { get; init; }
    public string? Name { get; init; }
    public string? Unit { get; init; }
    /// <summary>Where the values come from, e.g. "CBS StatLine".</summary>
    public string? Source { get; init; }
    /// <summary><c>higher</c> or <c>lower</c>: which way is better.</summary>
    public string? Direction { get; init; }
}

/// <summary>A measured value: indicator by id or exact name, date as yyyy-MM-dd (not before the freeze), value a number.</summary>
public sealed record MeasurementRequest
{
    public JsonNode? Indicator { get; init; }
    public string? Date { get; init; }
    public JsonNode? Value { get; init; }
    public string? Source { get; init; }
}

/// <summary>A request for a one-time commitment link for a signatory whose endorsement is in force.</summary>
public sealed record CommitmentLinkRequest
{
    public long? SignatoryId { get; init; }
}

/// <summary>A commitment marked done: on which date, and what was delivered.</summary>
public sealed record DoneRequest
{
    /// <summary>The day it was done, yyyy-MM-dd: not before the commitment was made, not in the future.</summary>
    public string? Date { get; init; }
    /// <summary>What was delivered (at most 1,000 characters).</summary>
    public string? Note { get; init; }
}

/// <summary>A new experiment: a front-runner project on statements of the vision.</summary>
public sealed record ExperimentRequest
{
    /// <summary>The organisation that runs it (at most 200 characters).</summary>
    public string? Organisation { get; init; }
    /// <summary>Its title, unique in the study (at most 200 characters).</summary>
    public string? Title { get; init; }
    /// <summary>What is tried (at most 2,000 characters).</summary>
    public string? Tried { get; init; }
    /// <summary>The numbers of the statements of the frozen vision it serves (at least one).</summary>
    public IReadOnlyList<int>? Statements { get; init; }
    /// <summary>The day it started, yyyy-MM-dd.</summary>
    public string? Started { get; init; }
}

/// <summary>What an experiment taught, on a date.</summary>
public sealed record ExperimentNoteRequest
{
    /// <summary>yyyy-MM-dd: not before the experiment started, not in the future.</summary>
    public string? Date { get; init; }
    /// <summary>What was learned (at most 2,000 characters).</summary>
    public string? Text { get; init; }
}

public sealed record DoneResponse(long CommitmentId, string Status, string Date, string Note, long LedgerSequence)
{
    public static DoneResponse From(CommitmentProgress p) => new(p.CommitmentId, p.Status, p.NotedOn, p.Note, p.LedgerSequence);
}

public sealed record ExperimentNoteResponse(long Id, string Date, string Text)
{
    public static ExperimentNoteResponse From(ExperimentNote n) => new(n.Id, n.NotedOn, n.Text);
}

public sealed record ExperimentResponse(long Id, string Organisation, string Title, string Tried, IReadOnlyList<int> Statements, string Started,
    IReadOnlyList<ExperimentNoteResponse> Notes)
{
    public static ExperimentResponse From(Experiment e, IReadOnlyList<ExperimentNote> notes) =>
        new(e.Id, e.Organisation, e.Title, e.Tried, AgendaView.Numbers(e.Statements), e.StartedOn, notes.Select(ExperimentNoteResponse.From).ToList());
}

public sealed record TargetResponse(int Statement, long ItemId, string Kind, string Unit, double? Median, double? Q1, double? Q3, int? N)
{
    public static TargetResponse From(Target t) => new(t.Statement, t.ItemId, t.Kind, t.Unit, t.Median, t.Q1, t.Q3, t.N);
}

public sealed record IndicatorResponse(long Id, int Statement, long? ItemId, string Name, string Unit, string Source, string Direction)
{
    public static IndicatorResponse From(Indicator i) => new(i.Id, i.StatementNumber, i.ItemId, i.Name, i.Unit, i.Source, i.Direction);
}

public sealed record MeasurementResponse(long Id, long IndicatorId, string Date, double Value, string Source, long LedgerSequence)
{
    public static MeasurementResponse From(Measurement m) => new(m.Id, m.IndicatorId, m.MeasuredOn, m.Value, m.Source, m.LedgerSequence);
}

/// <summary>A commitment with its status: open, done, late (past due, not done) or withdrawn (its organisation withdrew).</summary>
public sealed record CommitmentResponse(long Id, long SignatoryId, string Organisation, string Text, IReadOnlyList<int> Statements, string Due,
    string OwnerRole, long LedgerSequence, string Status, DoneResponse? Done)
{
    public static List<CommitmentResponse> All(AgendaView view) =>
        view.Commitments.Select(c => new CommitmentResponse(c.Id, c.SignatoryId, view.Signatories.GetValueOrDefault(c.SignatoryId)?.Organisation ?? "",
            c.Text, view.StatementsOf(c), c.DueOn, c.OwnerRole, c.LedgerSequence, view.StatusOf(c),
            view.DoneOf(c) is { } done ? DoneResponse.From(done) : null)).ToList();
}

public sealed record CommitmentLinkResponse(long SignatoryId, string Url, string Token);

/// <summary>A study's agenda after signing.</summary>
public sealed record AgendaResponse(long StudyId, string DocumentHash, string FrozenOn, IReadOnlyList<TargetResponse> Targets,
    IReadOnlyList<IndicatorResponse> Indicators, IReadOnlyList<MeasurementResponse> Measurements, IReadOnlyList<CommitmentResponse> Commitments,
    IReadOnlyList<ExperimentResponse> Experiments, IReadOnlyList<ReflectionRoundSummary> ReflectionRounds, IReadOnlyList<VisionVersionResponse> Visions)
{
    /// <summary>The agenda as the API and <c>export.json</c> give it, with the reflection rounds and the vision versions.</summary>
    public static AgendaResponse From(AgendaView view, AfterSigning after) => new(view.StudyId, view.Vision.DocumentHash, view.FrozenOn.ToString("yyyy-MM-dd"),
        view.Targets.Select(TargetResponse.From).ToList(), view.Indicators.Select(IndicatorResponse.From).ToList(),
        view.Measurements.Select(MeasurementResponse.From).ToList(), CommitmentResponse.All(view),
        view.Experiments.Select(e => ExperimentResponse.From(e, view.NotesOf(e))).ToList(), after.ReflectionRounds, after.Visions);

    /// <summary>The agenda of a study whose vision is frozen.</summary>
    public static async Task<AgendaResponse> OfAsync(AgendaView view, ReflectionService reflections) =>
        From(view, await AfterSigning.OfAsync(view.StudyId, reflections));
}

/// <summary>The agenda API: targets, indicators, measurements (one or as CSV), commitment links and commitments.</summary>
public static class AgendaEndpoints
{
    /// <summary>The largest CSV upload accepted (bytes).</summary>
    public const int MaxCsvBytes = 1 << 20;

    public static IServiceCollection AddAgenda(this IServiceCollection services) =>
        services.AddSingleton<AgendaStore>().AddSingleton<AgendaService>().AddSingleton<ReflectionService>();

    /// <summary>The reminders about due commitments, checked in the background (the web host; not the <c>delphi</c> command).</summary>
    public static IServiceCollection AddAgendaReminders(this IServiceCollection services) =>
        services.AddSingleton<CommitmentReminders>().AddHostedService(sp => sp.GetRequiredService<CommitmentReminders>());

    /// <summary>The link an organisation opens to record a commitment.</summary>
    public static string CommitmentUrl(string baseUrl, string token) => $"{baseUrl}/commit/{token}";

    public static void MapAgenda(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/agenda").WithTags("Agenda").RequireAuthorization(Auth.FacilitatorApi);
        api.MapGet("", AgendaAsync).Refuses(409).WithSummary("The agenda after signing: targets, indicators, measurements, commitments, experiments, reflection rounds (with the drift once closed) and the vision versions.");
        api.MapGet("/targets", TargetsAsync).Refuses(409)
            .WithSummary("The targets of the frozen vision: each statement on a numeric or year item, with the panel's final median and middle half and the unit.");
        api.MapGet("/indicators", IndicatorsAsync).WithSummary("The indicators.");
        api.MapPost("/indicators", AddIndicatorAsync).Refuses(409).WithSummary("Add an indicator to a statement of the frozen vision (name, unit, source, direction).");
        api.MapGet("/measurements", MeasurementsAsync).WithSummary("The measured values, per indicator and date.");
        api.MapPost("/measurements", AddMeasurementAsync).Refuses(409)
            .WithSummary("Add a measured value; it is appended to the study's ledger.")
            .WithDescription("Refused, naming the field, for an unknown indicator, a date that is not yyyy-MM-dd or is before the vision was frozen, or a value that is not a number.");
        api.MapPost("/measurements/csv", UploadCsvAsync).Refuses(409).Accepts<string>("text/csv")
            .WithSummary("Upload measured values as CSV with the header indicator,date,value,source; all or nothing.")
            .WithDescription("Every line is checked first; errors name the line (\"line 3\": the file's line, the header being line 1) and nothing is stored when any line is wrong. Each stored value is a ledger entry.");
        api.MapGet("/commitments", CommitmentsAsync).Refuses(409).WithSummary("What the signing organisations committed to.");
        api.MapPost("/commitment-links", IssueLinkAsync).Refuses(409)
            .WithSummary("A one-time link for a signing organisation to record one commitment; returns it once.");
        api.MapPost("/commitments/{commitmentId:long}/done", MarkDoneAsync).Refuses(409)
            .WithSummary("Mark a commitment done (date and what was delivered); it is appended to the study's ledger as progress.")
            .WithDescription("Refused with 409 when the vision is not frozen, the commitment is already done or its organisation withdrew; 404 for a commitment of another study.");
        api.MapGet("/experiments", ExperimentsAsync).Refuses(409).WithSummary("The experiments register: front-runner projects with what they taught.");
        api.MapPost("/experiments", AddExperimentAsync).Refuses(409)
            .WithSummary("Register an experiment on statements of the frozen vision (organisation, title, what is tried, start date).");
        api.MapPost("/experiments/{experimentId:long}/notes", AddExperimentNoteAsync).Refuses(409)
            .WithSummary("Add a dated note of what an experiment taught.");
        api.MapGet("/reflection-rounds", ReflectionRoundsAsync).WithSummary("The study's reflection rounds after the vision, oldest first.");
        api.MapPost("/reflection-rounds", StartReflectionAsync).Refuses(409)
            .WithSummary("Start a reflection round: the same items again in a new round, beside the measured values and the signed targets.")
            .WithDescription("Refused with 409 naming studyId when the vision is not frozen or another round is in preparation or open. The locked "
                + "consensus criteria stay as they are unless new criteria are sent with a reason (400 naming reason without one); the reason is recorded. "
                + "When the reflection round has closed, a new version of the vision can be drafted, reviewed, frozen and signed.");
        api.MapGet("/reflection-rounds/{roundId:long}/drift", DriftAsync)
            .WithSummary("Per item of the signed vision: the drift of the reflection round's median from the signed median, in the item's unit.")
            .WithDescription("Figures are null while the round is open and for items with fewer than three answers. 404 for a round that is not a reflection round of the study.");
        // A feed beside the public agenda page (/agenda/{id}), not part of the API: as public as that page.
        app.MapGet("/agenda/{studyId:long}/due-dates.ics", CalendarAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static ProblemHttpResult NoStudy(long studyId) => Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");

    private static ProblemHttpResult NotFrozen() => Problems.Conflict("studyId", "The vision is not frozen yet, so there is no agenda.");

    private static async Task<bool> OwnsAsync(long studyId, HttpContext context, StudyStore studies) =>
        await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is not null;

    private static async Task<Results<Ok<AgendaResponse>, ProblemHttpResult>> AgendaAsync(long studyId, HttpContext context, StudyStore studies, AgendaService service,
        ReflectionService reflections)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        if (await service.ViewAsync(studyId) is not { } view) return NotFrozen();
        return TypedResults.Ok(await AgendaResponse.OfAsync(view, reflections));
    }

    private static List<CommitmentResponse> Commitments(AgendaView view) => CommitmentResponse.All(view);

    private static List<ExperimentResponse> Experiments(AgendaView view) =>
        view.Experiments.Select(e => ExperimentResponse.From(e, view.NotesOf(e))).ToList();

    private static async Task<Results<Ok<IReadOnlyList<TargetResponse>>, ProblemHttpResult>> TargetsAsync(long studyId, HttpContext context, StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        if (await service.ViewAsync(studyId) is not { } view) return NotFrozen();
        return TypedResults.Ok<IReadOnlyList<TargetResponse>>(view.Targets.Select(TargetResponse.From).ToList());
    }

    private static async Task<Results<Ok<IReadOnlyList<IndicatorResponse>>, ProblemHttpResult>> IndicatorsAsync(long studyId, HttpContext context, StudyStore studies, AgendaStore store)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        return TypedResults.Ok<IReadOnlyList<IndicatorResponse>>((await store.IndicatorsAsync(studyId)).Select(IndicatorResponse.From).ToList());
    }

    private static async Task<Results<Created<IndicatorResponse>, ProblemHttpResult>> AddIndicatorAsync(long studyId, IndicatorRequest request,
        HttpContext context, StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        var (errors, indicator) = await service.AddIndicatorAsync(studyId, request.Statement, request.ItemId, request.Name, request.Unit, request.Source, request.Direction);
        if (errors is not null) return errors.ContainsKey("studyId") ? NotFrozen() : Problems.Fields(errors);
        return TypedResults.Created($"/api/v1/studies/{studyId}/agenda/indicators/{indicator!.Id}", IndicatorResponse.From(indicator));
    }

    private static async Task<Results<Ok<IReadOnlyList<MeasurementResponse>>, ProblemHttpResult>> MeasurementsAsync(long studyId, HttpContext context, StudyStore studies, AgendaStore store)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        return TypedResults.Ok<IReadOnlyList<MeasurementResponse>>((await store.MeasurementsAsync(studyId)).Select(MeasurementResponse.From).ToList());
    }

    /// <summary>A JSON number or string as text (a number keeps its exact digits).</summary>
    private static string? Text(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => v.ToJsonString(),
            _ => v.ToJsonString(),
        }
        : node?.ToJsonString();

    private static async Task<Results<Created<MeasurementResponse>, ProblemHttpResult>> AddMeasurementAsync(long studyId, MeasurementRequest request,
        HttpContext context, StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        var input = new MeasurementInput(Text(request.Indicator), request.Date, Text(request.Value), request.Source);
        var (errors, stored) = await service.AddMeasurementsAsync(studyId, [("measurement", input)], keyIsLine: false);
        if (errors is not null) return errors.ContainsKey("studyId") ? NotFrozen() : Problems.Fields(errors);
        return TypedResults.Created($"/api/v1/studies/{studyId}/agenda/measurements/{stored[0].Id}", MeasurementResponse.From(stored[0]));
    }

    private static async Task<Results<Created<IReadOnlyList<MeasurementResponse>>, ProblemHttpResult>> UploadCsvAsync(long studyId, HttpContext context,
        StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        if (context.Request.ContentLength > MaxCsvBytes) return Problems.Field(413, "file", $"The file is larger than {MaxCsvBytes} bytes.");
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var buffer = new char[MaxCsvBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, context.RequestAborted);
        if (read > MaxCsvBytes) return Problems.Field(413, "file", $"The file is larger than {MaxCsvBytes} bytes.");
        var (csvErrors, lines) = service.ReadCsv(new string(buffer, 0, read));
        if (csvErrors is not null) return Problems.Fields(csvErrors);
        var (errors, stored) = await service.AddMeasurementsAsync(studyId, lines, keyIsLine: true);
        if (errors is not null) return errors.ContainsKey("studyId") ? NotFrozen() : Problems.Fields(errors);
        return TypedResults.Created($"/api/v1/studies/{studyId}/agenda/measurements", (IReadOnlyList<MeasurementResponse>)stored.Select(MeasurementResponse.From).ToList());
    }

    private static async Task<Results<Ok<IReadOnlyList<CommitmentResponse>>, ProblemHttpResult>> CommitmentsAsync(long studyId, HttpContext context, StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        if (await service.ViewAsync(studyId) is not { } view) return NotFrozen();
        return TypedResults.Ok<IReadOnlyList<CommitmentResponse>>(Commitments(view));
    }

    private static async Task<Results<Created<CommitmentLinkResponse>, ProblemHttpResult>> IssueLinkAsync(long studyId, CommitmentLinkRequest request,
        HttpContext context, StudyStore studies, AgendaService service, SiteUrls site)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        if (request.SignatoryId is not { } signatoryId) return Problems.BadRequest("signatoryId", "Name the signatory whose organisation will commit.");
        var (problem, token) = await service.IssueCommitmentLinkAsync(studyId, signatoryId);
        if (problem is not null) return Problems.Conflict("signatoryId", problem);
        return TypedResults.Created($"/commit/{token}", new CommitmentLinkResponse(signatoryId, CommitmentUrl(site.BaseUrl(context.Request), token!), token!));
    }

    private static async Task<Results<Created<DoneResponse>, ProblemHttpResult>> MarkDoneAsync(long studyId, long commitmentId, DoneRequest request,
        HttpContext context, StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        var (errors, notFrozen, progress) = await service.MarkDoneAsync(studyId, commitmentId, request.Date, request.Note);
        if (notFrozen) return NotFrozen();
        if (errors is not null && errors.TryGetValue(AgendaService.UnknownCommitment, out var unknown)) return Problems.NotFound("commitmentId", unknown[0]);
        if (errors is not null && errors.TryGetValue("commitmentId", out var refused)) return Problems.Conflict("commitmentId", refused[0]);
        if (errors is not null) return Problems.Fields(errors);
        return TypedResults.Created($"/api/v1/studies/{studyId}/agenda/commitments/{commitmentId}", DoneResponse.From(progress!));
    }

    private static async Task<Results<Ok<IReadOnlyList<ExperimentResponse>>, ProblemHttpResult>> ExperimentsAsync(long studyId, HttpContext context,
        StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        if (await service.ViewAsync(studyId) is not { } view) return NotFrozen();
        return TypedResults.Ok<IReadOnlyList<ExperimentResponse>>(Experiments(view));
    }

    private static async Task<Results<Created<ExperimentResponse>, ProblemHttpResult>> AddExperimentAsync(long studyId, ExperimentRequest request,
        HttpContext context, StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        var (errors, notFrozen, experiment) = await service.AddExperimentAsync(studyId, request.Organisation, request.Title, request.Tried,
            request.Statements, request.Started);
        if (notFrozen) return NotFrozen();
        if (errors is not null) return Problems.Fields(errors);
        return TypedResults.Created($"/api/v1/studies/{studyId}/agenda/experiments/{experiment!.Id}", ExperimentResponse.From(experiment, []));
    }

    private static async Task<Results<Created<ExperimentNoteResponse>, ProblemHttpResult>> AddExperimentNoteAsync(long studyId, long experimentId,
        ExperimentNoteRequest request, HttpContext context, StudyStore studies, AgendaService service)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        var (errors, notFrozen, note) = await service.AddExperimentNoteAsync(studyId, experimentId, request.Date, request.Text);
        if (notFrozen) return NotFrozen();
        if (errors is not null && errors.TryGetValue("experimentId", out var unknown)) return Problems.NotFound("experimentId", unknown[0]);
        if (errors is not null) return Problems.Fields(errors);
        return TypedResults.Created($"/api/v1/studies/{studyId}/agenda/experiments/{experimentId}/notes/{note!.Id}", ExperimentNoteResponse.From(note));
    }

    private static async Task<Results<Ok<IReadOnlyList<ReflectionRoundResponse>>, ProblemHttpResult>> ReflectionRoundsAsync(long studyId, HttpContext context,
        StudyStore studies, ReflectionService reflections)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        return TypedResults.Ok(await reflections.ListAsync(studyId));
    }

    private static async Task<Results<Created<ReflectionRoundResponse>, ProblemHttpResult>> StartReflectionAsync(long studyId,
        ReflectionRoundRequest request, HttpContext context, StudyStore studies, ReflectionService reflections)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is not { } study) return NoStudy(studyId);
        var (started, status, field, message) = await reflections.StartAsync(study, request);
        if (started is null) return Problems.Field(status, field!, message!);
        return TypedResults.Created($"/api/v1/rounds/{started.RoundId}", started);
    }

    private static async Task<Results<Ok<IReadOnlyList<ItemDrift>>, ProblemHttpResult>> DriftAsync(long studyId, long roundId, HttpContext context,
        StudyStore studies, ReflectionService reflections)
    {
        if (!await OwnsAsync(studyId, context, studies)) return NoStudy(studyId);
        if (await reflections.DriftAsync(studyId, roundId) is not { } drift)
            return Problems.NotFound("roundId", $"Round {roundId} is not a reflection round of study {studyId}.");
        return TypedResults.Ok(drift);
    }

    private static async Task<IResult> CalendarAsync(long studyId, HttpContext context, AgendaService service, SiteUrls site)
    {
        if (await service.ViewAsync(studyId) is not { } view) return Problems.NotFound("studyId", $"Study {studyId} has no signed vision.");
        var ics = AgendaCalendar.Write(view, $"{site.BaseUrl(context.Request)}/agenda/{studyId}", context.Request.Host.Host);
        return TypedResults.Text(ics, AgendaCalendar.ContentType, Encoding.UTF8);
    }
}
