using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Records;
using DelphiRounds.Studies;
using DelphiRounds.Vision;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>A statement in the draft editor.</summary>
public sealed class StatementForm
{
    public string? Text { get; set; }
    public List<long> ItemIds { get; set; } = [];
}

/// <summary>
/// The vision: write a version (Markdown, statements linked to items, each shown with its items' final
/// figures and verdict), let the panel review it, read the objections, revise, and freeze.
/// </summary>
public sealed class VisionModel(StudyStore studies, ItemStore items, VisionStore store, VisionService vision, IStringLocalizer<Texts> t)
    : StudyPageModel(studies)
{
    /// <summary>Empty statements offered below the written ones.</summary>
    public const int BlankStatements = 2;

    public IReadOnlyList<VisionDraft> Drafts { get; private set; } = [];
    public DraftView? Shown { get; private set; }
    public bool ShowingLatest => Shown is not null && Drafts.Count > 0 && Shown.Draft.Version == Drafts[^1].Version;
    public VisionDocument? Document { get; private set; }
    public FrozenVision? Frozen { get; private set; }
    public FreezeBlocker Blocker { get; private set; }
    public IReadOnlyList<Item> AllItems { get; private set; } = [];
    public IReadOnlyDictionary<long, LinkedItem> Linked { get; private set; } = new Dictionary<long, LinkedItem>();
    public string? ActionError { get; private set; }

    [BindProperty] public string? Title { get; set; }
    [BindProperty] public string? Preamble { get; set; }
    [BindProperty] public string? ChangeNote { get; set; }
    [BindProperty] public List<StatementForm> Statements { get; set; } = [];
    [BindProperty] public bool ConfirmFreeze { get; set; }
    /// <summary>Why the freeze goes ahead although organisations object (issue 18).</summary>
    [BindProperty] public string? OverrideReason { get; set; }
    /// <summary>Statement number → whether to keep it although an item it rests on has no consensus.</summary>
    [BindProperty] public Dictionary<int, bool> KeepStatement { get; set; } = [];
    /// <summary>Statement number → why it is kept.</summary>
    [BindProperty] public Dictionary<int, string?> KeepReason { get; set; } = [];

    /// <summary>What freezing the latest version must decide about: objecting organisations, statements without consensus.</summary>
    public FreezeCheck Check { get; private set; } = FreezeCheck.None;

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public string FreezeBlockerText => t["vision.freeze.blocker." + Blocker];

    public async Task<IActionResult> OnGetAsync(long studyId, int? version)
    {
        if (!await LoadAsync(studyId, version)) return NotFound();
        if (Shown is { } latest && ShowingLatest)
        {
            Title = latest.Draft.Title;
            Preamble = latest.Draft.Preamble;
            Statements = latest.Statements.Select(s => new StatementForm { Text = s.Text, ItemIds = s.Items.Select(i => i.ItemId).ToList() }).ToList();
        }
        else if (Drafts.Count == 0)
        {
            Title = t["vision.editor.defaultTitle", Study.Title];
        }
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(long studyId)
    {
        if (!await LoadAsync(studyId, null)) return NotFound();
        ModelState.Clear();
        var written = Statements.Select((s, i) => (s, i)).Where(x => !string.IsNullOrWhiteSpace(x.s.Text)).ToList();
        if (string.IsNullOrWhiteSpace(Title)) ModelState.AddModelError(nameof(Title), t["vision.error.title"]);
        else if (Title.Length > 200) ModelState.AddModelError(nameof(Title), t["error.tooLong", 200]);
        if (Preamble is { Length: > VisionLimits.PreambleLength }) ModelState.AddModelError(nameof(Preamble), t["error.tooLong", VisionLimits.PreambleLength]);
        if (written.Count == 0) ModelState.AddModelError("Statements[0].Text", t["vision.error.statements"]);
        var known = AllItems.Select(i => i.Id).ToHashSet();
        foreach (var (s, i) in written)
        {
            if (s.Text!.Length > VisionLimits.StatementLength) ModelState.AddModelError($"Statements[{i}].Text", t["error.tooLong", VisionLimits.StatementLength]);
            if (s.ItemIds.Any(id => !known.Contains(id))) ModelState.AddModelError($"Statements[{i}].Text", t["vision.error.unknownItem"]);
        }
        if (Drafts.Count > 0 && string.IsNullOrWhiteSpace(ChangeNote)) ModelState.AddModelError(nameof(ChangeNote), t["vision.error.changeNote"]);
        else if (ChangeNote is { Length: > 2000 }) ModelState.AddModelError(nameof(ChangeNote), t["error.tooLong", 2000]);
        if (!ModelState.IsValid)
        {
            Response.StatusCode = 400;
            return Page();
        }
        var (change, draft) = await store.SaveDraftAsync(studyId, Title!.Trim(), Preamble?.Trim() ?? "",
            written.Select(x => (x.s.Text!.Trim(), (IReadOnlyList<long>)x.s.ItemIds)).ToList(),
            string.IsNullOrWhiteSpace(ChangeNote) ? null : ChangeNote.Trim());
        if (change == VisionChange.Frozen) return Refuse(t["vision.error.frozen"]);
        Notice = t["vision.saved", draft!.Version];
        return Redirect($"/f/studies/{studyId}/vision");
    }

    public async Task<IActionResult> OnPostOpenReviewAsync(long studyId)
    {
        if (!await LoadAsync(studyId, null)) return NotFound();
        var (change, draft) = await store.OpenReviewAsync(studyId);
        if (change != VisionChange.Done) return Refuse(t["vision.review.error." + change, draft?.Version ?? 0]);
        Notice = t["vision.review.opened", draft!.Version];
        return Redirect($"/f/studies/{studyId}/vision");
    }

    public async Task<IActionResult> OnPostCloseReviewAsync(long studyId)
    {
        if (!await LoadAsync(studyId, null)) return NotFound();
        var (change, draft) = await store.CloseReviewAsync(studyId);
        if (change != VisionChange.Done) return Refuse(t["vision.review.error." + change, 0]);
        Notice = t["vision.review.closed", draft!.Version];
        return Redirect($"/f/studies/{studyId}/vision");
    }

    public async Task<IActionResult> OnPostFreezeAsync(long studyId)
    {
        if (!await LoadAsync(studyId, null)) return NotFound();
        ModelState.Clear();
        if (!ConfirmFreeze)
        {
            ModelState.AddModelError(nameof(ConfirmFreeze), t["vision.freeze.confirmRequired"]);
            Response.StatusCode = 400;
            return Page();
        }
        var keep = KeepStatement.Where(k => k.Value).ToDictionary(k => k.Key, k => KeepReason.GetValueOrDefault(k.Key) ?? "");
        var outcome = await vision.FreezeAsync(studyId, new FreezeDecisions(OverrideReason, keep));
        if (outcome.Blocker != FreezeBlocker.None) return Refuse(t["vision.freeze.blocker." + outcome.Blocker]);
        if (outcome.Refusal is { } refusal)
        {
            var field = refusal.Statement is { } n ? $"KeepReason[{n}]" : nameof(OverrideReason);
            ModelState.AddModelError(field, refusal.Code switch
            {
                FreezeRefusal.Codes.OrganisationsObject => t["review.freeze.objectionsBlock", string.Join(", ", outcome.Check.Objections.Select(o => o.Name))],
                FreezeRefusal.Codes.ReasonTooShort => t["review.freeze.reasonTooShort", FreezeDecisions.MinReasonLength],
                FreezeRefusal.Codes.ReasonTooLong => t["error.tooLong", FreezeDecisions.MaxReasonLength],
                _ => t["review.freeze.keepNotNeeded", refusal.Statement ?? 0],
            });
            Response.StatusCode = refusal.Status;
            return Page();
        }
        var document = outcome.Document!;
        Notice = outcome.Check.WithoutConsensus.Count(u => !keep.ContainsKey(u.Number)) is > 0 and var moved
            ? t["vision.frozen", document.DocumentHash] + " " + t["review.freeze.movedNotice", moved]
            : t["vision.frozen", document.DocumentHash];
        return Redirect($"/f/studies/{studyId}/vision");
    }

    private PageResult Refuse(string message)
    {
        ActionError = message;
        Response.StatusCode = 409;
        return Page();
    }

    private async Task<bool> LoadAsync(long studyId, int? version)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        Drafts = await store.DraftsAsync(studyId);
        AllItems = await items.ListAsync(studyId);
        Linked = await vision.LinkedItemsAsync(studyId);
        Document = await store.DocumentAsync(studyId);
        if (Document is not null) Frozen = FrozenVision.Parse(Document.CanonicalJson, Document.DocumentHash);
        var draft = version is { } v ? Drafts.FirstOrDefault(d => d.Version == v) : Drafts.LastOrDefault();
        if (version is not null && draft is null) return false;
        if (draft is not null) Shown = await vision.DescribeAsync(draft);
        Blocker = await vision.BlockerAsync(studyId);
        if (Document is null && Blocker == FreezeBlocker.None) Check = await vision.CheckAsync(studyId);
        return true;
    }
}
