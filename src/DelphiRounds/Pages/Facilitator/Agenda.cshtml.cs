using DelphiRounds.Agenda;
using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// The agenda after signing (issue 21): the vision's targets, indicators on them, measured values (one by one or as a
/// CSV upload, all or nothing) and one-time commitment links for the organisations that signed.
/// </summary>
public sealed partial class AgendaModel(StudyStore studies, AgendaService service, EndorsementStore endorsements, SiteUrls site, IStringLocalizer<Texts> t)
    : StudyPageModel(studies)
{
    public AgendaView? View { get; private set; }
    public IReadOnlyList<Signatory> Signed { get; private set; } = [];
    /// <summary>Errors of the CSV upload, per line.</summary>
    public IReadOnlyList<string> UploadErrors { get; private set; } = [];
    [TempData] public string? NewLinkOrganisation { get; set; }
    [TempData] public string? NewLinkUrl { get; set; }
    public (string Organisation, string Url)? NewLink => NewLinkOrganisation is { } o && NewLinkUrl is { } u ? (o, u) : null;

    [BindProperty] public string? Statement { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Unit { get; set; }
    [BindProperty] public string? IndicatorSource { get; set; }
    [BindProperty] public string? Direction { get; set; }
    [BindProperty] public string? MeasuredIndicator { get; set; }
    [BindProperty] public string? Date { get; set; }
    [BindProperty] public string? Value { get; set; }
    [BindProperty] public string? MeasurementSource { get; set; }
    [BindProperty] public IFormFile? Csv { get; set; }
    [BindProperty] public string? DoneCommitment { get; set; }
    [BindProperty] public string? DoneDate { get; set; }
    [BindProperty] public string? DoneNote { get; set; }
    [BindProperty] public string? ExperimentOrganisation { get; set; }
    [BindProperty] public string? ExperimentTitle { get; set; }
    [BindProperty] public string? ExperimentTried { get; set; }
    [BindProperty] public string? ExperimentStatements { get; set; }
    [BindProperty] public string? ExperimentStarted { get; set; }
    [BindProperty] public string? NoteExperiment { get; set; }
    [BindProperty] public string? NoteDate { get; set; }
    [BindProperty] public string? NoteText { get; set; }

    /// <summary>A choice in a drop-down: an id and what the facilitator reads.</summary>
    public sealed record Option(long Id, string Label);

    /// <summary>Commitments that can be marked done: open or late.</summary>
    public IReadOnlyList<Option> Markable => View is null ? [] : View.Commitments
        .Where(c => View.StatusOf(c) is CommitmentStatus.Open or CommitmentStatus.Late)
        .Select(c => new Option(c.Id, $"{View.Signatories.GetValueOrDefault(c.SignatoryId)?.Organisation}: {c.Text} ({c.DueOn})")).ToList();

    public IReadOnlyList<Option> ExperimentOptions => View is null ? [] : View.Experiments.Select(e => new Option(e.Id, $"{e.Title} ({e.Organisation})")).ToList();

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostIndicatorAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (View is null) return NotFrozen();
        int? number = int.TryParse(Statement, out var n) ? n : null;
        var (errors, _) = await service.AddIndicatorAsync(studyId, number, null, Name, Unit, IndicatorSource, Direction);
        if (errors is not null)
        {
            var fields = new Dictionary<string, string>
            {
                ["statement"] = nameof(Statement), ["name"] = nameof(Name), ["unit"] = nameof(Unit), ["source"] = nameof(IndicatorSource), ["direction"] = nameof(Direction),
            };
            foreach (var (key, messages) in errors) ModelState.AddModelError(fields.GetValueOrDefault(key, nameof(Name)), messages[0]);
            Response.StatusCode = 400;
            return Page();
        }
        Notice = t["agenda.indicatorAdded"];
        return Redirect($"/f/studies/{studyId}/agenda");
    }

    public async Task<IActionResult> OnPostMeasurementAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (View is null) return NotFrozen();
        var (errors, _) = await service.AddMeasurementsAsync(studyId,
            [("measurement", new MeasurementInput(MeasuredIndicator, Date, Value, MeasurementSource))], keyIsLine: false);
        if (errors is not null)
        {
            var fields = new Dictionary<string, string>
            {
                ["indicator"] = nameof(MeasuredIndicator), ["date"] = nameof(Date), ["value"] = nameof(Value), ["source"] = nameof(MeasurementSource),
            };
            foreach (var (key, messages) in errors) ModelState.AddModelError(fields.GetValueOrDefault(key, nameof(MeasuredIndicator)), messages[0]);
            Response.StatusCode = 400;
            return Page();
        }
        Notice = t["agenda.measurementAdded"];
        return Redirect($"/f/studies/{studyId}/agenda");
    }

    public async Task<IActionResult> OnPostUploadAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (View is null) return NotFrozen();
        if (Csv is null || Csv.Length == 0) return UploadRefused([t["agenda.error.csvMissing"]]);
        if (Csv.Length > AgendaEndpoints.MaxCsvBytes) return UploadRefused([t["error.tooLong", AgendaEndpoints.MaxCsvBytes]]);
        string text;
        using (var reader = new StreamReader(Csv.OpenReadStream())) text = await reader.ReadToEndAsync();
        var (csvErrors, lines) = service.ReadCsv(text);
        var (errors, stored) = csvErrors is null ? await service.AddMeasurementsAsync(studyId, lines, keyIsLine: true) : (csvErrors, []);
        if (errors is not null) return UploadRefused(errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}").ToList());
        Notice = t["agenda.uploaded", stored.Count];
        return Redirect($"/f/studies/{studyId}/agenda");
    }

    public async Task<IActionResult> OnPostLinkAsync(long studyId, long signatoryId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        if (View is null) return NotFrozen();
        var (problem, token) = await service.IssueCommitmentLinkAsync(studyId, signatoryId);
        if (problem is not null)
        {
            Error = problem;
            Response.StatusCode = 409;
            return Page();
        }
        var signatory = Signed.First(s => s.Id == signatoryId);
        (NewLinkOrganisation, NewLinkUrl) = (signatory.Organisation, AgendaEndpoints.CommitmentUrl(site.BaseUrl(Request), token!));
        return Redirect($"/f/studies/{studyId}/agenda");
    }

    public async Task<IActionResult> OnPostDoneAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (View is null) return NotFrozen();
        long.TryParse(DoneCommitment, out var commitmentId);
        var (errors, notFrozen, _) = await service.MarkDoneAsync(studyId, commitmentId, DoneDate, DoneNote);
        if (notFrozen) return NotFrozen();
        if (errors is not null)
            return Refused(errors, new() { ["date"] = nameof(DoneDate), ["note"] = nameof(DoneNote) }, nameof(DoneCommitment));
        Notice = t["agenda.doneRecorded"];
        return Redirect($"/f/studies/{studyId}/agenda");
    }

    public async Task<IActionResult> OnPostExperimentAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (View is null) return NotFrozen();
        var numbers = Numbers(ExperimentStatements);
        var (errors, notFrozen, _) = await service.AddExperimentAsync(studyId, ExperimentOrganisation, ExperimentTitle, ExperimentTried, numbers, ExperimentStarted);
        if (notFrozen) return NotFrozen();
        if (errors is not null)
            return Refused(errors, new()
            {
                ["organisation"] = nameof(ExperimentOrganisation), ["title"] = nameof(ExperimentTitle), ["tried"] = nameof(ExperimentTried),
                ["statements"] = nameof(ExperimentStatements), ["started"] = nameof(ExperimentStarted),
            }, nameof(ExperimentTitle));
        Notice = t["agenda.experimentAdded"];
        return Redirect($"/f/studies/{studyId}/agenda");
    }

    public async Task<IActionResult> OnPostNoteAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (View is null) return NotFrozen();
        long.TryParse(NoteExperiment, out var experimentId);
        var (errors, notFrozen, _) = await service.AddExperimentNoteAsync(studyId, experimentId, NoteDate, NoteText);
        if (notFrozen) return NotFrozen();
        if (errors is not null)
            return Refused(errors, new() { ["date"] = nameof(NoteDate), ["text"] = nameof(NoteText) }, nameof(NoteExperiment));
        Notice = t["agenda.noteAdded"];
        return Redirect($"/f/studies/{studyId}/agenda");
    }

    /// <summary>Statement numbers typed as "1, 3"; a word that is not a number makes the list invalid (empty).</summary>
    private static IReadOnlyList<int> Numbers(string? text)
    {
        var parts = (text ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var numbers = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, out var n)) return [];
            numbers.Add(n);
        }
        return numbers;
    }

    /// <summary>Shows the service's errors next to the form's fields (by the service's field names); 400, nothing stored.</summary>
    private PageResult Refused(IDictionary<string, string[]> errors, Dictionary<string, string> fields, string fallback)
    {
        foreach (var (key, messages) in errors) ModelState.AddModelError(fields.GetValueOrDefault(key, fallback), messages[0]);
        Response.StatusCode = 400;
        return Page();
    }

    public string? Error { get; private set; }

    private PageResult UploadRefused(IReadOnlyList<string> errors)
    {
        UploadErrors = errors;
        ModelState.AddModelError(nameof(Csv), t["agenda.uploadErrors"]);
        Response.StatusCode = 400;
        return Page();
    }

    private PageResult NotFrozen()
    {
        Response.StatusCode = 409;
        return Page();
    }

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        View = await service.ViewAsync(studyId);
        if (View is not null) await LoadReflectionsAsync(studyId);
        Signed = (await endorsements.ListAsync(studyId)).Where(s => s.Signed && s.WithdrawnAt is null).ToList();
        return true;
    }
}
