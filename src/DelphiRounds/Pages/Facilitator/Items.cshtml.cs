using System.Globalization;
using DelphiRounds.Answers;
using DelphiRounds.Convergence;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// The questionnaire: items of every kind, rewording between rounds (with the reason participants will
/// see), retiring items that reached consensus or stable dissent, and turning round-0 ideas into items.
/// </summary>
public sealed class ItemsModel(
    StudyStore studies, ItemStore items, ItemService service, RoundStore rounds, AnswerStore answers, ConvergenceStore snapshots,
    IValidator<AddItemRequest> validator, IStringLocalizer<Texts> t) : StudyPageModel(studies)
{
    public IReadOnlyList<Item> List { get; private set; } = [];
    public IReadOnlyDictionary<long, string> Verdicts { get; private set; } = new Dictionary<long, string>();
    public ILookup<long, long> Sources { get; private set; } = Array.Empty<(long, long)>().ToLookup(x => x.Item1, x => x.Item2);
    public IReadOnlyList<CurrentAnswer> Ideas { get; private set; } = [];
    public Round? OpenRound { get; private set; }
    public IReadOnlySet<long> AskedNow { get; private set; } = new HashSet<long>();
    public long? RewordError { get; private set; }
    /// <summary>No numbered round has opened yet: items are edited, deleted and reordered freely (no reason asked).</summary>
    public bool BeforeRoundOne { get; private set; }
    /// <summary>Items asked in some round (round 0): those keep their wording even before round 1.</summary>
    public IReadOnlySet<long> EverAsked { get; private set; } = new HashSet<long>();
    public long? EditError { get; private set; }

    [BindProperty] public string Kind { get; set; } = ItemKinds.Rating;
    /// <summary>A rewording's kind: editorial (the series goes on) or substantive (a new series).</summary>
    [BindProperty] public string? Change { get; set; }
    [BindProperty] public string? TextNl { get; set; }
    [BindProperty] public string? TextEn { get; set; }
    [BindProperty] public int ScaleMax { get; set; } = 7;
    [BindProperty] public string? LowNl { get; set; }
    [BindProperty] public string? LowEn { get; set; }
    [BindProperty] public string? HighNl { get; set; }
    [BindProperty] public string? HighEn { get; set; }
    [BindProperty] public string? Unit { get; set; }
    [BindProperty] public string? RangeMin { get; set; }
    [BindProperty] public string? RangeMax { get; set; }
    [BindProperty] public bool ThreePoint { get; set; }
    [BindProperty] public string? OptionLines { get; set; }
    [BindProperty] public List<long> SourceAnswerIds { get; set; } = [];
    [BindProperty] public string? ReasonNl { get; set; }
    [BindProperty] public string? ReasonEn { get; set; }
    /// <summary>The item offers "don't know" (rating, numeric, year); not sent: the study's default (on for a citizen panel).</summary>
    [BindProperty] public bool? AllowDontKnow { get; set; }
    /// <summary>The item asks the self-rated expertise (1–5) with each answer (rating, numeric, year).</summary>
    [BindProperty] public bool? AskExpertise { get; set; }
    /// <summary>The item whose "don't know"/expertise form was refused (shown open, with the reason).</summary>
    public long? AnsweringError { get; private set; }

    public string? ErrorFor(string field) => ModelState.TryGetValue(field, out var e) && e.Errors.Count > 0 ? e.Errors[0].ErrorMessage : null;

    public async Task<IActionResult> OnGetAsync(long studyId) => await LoadAsync(studyId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        double? Number(string field, string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (double.TryParse(text.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
            ModelState.AddModelError(field, t["answer.error.valueNotNumber"]);
            return null;
        }
        var request = new AddItemRequest
        {
            Kind = Kind,
            Text = new TextRequest { Nl = TextNl, En = TextEn },
            Scale = Kind == ItemKinds.Rating ? new ScaleRequest { Min = 1, Max = ScaleMax } : null,
            Labels = Kind == ItemKinds.Rating ? new Dictionary<string, TextRequest>
            {
                ["1"] = Label(LowNl, LowEn, "Helemaal oneens", "Strongly disagree"),
                [ScaleMax.ToString(CultureInfo.InvariantCulture)] = Label(HighNl, HighEn, "Helemaal eens", "Strongly agree"),
            } : null,
            Unit = Kind == ItemKinds.Numeric ? Unit : null,
            RangeMin = Kind is ItemKinds.Numeric or ItemKinds.Year ? Number(nameof(RangeMin), RangeMin) : null,
            RangeMax = Kind is ItemKinds.Numeric or ItemKinds.Year ? Number(nameof(RangeMax), RangeMax) : null,
            ThreePoint = Kind == ItemKinds.Numeric && ThreePoint,
            Options = Kind == ItemKinds.Ranking
                ? (OptionLines ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(line => line.Split('|', 2, StringSplitOptions.TrimEntries))
                    .Select(p => new OptionRequest { Nl = p[0], En = p.Length > 1 && p[1].Length > 0 ? p[1] : null }).ToList()
                : null,
            SourceAnswerIds = SourceAnswerIds.Count > 0 ? SourceAnswerIds : null,
            // Only the kinds that offer them send them on: the boxes of a hidden fieldset mean nothing for a ranking or text item.
            AllowDontKnow = ItemKinds.IsNumberLike(Kind) ? AllowDontKnow : null,
            AskExpertise = ItemKinds.IsNumberLike(Kind) ? AskExpertise : null,
        };
        if (ModelState.IsValid)
        {
            var check = await validator.ValidateAsync(request);
            // The validator speaks to API clients in field names; the form says the same rule to a person, once per field.
            foreach (var field in check.Errors.Select(e => FormField(e.PropertyName)).Distinct())
                ModelState.AddModelError(field, PeopleMessage(field));
        }
        if (ModelState.IsValid)
        {
            var result = await service.AddAsync(Study, request);
            if (result.Item is not null)
            {
                Notice = request.Text?.HasDisplayControls == true ? $"{t["items.added"]} {t["notice.displayControlsRemoved"]}" : t["items.added"];
                return Redirect($"/f/studies/{studyId}/items");
            }
            ModelState.AddModelError(FormField(result.Field!), PeopleMessage(FormField(result.Field!)));
        }
        Response.StatusCode = 400;
        return Page();
    }

    public async Task<IActionResult> OnPostRewordAsync(long studyId, long itemId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(TextNl)) ModelState.AddModelError($"Reword{itemId}.TextNl", t["items.error.text"]);
        if (string.IsNullOrWhiteSpace(ReasonNl)) ModelState.AddModelError($"Reword{itemId}.ReasonNl", t["items.error.reason"]);
        foreach (var (field, value, max) in new[] { (nameof(TextNl), TextNl, ItemLimits.TextLength), (nameof(TextEn), TextEn, ItemLimits.TextLength),
                     (nameof(ReasonNl), ReasonNl, ItemLimits.ReasonLength), (nameof(ReasonEn), ReasonEn, ItemLimits.ReasonLength) })
            if (value is { } v && v.Length > max) ModelState.AddModelError($"Reword{itemId}.{field}", t["error.tooLong", max]);
        if (ModelState.IsValid)
        {
            var text = LocalizedText.From(TextNl, TextEn) ?? new LocalizedText(TextNl!.Trim(), TextNl.Trim());
            var reason = LocalizedText.From(ReasonNl, ReasonEn) ?? new LocalizedText(ReasonNl!.Trim(), ReasonNl.Trim());
            var result = await service.RewordAsync(Study, itemId, text, reason, Change == ItemChangeKinds.Substantive);
            if (result.Item is not null)
            {
                Notice = new[] { TextNl, TextEn, ReasonNl, ReasonEn }.Any(DisplayText.HasControls)
                    ? $"{t["items.reworded"]} {t["notice.displayControlsRemoved"]}" : t["items.reworded"];
                return Redirect($"/f/studies/{studyId}/items#item-{itemId}");
            }
            ModelState.AddModelError($"Reword{itemId}.TextNl", result.Message!);
        }
        RewordError = itemId;
        Response.StatusCode = 400;
        return Page();
    }

    public async Task<IActionResult> OnPostEditAsync(long studyId, long itemId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(TextNl) || TextNl.Length > ItemLimits.TextLength) ModelState.AddModelError($"Edit{itemId}.TextNl", t["items.error.textNl", ItemLimits.TextLength]);
        if (TextEn is { Length: > ItemLimits.TextLength }) ModelState.AddModelError($"Edit{itemId}.TextEn", t["error.tooLong", ItemLimits.TextLength]);
        if (ModelState.IsValid)
        {
            var text = LocalizedText.From(TextNl, TextEn) ?? new LocalizedText(TextNl!.Trim(), TextNl.Trim());
            var result = await service.EditAsync(Study, itemId, text);
            if (result.Item is not null)
            {
                Notice = t["items.edited"];
                return Redirect($"/f/studies/{studyId}/items#item-{itemId}");
            }
            if (result.Status == 404) return NotFound();
            ModelState.AddModelError($"Edit{itemId}.TextNl", t["items.error.afterRoundOne"]);
            Response.StatusCode = result.Status;
        }
        else Response.StatusCode = 400;
        EditError = itemId;
        return Page();
    }

    /// <summary>
    /// "Don't know" and the expertise question of one item, until it is first asked (round 1 opened or the item was
    /// asked: refused with 409, as the API refuses); the reason is shown next to the item's form.
    /// </summary>
    public async Task<IActionResult> OnPostAnsweringAsync(long studyId, long itemId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        var result = await service.SetAnsweringAsync(Study, itemId, AllowDontKnow ?? false, AskExpertise ?? false);
        if (result.Status == 404) return NotFound();
        if (result.Item is not null)
        {
            Notice = t["items.answering.saved"];
            return Redirect($"/f/studies/{studyId}/items#item-{itemId}");
        }
        ModelState.AddModelError($"Answering{itemId}", result.Status == 409 ? t["items.error.answeringAfterRoundOne"] : t["items.error.answeringKind"]);
        Response.StatusCode = result.Status;
        AnsweringError = itemId;
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(long studyId, long itemId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var result = await service.DeleteAsync(Study, itemId);
        if (result.Status == 404) return NotFound();
        if (result.Item is null)
        {
            ModelState.AddModelError($"Retire{itemId}", t["items.error.afterRoundOne"]);
            Response.StatusCode = result.Status;
            return Page();
        }
        Notice = t["items.deleted", result.Item.Text.For(LanguageSetup.IsEnglish)];
        return Redirect($"/f/studies/{studyId}/items");
    }

    public async Task<IActionResult> OnPostMoveAsync(long studyId, long itemId, string? direction)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var result = await service.MoveAsync(Study, itemId, up: direction != "down");
        if (result.Status == 404) return NotFound();
        if (result.Item is null)
        {
            ModelState.AddModelError($"Retire{itemId}", t["items.error.afterRoundOne"]);
            Response.StatusCode = result.Status;
            return Page();
        }
        return Redirect($"/f/studies/{studyId}/items#item-{itemId}");
    }

    public async Task<IActionResult> OnPostRetireAsync(long studyId, long itemId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        var result = await service.RetireAsync(Study, itemId);
        if (result.Item is null)
        {
            ModelState.AddModelError($"Retire{itemId}", result.Message!);
            Response.StatusCode = result.Status;
            return Page();
        }
        Notice = t["items.retired"];
        return Redirect($"/f/studies/{studyId}/items#item-{itemId}");
    }

    /// <summary>The form field an API field name belongs to.</summary>
    /// <summary>What a person reads next to a field of the add-question form that was refused, in the page's language.</summary>
    private string PeopleMessage(string field) => field switch
    {
        nameof(TextNl) => t["items.error.textNl", ItemLimits.TextLength],
        nameof(TextEn) => t["error.tooLong", ItemLimits.TextLength],
        nameof(ScaleMax) => t["items.error.scaleLabels"],
        nameof(Unit) => t["items.error.unit"],
        nameof(RangeMin) => Kind == ItemKinds.Year ? t["items.error.yearMin"] : t["items.error.rangeMin"],
        nameof(RangeMax) => Kind == ItemKinds.Year ? t["items.error.yearMax"] : t["items.error.rangeMax"],
        nameof(OptionLines) => t["items.error.options"],
        nameof(SourceAnswerIds) => t["items.error.sources"],
        nameof(AllowDontKnow) or nameof(AskExpertise) => t["items.error.answeringKind"],
        _ => t["items.error.kind"],
    };

    private static string FormField(string apiField) => apiField switch
    {
        "text" or "text.nl" => nameof(TextNl),
        "text.en" => nameof(TextEn),
        "scale" or "labels" => nameof(ScaleMax),
        "unit" => nameof(Unit),
        "rangeMin" => nameof(RangeMin),
        "rangeMax" => nameof(RangeMax),
        "options" => nameof(OptionLines),
        "sourceAnswerIds" => nameof(SourceAnswerIds),
        "allowDontKnow" => nameof(AllowDontKnow),
        "askExpertise" => nameof(AskExpertise),
        _ => nameof(Kind),
    };

    private static TextRequest Label(string? nl, string? en, string defaultNl, string defaultEn) =>
        string.IsNullOrWhiteSpace(nl)
            ? new TextRequest { Nl = defaultNl, En = string.IsNullOrWhiteSpace(en) ? defaultEn : en }
            : new TextRequest { Nl = nl, En = en };

    private async Task<bool> LoadAsync(long studyId)
    {
        if (!await LoadStudyAsync(studyId)) return false;
        List = await items.ListAsync(studyId);
        var all = await rounds.ListAsync(studyId);
        OpenRound = all.FirstOrDefault(r => r.IsOpen);
        AskedNow = OpenRound is null ? new HashSet<long>() : (await rounds.ItemsAsync(OpenRound.Id)).Select(i => i.ItemId).ToHashSet();
        BeforeRoundOne = !all.Any(r => !r.IsIdeas && r.State != RoundStates.Draft);
        var asked = new HashSet<long>();
        foreach (var r in all.Where(r => r.State != RoundStates.Draft))
            asked.UnionWith((await rounds.ItemsAsync(r.Id)).Select(i => i.ItemId));
        EverAsked = asked;
        var closed = all.Where(r => r.State == RoundStates.Closed).ToDictionary(r => r.Id, r => r.Number);
        Verdicts = (await snapshots.ForStudyAsync(studyId)).GroupBy(s => s.ItemId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(s => closed.GetValueOrDefault(s.RoundId)).First().Verdict);
        Sources = await items.SourcesAsync(studyId);
        if (all.FirstOrDefault(r => r.IsIdeas && r.State != RoundStates.Draft) is { } ideas)
            Ideas = (await answers.CurrentAsync(ideas.Id)).Where(a => a.Detail?.Text is not null).ToList();
        return true;
    }
}
