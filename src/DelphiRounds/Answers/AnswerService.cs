using System.Diagnostics;
using System.Globalization;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Answers;

/// <summary>An answer as submitted by a participant, from the API or the questionnaire form.</summary>
public sealed record AnswerRequest
{
    /// <summary>The item answered.</summary>
    public long? ItemId { get; init; }
    /// <summary>Rating: a whole number on the item's scale. Numeric: the (most likely) number. Year: the year.</summary>
    public double? Value { get; init; }
    /// <summary>Numeric items asking low / most likely / high: the low estimate.</summary>
    public double? Low { get; init; }
    /// <summary>Numeric items asking low / most likely / high: the high estimate.</summary>
    public double? High { get; init; }
    /// <summary>Ranking: each option's rank, 1 = first choice, every option once.</summary>
    public Dictionary<string, double>? Ranks { get; init; }
    /// <summary>Open question: the answer.</summary>
    public string? Text { get; init; }
    /// <summary>Why (optional, shown anonymised to the panel as an argument).</summary>
    public string? Rationale { get; init; }
    /// <summary>
    /// "Don't know" (rating, numeric and year items that allow it): true instead of a value, never with one. Stored and
    /// counted apart; never part of the median, IQR, agreement or verdict.
    /// </summary>
    public bool? DontKnow { get; init; }
    /// <summary>Optional self-rated expertise on the item, a whole number from 1 (none) to 5 (expert), when the item asks it.</summary>
    public double? Expertise { get; init; }
    /// <summary>A key chosen by the client; a retry with the same key does not create a second revision.</summary>
    public string? IdempotencyKey { get; init; }
    /// <summary>
    /// Publish the rationale as written although it seems to name its author (their name, group or organisation)
    /// or holds an e-mail address: without it such an answer is not stored, and the refusal (422 on
    /// <c>rationale</c>) says what was found.
    /// </summary>
    public bool? PublishAnyway { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsDontKnow => DontKnow == true;
}

/// <summary>Who is answering (from the participant's credential).</summary>
public sealed record Answerer(long ParticipantId, long StudyId, long GroupId);

/// <summary>The outcome of a submission: the stored answer, or a refusal naming the field.</summary>
public sealed record SubmitResult(Answer? Answer, bool Replayed, int Status, string? Field, string? Message)
{
    /// <summary>Not stored because the rationale seems to name its author: what was found (<see cref="IdentifyingText"/>), empty otherwise.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Fields of free text from which direction or zero-width characters were removed (<see cref="DisplayText"/>).</summary>
    public IReadOnlyList<string> Stripped { get; init; } = [];

    public bool Ok => Answer is not null;
    public static SubmitResult Refused(int status, string field, string message) => new(null, false, status, field, message);
}

/// <summary>
/// Validates an answer against its round and item, stores it durably (committed before this returns),
/// then announces it (<see cref="AnswerAccepted"/>) before it is acknowledged. The API and the questionnaire
/// page both go through here.
/// </summary>
public sealed class AnswerService(
    RoundStore rounds, ItemStore items, StudyStore studies, AnswerStore answers,
    IEnumerable<IEventHandler<AnswerAccepted>> accepted, IStringLocalizer<Texts> t, AnswerMetrics metrics,
    IValidator<AnswerRequest> rules, AuthorTerms authorTerms)
{
    public async Task<SubmitResult> SubmitAsync(Answerer who, long roundId, AnswerRequest request)
    {
        if ((await rules.ValidateAsync(request)).Errors.FirstOrDefault() is { } invalid)
            return SubmitResult.Refused(400, invalid.PropertyName, invalid.ErrorMessage);
        request = request with { Rationale = DisplayText.Strip(request.Rationale, out var rationaleStripped), Text = DisplayText.Strip(request.Text, out var textStripped) };
        IReadOnlyList<string> stripped = [.. rationaleStripped ? ["rationale"] : Array.Empty<string>(), .. textStripped ? ["text"] : Array.Empty<string>()];
        var result = await SubmitPlainAsync(who, roundId, request);
        return result.Ok ? result with { Stripped = stripped } : result;
    }

    private async Task<SubmitResult> SubmitPlainAsync(Answerer who, long roundId, AnswerRequest request)
    {
        var round = await rounds.FindAsync(roundId);
        if (round is null || round.StudyId != who.StudyId)
            return SubmitResult.Refused(404, "roundId", t["answer.error.roundUnknown", roundId]);
        if (!round.IsOpen && request.IdempotencyKey is { } key && await answers.FindByKeyAsync(roundId, who.ParticipantId, key) is { } earlier)
        {
            // A retry of an answer stored before the round closed is still a retry: the client never saw the
            // first response, and "round closed" would tell it that the answer was lost.
            return await ReplayAsync(earlier, request);
        }
        if (!round.IsOpen)
            return SubmitResult.Refused(409, "roundId", t[round.State == RoundStates.Draft ? "answer.error.roundNotOpenYet" : "answer.error.roundClosed", round.Number]);
        var itemId = request.ItemId!.Value;
        var asked = (await rounds.ItemsAsync(roundId)).Any(i => i.ItemId == itemId);
        var item = asked ? await items.FindAsync(itemId) : null;
        if (item is null)
            return SubmitResult.Refused(404, "itemId", t["answer.error.itemUnknown", itemId, round.Number]);
        if (DontKnowProblem(item, request) is { } unclear)
            return SubmitResult.Refused(422, unclear.Field, unclear.Message);
        if (!request.IsDontKnow && Problem(item, request) is { } problem)
            return SubmitResult.Refused(400, problem.Field, problem.Message);

        var rationale = Rationale(request);
        // Before a rationale is published: does it seem to name its author? Then warn, and store only when they publish anyway.
        var found = rationale is null ? [] : IdentifyingText.Find(rationale, await authorTerms.ForAsync(who));
        if (found.Count > 0 && request.PublishAnyway != true)
        {
            var what = string.Join(", ", found.Select(k => t["answer.warning.kind." + k].Value));
            return SubmitResult.Refused(422, "rationale", t["answer.warning.identifying", what]) with { Warnings = found };
        }
        var (value, detail) = Stored(item, request);
        var result = await answers.AppendAsync(roundId, itemId, who.ParticipantId, value, rationale, request.IdempotencyKey, detail,
            found.Count > 0 ? string.Join(",", found) : null);
        var acceptedAt = Stopwatch.GetTimestamp();
        switch (result.Outcome)
        {
            case AppendOutcome.RoundNotOpen:
                // The round closed between our check and the write; the transaction refused it.
                return SubmitResult.Refused(409, "roundId", t["answer.error.roundClosed", round.Number]);
            case AppendOutcome.Replayed:
                return new SubmitResult(result.Answer, true, 200, null, null);
            case AppendOutcome.KeyReused:
                return KeyReused();
        }
        var group = (await studies.GroupsAsync(who.StudyId)).First(g => g.Id == who.GroupId);
        await accepted.AnnounceAsync(new AnswerAccepted(result.Answer!, group.Slug, item.Kind, acceptedAt));
        metrics.Accepted(item.Kind);
        return new SubmitResult(result.Answer, false, 201, null, null);
    }

    private async Task<SubmitResult> ReplayAsync(Answer earlier, AnswerRequest request)
    {
        if (request.ItemId != earlier.ItemId || await items.FindAsync(earlier.ItemId) is not { } item
            || DontKnowProblem(item, request) is not null || !request.IsDontKnow && Problem(item, request) is not null)
            return KeyReused();
        var (value, detail) = Stored(item, request);
        return earlier.Repeats(earlier.ItemId, value, Rationale(request), detail) ? new SubmitResult(earlier, true, 200, null, null) : KeyReused();
    }

    private SubmitResult KeyReused() => SubmitResult.Refused(422, "idempotencyKey", t["answer.error.idempotencyKeyReused"]);

    private static string? Rationale(AnswerRequest r) => string.IsNullOrWhiteSpace(r.Rationale) ? null : r.Rationale;

    /// <summary>What is stored: the number the statistics use, and the rest of the answer as detail.</summary>
    private static (double? Value, AnswerDetail? Detail) Stored(Item item, AnswerRequest r)
    {
        var expertise = item.AsksExpertise && r.Expertise is { } e ? (int)e : (int?)null;
        // "Don't know" has no value: the statistics read only the value, so it can never be counted in them.
        if (r.IsDontKnow) return (null, new AnswerDetail { DontKnow = true, Expertise = expertise });
        var (value, detail) = StoredValue(item, r);
        if (expertise is null) return (value, detail);
        return (value, (detail ?? new AnswerDetail()) with { Expertise = expertise });
    }

    private static (double? Value, AnswerDetail? Detail) StoredValue(Item item, AnswerRequest r) => item.Kind switch
    {
        ItemKinds.Numeric when item.ThreePoint => (r.Value, new AnswerDetail { Low = r.Low, High = r.High }),
        ItemKinds.Ranking => (null, new AnswerDetail { Ranks = r.Ranks }),
        ItemKinds.Text => (null, new AnswerDetail { Text = r.Text }),
        _ => (r.Value, null),
    };

    /// <summary>
    /// "Don't know" and expertise (refused with 422, the field named): "don't know" only where the item allows it and
    /// never together with a value; on an item that allows it, one of the two is needed. Expertise 1–5, only where asked.
    /// </summary>
    public (string Field, string Message)? DontKnowProblem(Item item, AnswerRequest r)
    {
        if (r.Expertise is { } e)
        {
            if (!item.AsksExpertise) return ("expertise", t["answer.error.expertiseNotAsked"]);
            if (!double.IsFinite(e) || e != Math.Floor(e) || e < 1 || e > 5) return ("expertise", t["answer.error.expertiseOutside"]);
        }
        if (r.IsDontKnow)
        {
            if (!item.OffersDontKnow) return ("dontKnow", t["answer.error.dontKnowNotAllowed"]);
            if (r.Value is not null) return ("dontKnow", t["answer.error.dontKnowWithValue"]);
            if (r.Low is not null) return ("low", t["answer.error.dontKnowWithValue"]);
            if (r.High is not null) return ("high", t["answer.error.dontKnowWithValue"]);
            return null;
        }
        if (item.OffersDontKnow && r.Value is null && r.Low is null && r.High is null)
            return ("value", t["answer.error.valueOrDontKnow"]);
        return null;
    }

    /// <summary>Why an answer does not fit the item (the field and a plain message), or null when it does.</summary>
    public (string Field, string Message)? Problem(Item item, AnswerRequest r)
    {
        switch (item.Kind)
        {
            case ItemKinds.Rating when item.Scale is { } scale:
                if (r.Value is not { } v) return ("value", t["answer.error.valueRequired"]);
                if (!double.IsFinite(v)) return ("value", t["answer.error.valueNotNumber"]);
                if (v != Math.Floor(v) || v < scale.Min || v > scale.Max) return ("value", t["answer.error.valueOutsideScale", Show(v), scale.Min, scale.Max]);
                return null;

            case ItemKinds.Numeric:
            {
                if (r.Value is not { } likely) return ("value", t[item.ThreePoint ? "answer.error.likelyRequired" : "answer.error.numberRequired"]);
                if (InRange(item, "value", likely) is { } p) return p;
                if (!item.ThreePoint)
                {
                    if (r.Low is not null) return ("low", t["answer.error.onlyOneNumber"]);
                    if (r.High is not null) return ("high", t["answer.error.onlyOneNumber"]);
                    return null;
                }
                if (r.Low is not { } low) return ("low", t["answer.error.lowRequired"]);
                if (InRange(item, "low", low) is { } pl) return pl;
                if (r.High is not { } high) return ("high", t["answer.error.highRequired"]);
                if (InRange(item, "high", high) is { } ph) return ph;
                if (low > likely) return ("low", t["answer.error.lowAboveLikely", Show(low), Show(likely)]);
                if (high < likely) return ("high", t["answer.error.highBelowLikely", Show(high), Show(likely)]);
                return null;
            }

            case ItemKinds.Year:
                if (r.Value is not { } year) return ("value", t["answer.error.yearRequired"]);
                if (!double.IsFinite(year) || year != Math.Floor(year)) return ("value", t["answer.error.yearWhole"]);
                return InRange(item, "value", year);

            case ItemKinds.Ranking:
            {
                var options = item.Options.Select(o => o.Key).ToList();
                if (r.Ranks is not { Count: > 0 } ranks) return ("ranks", t["answer.error.ranksRequired"]);
                var unknown = ranks.Keys.FirstOrDefault(k => !options.Contains(k));
                if (unknown is not null) return ($"ranks.{unknown}", t["answer.error.rankUnknownOption", unknown]);
                var missing = options.FirstOrDefault(o => !ranks.ContainsKey(o));
                if (missing is not null) return ($"ranks.{missing}", t["answer.error.rankMissing", item.Options.First(o => o.Key == missing).For(LanguageSetup.IsEnglish)]);
                var sorted = ranks.Values.OrderBy(x => x).ToList();
                if (!sorted.Select((rank, i) => rank == i + 1).All(ok => ok))
                    return ("ranks", t["answer.error.ranksPermutation", options.Count]);
                return null;
            }

            case ItemKinds.Text:
                if (string.IsNullOrWhiteSpace(r.Text)) return ("text", t["answer.error.textRequired"]);
                return null;
        }
        return ("itemId", t["answer.error.itemUnknown", item.Id, 0]);
    }

    private (string Field, string Message)? InRange(Item item, string field, double v)
    {
        if (!double.IsFinite(v)) return (field, t["answer.error.valueNotNumber"]);
        if (item.RangeMin is { } min && v < min || item.RangeMax is { } max && v > max)
            return (field, t["answer.error.valueOutsideRange", Show(v), Show(item.RangeMin ?? 0), Show(item.RangeMax ?? 0), item.Unit ?? ""]);
        return null;
    }

    private static string Show(double v) => v.ToString("0.###", CultureInfo.CurrentCulture);
}
