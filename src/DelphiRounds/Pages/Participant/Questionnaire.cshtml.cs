using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Live;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Participant;

/// <summary>
/// The participant's questionnaire: one card per item with the answer form (works without script) and
/// the panel's aggregate, which the script keeps live.
/// </summary>
public sealed class QuestionnaireModel(
    StudyStore studies, RoundStore rounds, ItemStore items, AnswerStore answers, AnswerService answerService,
    LiveAggregates live, IStringLocalizer<Texts> t) : PageModel
{
    public Study Study { get; private set; } = null!;
    public StakeholderGroup Group { get; private set; } = null!;
    public IReadOnlyList<StakeholderGroup> Groups { get; private set; } = [];
    public Round? Round { get; private set; }
    public IReadOnlyList<(RoundItem RoundItem, Item Item)> Items { get; private set; } = [];
    public IReadOnlyDictionary<long, Answer> Mine { get; private set; } = new Dictionary<long, Answer>();
    public IReadOnlyDictionary<long, ItemStats> Stats { get; private set; } = new Dictionary<long, ItemStats>();
    public int Answered => Items.Count(i => Mine.ContainsKey(i.Item.Id));

    [TempData] public string? Notice { get; set; }

    public long? ErrorItemId { get; private set; }
    public string? ErrorField { get; private set; }
    public string? Error { get; private set; }
    public double? PostedValue { get; private set; }
    public string? PostedRationale { get; private set; }

    private Answerer Who => new(User.ParticipantId()!.Value, User.ParticipantStudyId()!.Value,
        long.Parse(User.FindFirst(Auth.GroupIdClaim)!.Value, System.Globalization.CultureInfo.InvariantCulture));

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAnswerAsync(long? itemId, string? value, string? rationale, string? idempotencyKey)
    {
        await LoadAsync();
        if (Round is null) return NotFound();
        double? parsed = null;
        if (!string.IsNullOrWhiteSpace(value))
        {
            if (double.TryParse(value.Replace(',', '.'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)) parsed = v;
            else return Refuse(itemId, 400, "value", t["answer.error.valueNotNumber"], null, rationale);
        }
        // The key comes from the page itself; a bad one means the form was tampered with, so nothing is saved.
        if (!string.IsNullOrEmpty(idempotencyKey) && !Trust.IdempotencyKeys.IsValid(idempotencyKey))
            return Refuse(itemId, 400, "idempotencyKey", t["trust.idempotencyKey.invalid"], null, rationale);
        var key = string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey;
        var result = await answerService.SubmitAsync(Who, Round.Id, new AnswerRequest { ItemId = itemId, Value = parsed, Rationale = rationale, IdempotencyKey = key });
        if (!result.Ok) return Refuse(itemId, result.Status, result.Field!, result.Message!, parsed, rationale);
        Notice = t["questionnaire.saved", Items.Select((e, i) => (e, i)).First(x => x.e.Item.Id == itemId).i + 1];
        return Redirect($"/p#item-{itemId}");
    }

    private PageResult Refuse(long? itemId, int status, string field, string message, double? value, string? rationale)
    {
        ErrorItemId = itemId;
        ErrorField = field;
        Error = message;
        PostedValue = value;
        PostedRationale = rationale;
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync()
    {
        var who = Who;
        Study = (await studies.FindAsync(who.StudyId))!;
        Groups = await studies.GroupsAsync(who.StudyId);
        Group = Groups.First(g => g.Id == who.GroupId);
        Round = await rounds.CurrentAsync(who.StudyId);
        if (Round is null) return;
        var byId = (await items.ListAsync(who.StudyId)).ToDictionary(i => i.Id);
        Items = (await rounds.ItemsAsync(Round.Id)).Select(ri => (ri, byId[ri.ItemId])).ToList();
        Mine = await answers.MineAsync(Round.Id, who.ParticipantId);
        Stats = (await live.SnapshotAsync(Round.Id) ?? []).ToDictionary(s => s.ItemId);
    }
}
