using DelphiRounds.Accounts;
using DelphiRounds.Consensus;
using DelphiRounds.Hosting;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Items;

public sealed record TextRequest
{
    public string? Nl { get; init; }
    public string? En { get; init; }
}

public sealed record ScaleRequest
{
    public int? Min { get; init; }
    public int? Max { get; init; }
}

public sealed record AddItemRequest
{
    /// <summary>Item kind: <c>rating</c>.</summary>
    public string? Kind { get; init; }
    /// <summary>The statement in Dutch and English (English falls back to Dutch).</summary>
    public TextRequest? Text { get; init; }
    /// <summary>Rating scale: 1–5 or 1–7.</summary>
    public ScaleRequest? Scale { get; init; }
    /// <summary>Labels of scale points, e.g. <c>{"1": {"nl": "Helemaal oneens", "en": "Strongly disagree"}}</c>.</summary>
    public Dictionary<string, TextRequest>? Labels { get; init; }
}

public sealed record ItemResponse(long Id, int Position, string Kind, LocalizedText Text, RatingScale? Scale, IReadOnlyDictionary<int, LocalizedText> Labels)
{
    public static ItemResponse From(Item i) => new(i.Id, i.Position, i.Kind, i.Text, i.Scale, i.Labels);
}

public sealed class AddItemRequestValidator : AbstractValidator<AddItemRequest>
{
    public AddItemRequestValidator()
    {
        RuleFor(i => i.Kind).NotEmpty().Must(k => ItemKinds.All.Contains(k))
            .WithMessage(i => $"kind: '{i.Kind}' is not an item kind; use one of {string.Join(", ", ItemKinds.All)}.");
        RuleFor(i => i.Text).NotNull();
        RuleFor(i => i.Text!.Nl).NotEmpty().MaximumLength(1000).When(i => i.Text is not null).OverridePropertyName("text.nl");
        RuleFor(i => i.Text!.En).MaximumLength(1000).When(i => i.Text is not null).OverridePropertyName("text.en");
        RuleFor(i => i.Scale).NotNull().When(i => i.Kind == ItemKinds.Rating);
        RuleFor(i => i.Scale).Must(s => s is { Min: 1, Max: 5 or 7 })
            .When(i => i.Kind == ItemKinds.Rating && i.Scale is not null)
            .WithMessage("scale: a rating scale runs from 1 to 5 or from 1 to 7.");
        RuleForEach(i => i.Labels).Must((i, label) =>
                int.TryParse(label.Key, out var point) && i.Scale is { Min: { } min, Max: { } max } && point >= min && point <= max
                && !string.IsNullOrWhiteSpace(label.Value.Nl) && label.Value.Nl.Length <= 100 && (label.Value.En?.Length ?? 0) <= 100)
            .WithMessage("labels: each label belongs to a point of the scale and has a Dutch text of at most 100 characters.");
    }
}

/// <summary>Questionnaire items in the JSON API (facilitator).</summary>
public static class ItemEndpoints
{
    public static IServiceCollection AddItems(this IServiceCollection services) => services;

    public static void MapItems(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/items").WithTags("Items").RequireAuthorization(Auth.FacilitatorApi);
        api.MapPost("/", AddAsync).Validate<AddItemRequest>().WithSummary("Add an item to the questionnaire.");
        api.MapGet("/", ListAsync).WithSummary("The study's items.");
    }

    private static async Task<Results<Created<ItemResponse>, ProblemHttpResult>> AddAsync(
        long studyId, AddItemRequest request, HttpContext context, StudyStore studies, ItemStore items)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var nl = request.Text!.Nl!.Trim();
        var text = new LocalizedText(nl, string.IsNullOrWhiteSpace(request.Text.En) ? nl : request.Text.En.Trim());
        var labels = (request.Labels ?? []).ToDictionary(
            l => int.Parse(l.Key, System.Globalization.CultureInfo.InvariantCulture),
            l => new LocalizedText(l.Value.Nl!.Trim(), string.IsNullOrWhiteSpace(l.Value.En) ? l.Value.Nl!.Trim() : l.Value.En.Trim()));
        var item = await items.AddRatingAsync(studyId, text, new RatingScale(request.Scale!.Min!.Value, request.Scale.Max!.Value), labels);
        return TypedResults.Created($"/api/v1/studies/{studyId}/items/{item.Id}", ItemResponse.From(item));
    }

    private static async Task<Results<Ok<IReadOnlyList<ItemResponse>>, ProblemHttpResult>> ListAsync(
        long studyId, HttpContext context, StudyStore studies, ItemStore items)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok<IReadOnlyList<ItemResponse>>((await items.ListAsync(studyId)).Select(ItemResponse.From).ToList());
    }
}
