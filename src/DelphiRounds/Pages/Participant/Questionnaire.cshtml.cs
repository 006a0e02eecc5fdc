using System.Globalization;
using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Arguments;
using DelphiRounds.Convergence;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Live;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Pages.Participant;

/// <summary>Everything one item's card shows a participant.</summary>
public sealed record ItemCard(
    int Number, RoundItem Asked, Item Item, Answer? Mine, Answer? PreviousMine, ItemStats? Previous, ItemStats? Current,
    IReadOnlyList<(Argument Argument, ArgumentSide Side)> Arguments, bool MaySeeCurrent);

/// <summary>
/// The participant's questionnaire: one card per item with the answer form (works without script),
/// the previous round's outcome beside their own previous answer, the arguments for and against, and —
/// as the round's mode allows — the panel's current answer, which the script keeps live.
/// </summary>
public sealed class QuestionnaireModel(
    StudyStore studies, RoundStore rounds, ItemStore items, AnswerStore answers, AnswerService answerService,
    ArgumentStore arguments, ConvergenceStore snapshots, LiveAggregates live, LiveAccess access,
    IOptions<LiveOptions> liveOptions, IStringLocalizer<Texts> t, StudyDocumentStore documents, Agenda.ReflectionService reflections) : PageModel
{
    /// <summary>In a reflection round (issue 21): per item, the signed target and the measured values of its indicators.</summary>
    public IReadOnlyDictionary<long, Agenda.ReflectionContext> Reflection { get; private set; } = new Dictionary<long, Agenda.ReflectionContext>();

    /// <summary>The background documents the facilitator gives the panel to read (withdrawn ones are not shown).</summary>
    public IReadOnlyList<StudyDocument> Documents { get; private set; } = [];

    public Study Study { get; private set; } = null!;
    public StakeholderGroup Group { get; private set; } = null!;
    public IReadOnlyList<StakeholderGroup> Groups { get; private set; } = [];
    public Round? Round { get; private set; }
    public Round? PreviousRound { get; private set; }
    public IReadOnlyList<ItemCard> Cards { get; private set; } = [];
    public int Answered => Cards.Count(c => c.Mine is not null);

    [TempData] public string? Notice { get; set; }
    /// <summary>Set after saving an answer outside the previous round's middle half without a reason: ask for one.</summary>
    [TempData] public string? AskReasonFor { get; set; }

    public long? ErrorItemId { get; private set; }
    public string? ErrorField { get; private set; }

    /// <summary>The rationale was not stored because it seems to name its author; the form offers to publish it as written.</summary>
    public bool RationaleWarned { get; private set; }
    public string? Error { get; private set; }
    public IFormCollection? Posted { get; private set; }

    private Answerer Who => new(User.ParticipantId()!.Value, User.ParticipantStudyId()!.Value,
        long.Parse(User.FindFirst(Auth.GroupIdClaim)!.Value, CultureInfo.InvariantCulture));

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    /// <summary>Downloads a background document of the participant's study, while it is shown.</summary>
    public async Task<IActionResult> OnGetDocumentAsync(long documentId)
    {
        var studyId = Who.StudyId;
        if (await documents.FindAsync(studyId, documentId) is not { Shown: true } document
            || await documents.ContentAsync(studyId, documentId) is not { } bytes)
            return NotFound();
        return File(bytes, document.ContentType, document.FileName);
    }

    public async Task<IActionResult> OnPostAnswerAsync(long? itemId, string? idempotencyKey)
    {
        await LoadAsync();
        if (Round is null) return NotFound();
        var form = Request.Form;
        var card = Cards.FirstOrDefault(c => c.Item.Id == itemId);
        if (card is null) return Refuse(itemId, 404, "itemId", t["answer.error.itemUnknown", itemId ?? 0, Round.Number]);

        double? Number(string field, out string? problem)
        {
            problem = TypedNumbers.TryRead(form[field].ToString(), out var v) ? null : t["answer.error.valueNotNumber"].Value;
            return v;
        }
        // "Don't know": on a rating the last radio of the scale (Value=dontknow), on a number a checkbox (DontKnow=true).
        var ratingDontKnow = form["Value"] == DontKnowValue;
        var dontKnow = ratingDontKnow || form["DontKnow"] == "true";
        double? value = null;
        string? valueProblem = null;
        if (!ratingDontKnow) value = Number("Value", out valueProblem);
        if (valueProblem is not null) return Refuse(itemId, 400, "value", valueProblem);
        var low = Number("Low", out var lowProblem);
        if (lowProblem is not null) return Refuse(itemId, 400, "low", lowProblem);
        var high = Number("High", out var highProblem);
        if (highProblem is not null) return Refuse(itemId, 400, "high", highProblem);
        Dictionary<string, double>? ranks = null;
        if (card.Item.Kind == ItemKinds.Ranking)
        {
            ranks = [];
            foreach (var option in card.Item.Options)
            {
                var raw = form[$"Ranks[{option.Key}]"].ToString();
                if (int.TryParse(raw, out var rank)) ranks[option.Key] = rank;
            }
        }
        // The key comes from the page itself; a bad one means the form was tampered with, and the answer rules refuse it.
        var key = string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey;
        var request = new AnswerRequest
        {
            ItemId = itemId, Value = value, Low = low, High = high, Ranks = ranks,
            Text = form["Text"].ToString() is { Length: > 0 } text ? text : null,
            Rationale = form["Rationale"].ToString() is { Length: > 0 } why ? why : null,
            IdempotencyKey = key,
            PublishAnyway = form["PublishAnyway"] == "true",
            DontKnow = dontKnow ? true : null,
            Expertise = int.TryParse(form["Expertise"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var expertise) ? expertise : null,
        };
        var result = await answerService.SubmitAsync(Who, Round.Id, request);
        if (!result.Ok)
        {
            // A rationale that seems to name its author: warned, with the choice to publish it as written.
            RationaleWarned = result.Warnings.Count > 0;
            return Refuse(itemId, result.Status, result.Field!, result.Message!);
        }

        Notice = result.Stripped.Count > 0 ? $"{t["questionnaire.saved", card.Number]} {t["notice.displayControlsRemoved"]}" : t["questionnaire.saved", card.Number];
        // Moving outside the middle half of the previous round: ask (not require) for the reason.
        if (request.Rationale is null && value is { } v && card.Previous?.Overall is { Q1: { } q1, Q3: { } q3 } && (v < q1 || v > q3))
        {
            AskReasonFor = card.Item.Id.ToString(CultureInfo.InvariantCulture);
            return Redirect($"/p#item-{itemId}-why");
        }
        return Redirect($"/p#item-{itemId}");
    }

    /// <summary>Marks another participant's argument as convincing (or takes the mark back).</summary>
    public async Task<IActionResult> OnPostConvincingAsync(long answerId, long itemId)
    {
        var who = Who;
        var owner = await arguments.OwnerAsync(answerId);
        // The item comes along only to return to it; a form whose item is not the argument's was not made by this page.
        if (owner is not { } o || o.StudyId != who.StudyId || o.ParticipantId == who.ParticipantId || o.ItemId != itemId) return NotFound();
        var marked = await arguments.ToggleMarkAsync(answerId, who.ParticipantId);
        Notice = t[marked ? "arguments.marked" : "arguments.unmarked"];
        return Redirect($"/p#item-{itemId}-arguments");
    }

    private PageResult Refuse(long? itemId, int status, string field, string message)
    {
        ErrorItemId = itemId;
        ErrorField = field;
        Error = message;
        Posted = Request.Form;
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync()
    {
        var who = Who;
        Study = (await studies.FindAsync(who.StudyId))!;
        Groups = await studies.GroupsAsync(who.StudyId);
        Group = Groups.First(g => g.Id == who.GroupId);
        Documents = (await documents.ListAsync(who.StudyId)).Where(d => d.Shown).ToList();
        Round = await rounds.CurrentAsync(who.StudyId);
        if (Round is null) return;
        Reflection = await reflections.ContextAsync(Round.Id);

        var minGroup = liveOptions.Value.MinGroupAnswersShown;
        var byId = (await items.ListAsync(who.StudyId)).ToDictionary(i => i.Id);
        var mine = await answers.MineAsync(Round.Id, who.ParticipantId);
        var maySee = await access.ParticipantMaySeeAsync(Round, who.ParticipantId);
        var current = (await live.SnapshotAsync(Round.Id, Round.State == RoundStates.Closed) ?? []).ToDictionary(s => s.ItemId);
        // This round's arguments are shown like its aggregates: not at all in an open classic round,
        // in a blind round only for items already answered (filtered per item below).
        var currentArguments = Round.IsOpen && Round.Mode == RoundModes.Classic
            ? [] : await arguments.ForRoundAsync(Round.Id, who.ParticipantId);

        PreviousRound = Round.IsIdeas ? null : (await rounds.ListAsync(who.StudyId))
            .Where(r => r.Kind == RoundKinds.Rating && r.State == RoundStates.Closed && r.Number < Round.Number)
            .OrderByDescending(r => r.Number).FirstOrDefault();
        IReadOnlyDictionary<long, Answer> previousMine = new Dictionary<long, Answer>();
        IReadOnlyDictionary<long, RoundSnapshot> previousSnapshots = new Dictionary<long, RoundSnapshot>();
        IReadOnlyList<Argument> previousArguments = [];
        if (PreviousRound is not null)
        {
            previousMine = await answers.MineAsync(PreviousRound.Id, who.ParticipantId);
            previousSnapshots = (await snapshots.ForRoundAsync(PreviousRound.Id)).ToDictionary(s => s.ItemId);
            previousArguments = await arguments.ForRoundAsync(PreviousRound.Id, who.ParticipantId);
        }

        var cards = new List<ItemCard>();
        foreach (var asked in await rounds.ItemsAsync(Round.Id))
        {
            var item = byId[asked.ItemId];
            var previous = previousSnapshots.TryGetValue(item.Id, out var snap) ? SnapshotStats.From(item, snap, minGroup) : null;
            var visibleNow = maySee(item.Id);
            var now = visibleNow ? current.GetValueOrDefault(item.Id) : null;
            // Arguments: those of the previous round (feedback), and this round's as far as the mode shows them.
            var median = previous?.Overall.Median ?? now?.Overall.Median;
            var args = previousArguments.Where(a => a.ItemId == item.Id)
                .Concat(visibleNow ? currentArguments.Where(a => a.ItemId == item.Id) : [])
                .Where(a => a.ParticipantId != who.ParticipantId)
                .Select(a => (a, ArgumentSides.Of(item, a.Value, median)))
                .ToList();
            // The item's own number, the same on every page (convergence, vision, signing), not its place among this round's cards.
            cards.Add(new ItemCard(item.Position, asked, item, mine.GetValueOrDefault(item.Id), previousMine.GetValueOrDefault(item.Id),
                previous, now, args, visibleNow));
        }
        Cards = cards;
    }

    /// <summary>A posted form value to show again after a refusal, else the saved answer's.</summary>
    public string? Redisplay(ItemCard card, string field, string? saved) =>
        ErrorItemId == card.Item.Id && Posted is not null ? Posted[field].ToString() : saved;

    /// <summary>The value of the "don't know" radio of a rating scale.</summary>
    public const string DontKnowValue = "dontknow";

    public static string Show(double? v) => v?.ToString("0.###", CultureInfo.CurrentCulture) ?? "";
}
