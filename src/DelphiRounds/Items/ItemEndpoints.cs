using DelphiRounds.Accounts;
using DelphiRounds.Consensus;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Items;

public sealed record TextRequest
{
    public string? Nl { get; init; }
    public string? En { get; init; }

    /// <summary>Both languages, English falling back to Dutch; null when no Dutch text was given.</summary>
    public LocalizedText? ToText() => LocalizedText.From(Nl, En);

    /// <summary>True when the text holds direction or zero-width characters, which <see cref="ToText"/> removes.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasDisplayControls => DisplayText.HasControls(Nl) || DisplayText.HasControls(En);
}

public sealed record ScaleRequest
{
    public int? Min { get; init; }
    public int? Max { get; init; }
}

public sealed record OptionRequest
{
    /// <summary>Stable key used in answers and exports, e.g. <c>municipality</c>.</summary>
    public string? Key { get; init; }
    public string? Nl { get; init; }
    public string? En { get; init; }
}

public sealed record AddItemRequest
{
    /// <summary>Item kind: <c>rating</c>, <c>numeric</c>, <c>year</c>, <c>ranking</c> or <c>text</c>.</summary>
    public string? Kind { get; init; }
    /// <summary>The statement or question in Dutch and English (English falls back to Dutch).</summary>
    public TextRequest? Text { get; init; }
    /// <summary>Rating: the scale, 1–5 or 1–7.</summary>
    public ScaleRequest? Scale { get; init; }
    /// <summary>Rating: labels of scale points, e.g. <c>{"1": {"nl": "Helemaal oneens", "en": "Strongly disagree"}}</c>.</summary>
    public Dictionary<string, TextRequest>? Labels { get; init; }
    /// <summary>Numeric: the unit, e.g. <c>%</c> or <c>PJ/jaar</c>.</summary>
    public string? Unit { get; init; }
    /// <summary>Numeric and year: the smallest allowed answer.</summary>
    public double? RangeMin { get; init; }
    /// <summary>Numeric and year: the largest allowed answer.</summary>
    public double? RangeMax { get; init; }
    /// <summary>Numeric: ask a low / most likely / high estimate.</summary>
    public bool? ThreePoint { get; init; }
    /// <summary>Ranking: the options (2 to 10).</summary>
    public List<OptionRequest>? Options { get; init; }
    /// <summary>Round-0 ideas (answer ids) this item merges.</summary>
    public List<long>? SourceAnswerIds { get; init; }
    /// <summary>Rating, numeric, year: participants may answer "don't know" (counted apart, never in the statistics). Default: on when the study is a citizen panel.</summary>
    public bool? AllowDontKnow { get; init; }
    /// <summary>Rating, numeric, year: ask an optional self-rated expertise 1–5 with each answer. Default off.</summary>
    public bool? AskExpertise { get; init; }
}

/// <summary>How an item is answered: "don't know" allowed, expertise asked. Editable until the item is first asked.</summary>
public sealed record ItemAnsweringRequest
{
    /// <summary>Participants may answer "don't know" (rating, numeric and year items).</summary>
    public bool? AllowDontKnow { get; init; }
    /// <summary>Ask an optional self-rated expertise 1–5 (rating, numeric and year items).</summary>
    public bool? AskExpertise { get; init; }
}

public sealed record RewordItemRequest
{
    /// <summary>The new wording.</summary>
    public TextRequest? Text { get; init; }
    /// <summary>What changed and why — shown to participants as the item's changelog.</summary>
    public TextRequest? Reason { get; init; }
    /// <summary>
    /// <c>substantive</c>: the statement now means something else, so its answers start a new series (no stability against
    /// the old wording); <c>editorial</c> (the default): typos or clearer words, the comparisons go on.
    /// </summary>
    public string? Change { get; init; }
}

public sealed record ItemResponse(
    long Id, int Position, string Kind, LocalizedText Text, RatingScale? Scale, IReadOnlyDictionary<int, LocalizedText> Labels,
    string? Unit, double? RangeMin, double? RangeMax, bool ThreePoint, IReadOnlyList<RankingOption> Options, int? RetiredAfterRound)
{
    /// <summary>Participants may answer "don't know".</summary>
    public bool AllowDontKnow { get; init; }
    /// <summary>The answer comes with an optional self-rated expertise 1–5.</summary>
    public bool AskExpertise { get; init; }

    /// <summary>Set when the item was stored other than sent: direction or zero-width characters were removed from its texts.</summary>
    public string? Notice { get; init; }

    public static ItemResponse From(Item i) => new(i.Id, i.Position, i.Kind, i.Text, i.Scale, i.Labels,
        i.Unit, i.RangeMin, i.RangeMax, i.ThreePoint, i.Options, i.RetiredAfterRound)
    {
        AllowDontKnow = i.OffersDontKnow,
        AskExpertise = i.AsksExpertise,
    };
}

public sealed class AddItemRequestValidator : DocumentedValidator<AddItemRequest>
{
    public AddItemRequestValidator()
    {
        RuleFor(i => i.Kind).NotEmpty().OneOf(ItemKinds.All)
            .WithMessage(i => $"kind: '{i.Kind}' is not an item kind; use one of {string.Join(", ", ItemKinds.All)}.");
        RuleFor(i => i.Text).NotNull().SetValidator(new TextRequestValidator(ItemLimits.TextLength, dutchRequired: true));

        When("kind is rating", i => i.Kind == ItemKinds.Rating, () =>
        {
            RuleFor(i => i.Scale).NotNull()
                .Holds("ratingScale", "a rating scale runs from 1 to 5 or from 1 to 7 (min 1, max 5 or 7)", s => s is { Min: 1, Max: 5 or 7 })
                .WithMessage("scale: a rating scale runs from 1 to 5 or from 1 to 7.");
            RuleForEach(i => i.Labels)
                .Holds("labelOfScalePoint", "each label's key is a point of the scale (scale.min to scale.max) and its value has a Dutch text (nl) of 1 to 100 characters and an English text (en) of at most 100",
                    (i, label) => label.Value is not null && int.TryParse(label.Key, out var point) && i.Scale is { Min: { } min, Max: { } max } && point >= min && point <= max
                                  && !string.IsNullOrWhiteSpace(label.Value.Nl) && label.Value.Nl.Length <= 100 && (label.Value.En?.Length ?? 0) <= 100, "scale")
                .WithMessage("labels: each label belongs to a point of the scale and has a Dutch text of at most 100 characters.");
        });
        When("kind is ranking or text", i => i.Kind is not null && !ItemKinds.IsNumberLike(i.Kind), () =>
        {
            RuleFor(i => i.AllowDontKnow).Holds("noDontKnow", "only rating, numeric and year items offer \"don't know\"", v => v != true)
                .WithMessage("allowDontKnow: only rating, numeric and year items offer \"don't know\".");
            RuleFor(i => i.AskExpertise).Holds("noExpertise", "only rating, numeric and year items ask the expertise", v => v != true)
                .WithMessage("askExpertise: only rating, numeric and year items ask the expertise.");
        });
        When("kind is numeric", i => i.Kind == ItemKinds.Numeric, () =>
        {
            RuleFor(i => i.Unit).NotEmpty().MaximumLength(20);
            RuleFor(i => i.RangeMin).NotNull().Holds("finite", "a finite number", v => v is null || double.IsFinite(v.Value));
            RuleFor(i => i.RangeMax).NotNull().Holds("finite", "a finite number", v => v is null || double.IsFinite(v.Value));
            When("rangeMin is given", i => i.RangeMin is not null, () =>
                RuleFor(i => i.RangeMax).GreaterThan(i => i.RangeMin)
                    .WithMessage("rangeMax: the largest allowed answer must be above rangeMin."));
        });
        When("kind is year", i => i.Kind == ItemKinds.Year, () =>
        {
            RuleFor(i => i.RangeMin).NotNull().InclusiveBetween(1900, 2200).Holds("wholeNumber", "a whole number", v => v == Math.Floor(v ?? 0))
                .WithMessage("rangeMin: a whole year from 1900 to 2200.");
            RuleFor(i => i.RangeMax).NotNull().InclusiveBetween(1900, 2200).Holds("wholeNumber", "a whole number", v => v == Math.Floor(v ?? 0))
                .WithMessage("rangeMax: a whole year from 1900 to 2200.");
            When("rangeMin is given", i => i.RangeMin is not null, () =>
                RuleFor(i => i.RangeMax).GreaterThan(i => i.RangeMin));
        });
        When("kind is ranking", i => i.Kind == ItemKinds.Ranking, () =>
        {
            RuleFor(i => i.Options).NotNull().Count(2, 10)
                .WithMessage("options: a ranking has 2 to 10 options.");
            RuleForEach(i => i.Options)
                .Holds("rankingOption", "each option has a Dutch label (nl) of 1 to 200 characters, an English label (en) of at most 200 and, if given, a key of at most 60 lowercase letters, digits and single dashes",
                    o => o is not null && !string.IsNullOrWhiteSpace(o.Nl) && o.Nl.Length <= 200 && (o.En?.Length ?? 0) <= 200
                         && (o.Key is null || o.Key.Length <= 60 && System.Text.RegularExpressions.Regex.IsMatch(o.Key, "^[a-z0-9]+(-[a-z0-9]+)*$")))
                .WithMessage("options: each option has a Dutch label of at most 200 characters and, if given, a key of at most 60 lowercase letters, digits and dashes.");
            RuleFor(i => i.Options)
                .Holds("uniqueKeys", "no two options have the same key (an option without a key has the slug of its Dutch label as key)",
                    o => o is null || o.Any(x => x is null) || o.Select(x => x.Key ?? Slug.From(x.Nl ?? "")).Distinct().Count() == o.Count)
                .WithMessage("options: two options have the same key.");
        });
    }
}

/// <summary>
/// A text in Dutch and English (<c>{nl, en}</c>) for one use: Dutch required (or not), both at most <c>maxLength</c>
/// characters. Internal, so the assembly scan does not register it: its limits differ per use, and the OpenAPI document
/// carries them at the property that uses it (<c>allOf</c> of <c>TextRequest</c> and the limits).
/// </summary>
internal sealed class TextRequestValidator : AbstractValidator<TextRequest?>
{
    public TextRequestValidator(int maxLength, bool dutchRequired)
    {
        if (dutchRequired) RuleFor(t => t!.Nl).NotEmpty().MaximumLength(maxLength);
        else RuleFor(t => t!.Nl).MaximumLength(maxLength);
        RuleFor(t => t!.En).MaximumLength(maxLength);
    }
}

/// <summary>How much a rewording changes an item: whether its answers before and after are one series.</summary>
public static class ItemChangeKinds
{
    public const string Substantive = "substantive";
    public const string Editorial = "editorial";
}

public sealed class RewordItemRequestValidator : AbstractValidator<RewordItemRequest>
{
    public RewordItemRequestValidator()
    {
        RuleFor(r => r.Text).NotNull().SetValidator(new TextRequestValidator(ItemLimits.TextLength, dutchRequired: true));
        RuleFor(r => r.Reason).NotNull().WithMessage("reason: say what changed and why; participants see it.")
            .SetValidator(new TextRequestValidator(ItemLimits.ReasonLength, dutchRequired: true));
        RuleFor(r => r.Change).OneOf([ItemChangeKinds.Substantive, ItemChangeKinds.Editorial])
            .WithMessage("change: say 'substantive' (the statement means something else: a new series) or 'editorial' (typos, clearer words).");
    }
}

/// <summary>Sizes of an item's texts (the statement, and the reason of a rewording).</summary>
public static class ItemLimits
{
    public const int TextLength = 1000;
    public const int ReasonLength = 500;
}

/// <summary>Questionnaire items in the JSON API (facilitator).</summary>
public static class ItemEndpoints
{
    public static IServiceCollection AddItems(this IServiceCollection services) => services.AddSingleton<ItemService>();

    public static void MapItems(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/items").WithTags("Items").RequireAuthorization(Auth.FacilitatorApi);
        api.MapPost("/", AddAsync).Validate<AddItemRequest>().WithSummary("Add an item to the questionnaire (any kind).");
        api.MapGet("/", ListAsync).WithSummary("The study's items.");
        api.MapPost("/{itemId:long}/reword", RewordAsync).Validate<RewordItemRequest>().Refuses(409)
            .WithSummary("Reword an item between rounds; the reason becomes its changelog, shown to participants.");
        api.MapPost("/{itemId:long}/retire", RetireAsync).Refuses(409)
            .WithSummary("Retire an item that reached consensus or stable dissent: later rounds no longer ask it.");
        api.MapPut("/{itemId:long}/answering", AnsweringAsync).Refuses(409, 422)
            .WithSummary("Say whether an item allows \"don't know\" and asks the self-rated expertise (until the item is first asked).");
        api.MapGet("/changelog", ChangelogAsync).WithSummary("Every wording change with its reason.");
    }

    private static async Task<Results<Created<ItemResponse>, ProblemHttpResult>> AddAsync(
        long studyId, AddItemRequest request, HttpContext context, StudyStore studies, ItemService service)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var result = await service.AddAsync(study, request);
        return result.Item is { } item
            ? TypedResults.Created($"/api/v1/studies/{studyId}/items/{item.Id}", ItemResponse.From(item) with { Notice = StrippedNotice(request) })
            : Problems.Field(result.Status, result.Field!, result.Message!);
    }

    private static async Task<Results<Ok<IReadOnlyList<ItemResponse>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, ItemStore items)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok<IReadOnlyList<ItemResponse>>((await items.ListAsync(studyId)).Select(ItemResponse.From).ToList());
    }

    private static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> RewordAsync(
        long studyId, long itemId, RewordItemRequest request, HttpContext context, StudyStore studies, ItemService service)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var result = await service.RewordAsync(study, itemId, request.Text!.ToText()!, request.Reason!.ToText()!, request.Change == ItemChangeKinds.Substantive);
        return result.Item is { } item
            ? TypedResults.Ok(ItemResponse.From(item) with { Notice = request.Text!.HasDisplayControls || request.Reason!.HasDisplayControls ? DisplayText.StrippedNotice("text") : null })
            : Problems.Field(result.Status, result.Field!, result.Message!);
    }

    private static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> AnsweringAsync(
        long studyId, long itemId, ItemAnsweringRequest request, HttpContext context, StudyStore studies, ItemService service)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var result = await service.SetAnsweringAsync(study, itemId, request.AllowDontKnow, request.AskExpertise);
        return result.Item is { } item ? TypedResults.Ok(ItemResponse.From(item)) : Problems.Field(result.Status, result.Field!, result.Message!);
    }

    private static string? StrippedNotice(AddItemRequest r) =>
        r.Text!.HasDisplayControls || (r.Labels?.Values.Any(l => l.HasDisplayControls) ?? false)
        || (r.Options?.Any(o => DisplayText.HasControls(o.Nl) || DisplayText.HasControls(o.En)) ?? false) || DisplayText.HasControls(r.Unit)
            ? DisplayText.StrippedNotice("text")
            : null;

    private static async Task<Results<Ok<ItemResponse>, ProblemHttpResult>> RetireAsync(
        long studyId, long itemId, HttpContext context, StudyStore studies, ItemService service)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var result = await service.RetireAsync(study, itemId);
        return result.Item is { } item ? TypedResults.Ok(ItemResponse.From(item)) : Problems.Field(result.Status, result.Field!, result.Message!);
    }

    private static async Task<Results<Ok<IReadOnlyList<ItemChange>>, ProblemHttpResult>> ChangelogAsync(
        long studyId, HttpContext context, StudyStore studies, ItemStore items)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await items.ChangesAsync(studyId));
    }
}
