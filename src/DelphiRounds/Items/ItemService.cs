using DelphiRounds.Consensus;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;

namespace DelphiRounds.Items;

/// <summary>An item, or a refusal naming the field.</summary>
public sealed record ItemResult(Item? Item, int Status = 200, string? Field = null, string? Message = null)
{
    public static ItemResult Refused(int status, string field, string message) => new(null, status, field, message);
}

/// <summary>The questionnaire's rules: what makes a valid item, when wording may change, when an item may retire.</summary>
public sealed class ItemService(ItemStore items, IItemRounds rounds, IItemSettlement settlement, IIdeaSource ideaSource)
{
    public async Task<ItemResult> AddAsync(Study study, AddItemRequest r)
    {
        var text = r.Text!.ToText()!;
        var definition = r.Kind switch
        {
            ItemKinds.Rating => new ItemDefinition(ItemKinds.Rating, text, new RatingScale(r.Scale!.Min!.Value, r.Scale.Max!.Value),
                (r.Labels ?? []).ToDictionary(l => int.Parse(l.Key, System.Globalization.CultureInfo.InvariantCulture), l => l.Value.ToText()!)),
            ItemKinds.Numeric => new ItemDefinition(ItemKinds.Numeric, text, Unit: DisplayText.Strip(r.Unit)!.Trim(), RangeMin: r.RangeMin, RangeMax: r.RangeMax, ThreePoint: r.ThreePoint ?? false),
            ItemKinds.Year => new ItemDefinition(ItemKinds.Year, text, RangeMin: r.RangeMin, RangeMax: r.RangeMax),
            ItemKinds.Ranking => new ItemDefinition(ItemKinds.Ranking, text, Options: r.Options!.Select(o =>
                LocalizedText.From(o.Nl, o.En) is { } label ? new RankingOption(o.Key ?? Slug.From(label.Nl), label.Nl, label.En) : new RankingOption(o.Key ?? Slug.From(o.Nl!), o.Nl!.Trim(), o.Nl!.Trim())).ToList()),
            _ => new ItemDefinition(ItemKinds.Text, text),
        };
        definition = definition with { AllowDontKnow = r.AllowDontKnow, AskExpertise = r.AskExpertise == true };
        var sources = r.SourceAnswerIds?.Distinct().ToList() ?? [];
        if (sources.Count > 0)
        {
            var ideas = await ideaSource.IdeaIdsAsync(study.Id);
            var foreign = sources.FirstOrDefault(id => !ideas.Contains(id));
            if (foreign != 0) return ItemResult.Refused(404, "sourceAnswerIds", $"Answer {foreign} is not an idea from round 0 of this study.");
        }
        return new ItemResult(await items.AddAsync(study.Id, definition, sources));
    }

    /// <summary>Rewords an item between rounds; <paramref name="substantive"/>: the statement now means something else, its answers start a new series (see <see cref="ItemChange.Substantive"/>).</summary>
    public async Task<ItemResult> RewordAsync(Study study, long itemId, LocalizedText text, LocalizedText reason, bool substantive = false)
    {
        var item = await items.FindAsync(itemId);
        if (item is null || item.StudyId != study.Id) return ItemResult.Refused(404, "itemId", $"Study {study.Id} has no item {itemId}.");
        if (await rounds.IsAskedInOpenRoundAsync(study.Id, itemId))
            return ItemResult.Refused(409, "itemId", "The item is being asked in an open round; reword it after the round closes.");
        if (item.Text == text) return ItemResult.Refused(400, "text", "The new wording is the same as the current one.");
        var lastClosed = await rounds.LastClosedRoundNumberAsync(study.Id);
        await items.RewordAsync(item, text, reason, lastClosed, substantive);
        return new ItemResult(await items.FindAsync(itemId));
    }

    /// <summary>Before round 1 an item is edited, deleted or moved without a reason; after it, only rewording (with a reason) is left.</summary>
    private async Task<(Item? Item, ItemResult? Refusal)> BeforeRoundOneAsync(Study study, long itemId)
    {
        var item = await items.FindAsync(itemId);
        if (item is null || item.StudyId != study.Id) return (null, ItemResult.Refused(404, "itemId", $"Study {study.Id} has no item {itemId}."));
        if (!await rounds.BeforeRoundOneAsync(study.Id, itemId))
            return (null, ItemResult.Refused(409, "itemId", "Round 1 has opened or the item was asked: it can no longer be edited, deleted or moved freely; reword it between rounds with a reason."));
        return (item, null);
    }

    public async Task<ItemResult> EditAsync(Study study, long itemId, LocalizedText text)
    {
        var (item, refusal) = await BeforeRoundOneAsync(study, itemId);
        if (refusal is not null) return refusal;
        await items.EditTextAsync(item!.Id, text);
        return new ItemResult(await items.FindAsync(itemId));
    }

    /// <summary>
    /// "Don't know" and the expertise question, until the item is first asked (its answers would otherwise mean different
    /// things within one round). Absent fields keep their setting.
    /// </summary>
    public async Task<ItemResult> SetAnsweringAsync(Study study, long itemId, bool? allowDontKnow, bool? askExpertise)
    {
        var (item, refusal) = await BeforeRoundOneAsync(study, itemId);
        if (refusal is not null) return refusal;
        if (!ItemKinds.IsNumberLike(item!.Kind))
        {
            if (allowDontKnow == true) return ItemResult.Refused(422, "allowDontKnow", "Only rating, numeric and year items offer \"don't know\".");
            if (askExpertise == true) return ItemResult.Refused(422, "askExpertise", "Only rating, numeric and year items ask the expertise.");
        }
        await items.SetAnsweringAsync(item.Id, allowDontKnow ?? item.AllowDontKnow, askExpertise ?? item.AskExpertise);
        return new ItemResult(await items.FindAsync(itemId));
    }

    public async Task<ItemResult> DeleteAsync(Study study, long itemId)
    {
        var (item, refusal) = await BeforeRoundOneAsync(study, itemId);
        if (refusal is not null) return refusal;
        await items.DeleteAsync(item!.Id);
        return new ItemResult(item);
    }

    public async Task<ItemResult> MoveAsync(Study study, long itemId, bool up)
    {
        var (item, refusal) = await BeforeRoundOneAsync(study, itemId);
        if (refusal is not null) return refusal;
        if (!await rounds.BeforeRoundOneAsync(study.Id)) return ItemResult.Refused(409, "itemId", "Round 1 has opened: the order is fixed.");
        await items.MoveAsync(study.Id, item!.Id, up);
        return new ItemResult(await items.FindAsync(itemId));
    }

    public async Task<ItemResult> RetireAsync(Study study, long itemId)
    {
        var item = await items.FindAsync(itemId);
        if (item is null || item.StudyId != study.Id) return ItemResult.Refused(404, "itemId", $"Study {study.Id} has no item {itemId}.");
        if (item.IsRetired) return new ItemResult(item);
        if (await rounds.IsAskedInOpenRoundAsync(study.Id, itemId))
            return ItemResult.Refused(409, "itemId", "The item is being asked in an open round; retire it after the round closes.");
        if (await settlement.SettledInRoundAsync(study.Id, itemId) is not { } settledIn)
            return ItemResult.Refused(409, "itemId", "Only an item that reached consensus or stable dissent can be retired.");
        await items.RetireAsync(itemId, settledIn);
        return new ItemResult(await items.FindAsync(itemId));
    }
}
