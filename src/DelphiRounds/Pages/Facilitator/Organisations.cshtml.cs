using DelphiRounds.Kernel;
using DelphiRounds.Organisations;
using DelphiRounds.Panel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// The organisations at the table: per stakeholder group the organisations and their people, coverage before round 1,
/// a form for one organisation and the CSV import of the whole panel (paste or file; one wrong line stores nothing).
/// </summary>
public sealed class OrganisationsModel(StudyStore studies, OrganisationStore organisations, ParticipantStore participants, PanelImport import, IStringLocalizer<Texts> t)
    : StudyPageModel(studies)
{
    public IReadOnlyList<Organisation> List { get; private set; } = [];
    public IReadOnlyList<PanelMember> Members { get; private set; } = [];
    public IReadOnlyDictionary<long, long> Membership { get; private set; } = new Dictionary<long, long>();
    public CoverageView Coverage { get; private set; } = null!;

    /// <summary>The problems of the last import, one line each (shown above the CSV field).</summary>
    public IReadOnlyList<string> ImportProblems { get; private set; } = [];

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Kvk { get; set; }
    [BindProperty] public long? GroupId { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Csv { get; set; }
    [BindProperty] public IFormFile? CsvFile { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public IEnumerable<PanelMember> MembersOf(long organisationId) =>
        Members.Where(m => Membership.TryGetValue(m.Id, out var o) && o == organisationId);

    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAddAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(Name)) ModelState.AddModelError(nameof(Name), t["orgs.error.name"]);
        else if (Name.Length > 200) ModelState.AddModelError(nameof(Name), t["error.tooLong", 200]);
        else if (DisplayText.HasControls(Name)) ModelState.AddModelError(nameof(Name), t["error.displayControls"]);
        if (GroupId is null || Groups.All(g => g.Id != GroupId)) ModelState.AddModelError(nameof(GroupId), t["orgs.error.group"]);
        if (!OrganisationEndpoints.ValidKvk(Kvk)) ModelState.AddModelError(nameof(Kvk), t["orgs.error.kvk"]);
        if (!string.IsNullOrWhiteSpace(Email) && !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(Email.Trim()))
            ModelState.AddModelError(nameof(Email), t["panel.error.email"]);
        if (ModelState.IsValid)
        {
            var (organisation, refusal) = await organisations.AddAsync(studyId, GroupId!.Value, Name!, Kvk, Email);
            if (refusal == OrganisationRefusal.DuplicateName) ModelState.AddModelError(nameof(Name), t["orgs.error.duplicateName"]);
            else if (refusal == OrganisationRefusal.DuplicateKvk) ModelState.AddModelError(nameof(Kvk), t["orgs.error.duplicateKvk"]);
            else
            {
                Notice = t["orgs.added", organisation!.Name];
                return Redirect($"/f/studies/{studyId}/organisations");
            }
        }
        Response.StatusCode = 400;
        return Page();
    }

    [BindProperty] public bool OrganisationsPublic { get; set; }

    /// <summary>Makes the organisations public or not (issue 18 item 7); allowed before and after round 1.</summary>
    public async Task<IActionResult> OnPostVisibilityAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        await HttpContext.RequestServices.GetRequiredService<StudyStore>().SetOrganisationsPublicAsync(studyId, OrganisationsPublic);
        Notice = OrganisationsPublic ? t["review.public.nowPublic"] : t["review.public.nowNotPublic"];
        return Redirect($"/f/studies/{studyId}/organisations");
    }

    public async Task<IActionResult> OnPostImportAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        var text = Csv;
        if (CsvFile is { Length: > 0 } file)
        {
            if (file.Length > 1_000_000) return ImportRefused(t["orgs.import.tooLarge"]);
            using var reader = new StreamReader(file.OpenReadStream());
            text = await reader.ReadToEndAsync();
            Csv = text;
        }
        if (string.IsNullOrWhiteSpace(text)) return ImportRefused(t["orgs.import.empty"]);
        if (text.Length > 1_000_000) return ImportRefused(t["orgs.import.tooLarge"]);
        var result = await import.ImportAsync(studyId, text);
        if (result.Problems.Count > 0)
        {
            ImportProblems = result.Problems.Select(p => (string)t["orgs.import.error." + p.Code, p.Line, p.Value, t["orgs.column." + p.Field], PanelImport.MaxLines]).ToList();
            return ImportRefused(t["orgs.import.refused", result.Problems.Select(p => p.Line).Distinct().Count()]);
        }
        Notice = t["orgs.imported", result.Added.Count, result.OrganisationsCreated];
        return Redirect($"/f/studies/{studyId}/organisations");
    }

    private IActionResult ImportRefused(string message)
    {
        ModelState.AddModelError(nameof(Csv), message);
        Response.StatusCode = 400;
        return Page();
    }

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        List = await organisations.ListAsync(studyId);
        Members = await participants.PanelAsync(studyId);
        Membership = await organisations.MembershipAsync(studyId);
        Coverage = await CoverageView.LoadAsync(Groups, organisations, studyId);
        return true;
    }
}

/// <summary>Organisations and people per stakeholder group, with a warning for groups below the threshold (partial <c>_Coverage</c>).</summary>
public sealed record CoverageView(IReadOnlyList<(StakeholderGroup Group, int Organisations, int People)> Groups)
{
    public bool AnyBelowMinimum => Groups.Any(g => g.People < OrganisationEndpoints.MinimumPeople);

    public static async Task<CoverageView> LoadAsync(IReadOnlyList<StakeholderGroup> groups, OrganisationStore organisations, long studyId)
    {
        var coverage = (await organisations.CoverageAsync(studyId)).ToDictionary(c => c.GroupId);
        return new CoverageView(groups.Select(g => (g, coverage.GetValueOrDefault(g.Id)?.Organisations ?? 0, coverage.GetValueOrDefault(g.Id)?.People ?? 0)).ToList());
    }
}
