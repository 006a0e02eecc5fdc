using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using DelphiRounds.Vision;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// Signatories of the frozen vision, per organisation: register them (each gets a one-time link, shown once),
/// see who signed or withdrew, renew an unused link, erase someone's personal data on request.
/// </summary>
public sealed class VisionSignatoriesModel(StudyStore studies, VisionStore visions, EndorsementStore store, SiteUrls site, IStringLocalizer<Texts> t,
    Organisations.OrganisationStore organisations)
    : StudyPageModel(studies)
{
    /// <summary>The panel's organisations to sign for (an outside party is typed in instead).</summary>
    public IReadOnlyList<Organisations.Organisation> PanelOrganisations { get; private set; } = [];
    /// <summary>The chosen organisation of the panel: its id, or empty for an outside party.</summary>
    [BindProperty] public long? OrganisationId { get; set; }
    [BindProperty] public string? Mandate { get; set; }
    [BindProperty] public string? ConfirmerName { get; set; }
    [BindProperty] public string? ConfirmerEmail { get; set; }
    [BindProperty] public string? ConfirmerRole { get; set; }
    [TempData] public string? NewConfirmerUrl { get; set; }
    public VisionDocument? Document { get; private set; }
    public IReadOnlyList<Signatory> Signatories { get; private set; } = [];
    /// <summary>A link just made: carried over the redirect once (post/redirect/get, so Back or reload makes no second link), then gone.</summary>
    [TempData] public string? NewLinkOrganisation { get; set; }
    [TempData] public string? NewLinkUrl { get; set; }
    public (string Organisation, string Url)? NewLink => NewLinkOrganisation is { } o && NewLinkUrl is { } u ? (o, u) : null;

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Organisation { get; set; }
    [BindProperty] public string? Role { get; set; }
    [BindProperty] public string? Email { get; set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAddAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (Document is null) return Conflict(t["vision.signatories.notFrozen"]);
        foreach (var (field, value) in new[] { (nameof(Name), Name), (nameof(Organisation), Organisation), (nameof(Role), Role) })
        {
            if (field == nameof(Organisation) && OrganisationId is not null && string.IsNullOrWhiteSpace(value)) continue;
            if (string.IsNullOrWhiteSpace(value))
                ModelState.AddModelError(field, field == nameof(Organisation) && PanelOrganisations.Count > 0
                    ? t["orgsign.signatories.error.organisation"] : t["vision.signatories.error." + field.ToLowerInvariant()]);
            else if (value.Length > 200) ModelState.AddModelError(field, t["error.tooLong", 200]);
            else if (DisplayText.HasControls(value)) ModelState.AddModelError(field, t["error.displayControls"]);
        }
        if (string.IsNullOrWhiteSpace(Email) || Email.Length > 320 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(Email.Trim()))
            ModelState.AddModelError(nameof(Email), t["vision.signatories.error.email"]);
        if (Mandate is { Length: > 300 }) ModelState.AddModelError(nameof(Mandate), t["error.tooLong", 300]);
        else if (Mandate is not null && DisplayText.HasControls(Mandate)) ModelState.AddModelError(nameof(Mandate), t["error.displayControls"]);
        ConfirmerDetails? confirmer = null;
        var confirmerGiven = new[] { ConfirmerName, ConfirmerEmail, ConfirmerRole }.Count(v => !string.IsNullOrWhiteSpace(v));
        if (confirmerGiven is > 0 and < 3)
            ModelState.AddModelError(string.IsNullOrWhiteSpace(ConfirmerName) ? nameof(ConfirmerName) : string.IsNullOrWhiteSpace(ConfirmerEmail) ? nameof(ConfirmerEmail) : nameof(ConfirmerRole),
                t["orgsign.signatories.error.confirmerMissing"]);
        else if (confirmerGiven == 3)
        {
            if (ConfirmerEmail!.Length > 320 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(ConfirmerEmail.Trim()))
                ModelState.AddModelError(nameof(ConfirmerEmail), t["vision.signatories.error.email"]);
            foreach (var (field, value) in new[] { (nameof(ConfirmerName), ConfirmerName!), (nameof(ConfirmerRole), ConfirmerRole!) })
            {
                if (value.Length > 200) ModelState.AddModelError(field, t["error.tooLong", 200]);
                else if (DisplayText.HasControls(value)) ModelState.AddModelError(field, t["error.displayControls"]);
            }
            confirmer = new ConfirmerDetails(ConfirmerName!.Trim(), ConfirmerEmail.Trim(), ConfirmerRole!.Trim());
        }
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var result = await store.RegisterAsync(studyId, Name!.Trim(), OrganisationId is null ? Organisation!.Trim() : null, OrganisationId, Role!.Trim(), Email!.Trim(),
            string.IsNullOrWhiteSpace(Mandate) ? null : Mandate.Trim(), confirmer);
        if (result.Refusal != SignatoryRefusal.None)
        {
            var (field, message) = result.Refusal switch
            {
                SignatoryRefusal.NoSuchOrganisation => (nameof(OrganisationId), t["orgsign.signatories.error.noSuchOrganisation"].Value),
                SignatoryRefusal.SamePerson => (nameof(Email), t["orgsign.signatories.error.samePerson"].Value),
                SignatoryRefusal.InAnotherOrganisation => (nameof(Email), t["orgsign.signatories.error.otherOrganisation", result.InOrganisation ?? ""].Value),
                SignatoryRefusal.ConfirmerSamePerson => (nameof(ConfirmerEmail), t["orgsign.signatories.error.confirmerSame"].Value),
                SignatoryRefusal.ConfirmerRegistered => (nameof(ConfirmerEmail), t["orgsign.signatories.error.confirmerRegistered"].Value),
                _ => (nameof(ConfirmerEmail), t["orgsign.signatories.error.confirmerOther", result.InOrganisation ?? ""].Value),
            };
            ModelState.AddModelError(field, message);
            Response.StatusCode = result.Refusal == SignatoryRefusal.NoSuchOrganisation ? 400 : 409;
            return Page();
        }
        var baseUrl = site.BaseUrl(Request);
        (NewLinkOrganisation, NewLinkUrl) = (result.Signatory!.Organisation, EndorsementEndpoints.SigningUrl(baseUrl, result.Token!));
        NewConfirmerUrl = result.ConfirmerToken is { } ct ? EndorsementEndpoints.SigningUrl(baseUrl, ct) : null;
        return Redirect($"/f/studies/{studyId}/vision/signatories");
    }

    public async Task<IActionResult> OnPostReissueAsync(long studyId, long signatoryId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var signatory = Signatories.FirstOrDefault(s => s.Id == signatoryId);
        if (signatory is null) return NotFound();
        var token = await store.ReissueAsync(studyId, signatoryId);
        if (token is null) return Conflict(t["vision.signatories.cannotReissue"]);
        (NewLinkOrganisation, NewLinkUrl) = (signatory.Organisation, EndorsementEndpoints.SigningUrl(site.BaseUrl(Request), token));
        return Redirect($"/f/studies/{studyId}/vision/signatories");
    }

    public async Task<IActionResult> OnPostEraseAsync(long studyId, long signatoryId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        if (Signatories.All(s => s.Id != signatoryId)) return NotFound();
        await store.EraseAsync(studyId, signatoryId);
        Notice = t["vision.signatories.erased"];
        return Redirect($"/f/studies/{studyId}/vision/signatories");
    }

    public string? Error { get; private set; }

    private PageResult Conflict(string message)
    {
        Error = message;
        Response.StatusCode = 409;
        return Page();
    }

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        Document = await visions.DocumentAsync(studyId);
        Signatories = await store.ListAsync(studyId);
        PanelOrganisations = await organisations.ListAsync(studyId);
        return true;
    }
}
