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
public sealed class AgendaModel(StudyStore studies, AgendaService service, EndorsementStore endorsements, SiteUrls site, IStringLocalizer<Texts> t)
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
        Signed = (await endorsements.ListAsync(studyId)).Where(s => s.Signed && s.WithdrawnAt is null).ToList();
        return true;
    }
}
