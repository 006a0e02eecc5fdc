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
public sealed class VisionSignatoriesModel(StudyStore studies, VisionStore visions, EndorsementStore store, SiteUrls site, IStringLocalizer<Texts> t)
    : StudyPageModel(studies)
{
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
            if (string.IsNullOrWhiteSpace(value)) ModelState.AddModelError(field, t["vision.signatories.error." + field.ToLowerInvariant()]);
            else if (value.Length > 200) ModelState.AddModelError(field, t["error.tooLong", 200]);
            else if (DisplayText.HasControls(value)) ModelState.AddModelError(field, t["error.displayControls"]);
        }
        if (string.IsNullOrWhiteSpace(Email) || Email.Length > 320 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(Email.Trim()))
            ModelState.AddModelError(nameof(Email), t["vision.signatories.error.email"]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var (signatory, token) = await store.RegisterAsync(studyId, Name!.Trim(), Organisation!.Trim(), Role!.Trim(), Email!.Trim());
        (NewLinkOrganisation, NewLinkUrl) = (signatory.Organisation, EndorsementEndpoints.SigningUrl(site.BaseUrl(Request), token));
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
        return true;
    }
}
