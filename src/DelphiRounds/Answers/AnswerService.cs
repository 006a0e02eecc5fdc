using System.Diagnostics;
using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Live;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Answers;

/// <summary>An answer as submitted by a participant, from the API or the questionnaire form.</summary>
public sealed record AnswerRequest
{
    /// <summary>The item answered.</summary>
    public long? ItemId { get; init; }
    /// <summary>The answer: for a rating item, a whole number on the item's scale.</summary>
    public double? Value { get; init; }
    /// <summary>Why (optional, shown anonymised to the panel).</summary>
    public string? Rationale { get; init; }
    /// <summary>A key chosen by the client; a retry with the same key does not create a second revision.</summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>Who is answering (from the participant's credential).</summary>
public sealed record Answerer(long ParticipantId, long StudyId, long GroupId);

/// <summary>The outcome of a submission: the stored answer, or a refusal naming the field.</summary>
public sealed record SubmitResult(Answer? Answer, bool Replayed, int Status, string? Field, string? Message)
{
    public bool Ok => Answer is not null;
    public static SubmitResult Refused(int status, string field, string message) => new(null, false, status, field, message);
}

/// <summary>
/// Validates an answer against its round and item, stores it durably (committed before this returns),
/// then updates the live aggregate. The API and the questionnaire page both go through here.
/// </summary>
public sealed class AnswerService(
    RoundStore rounds, ItemStore items, StudyStore studies, AnswerStore answers, LiveAggregates live,
    IStringLocalizer<Texts> t)
{
    public const int MaxRationaleLength = 4000;

    public async Task<SubmitResult> SubmitAsync(Answerer who, long roundId, AnswerRequest request)
    {
        var round = await rounds.FindAsync(roundId);
        if (round is null || round.StudyId != who.StudyId)
            return SubmitResult.Refused(404, "roundId", t["answer.error.roundUnknown", roundId]);
        if (!round.IsOpen)
            return SubmitResult.Refused(409, "roundId", t[round.State == RoundStates.Draft ? "answer.error.roundNotOpenYet" : "answer.error.roundClosed", round.Number]);
        if (request.ItemId is not { } itemId)
            return SubmitResult.Refused(400, "itemId", t["answer.error.itemRequired"]);
        var asked = (await rounds.ItemsAsync(roundId)).Any(i => i.ItemId == itemId);
        var item = asked ? await items.FindAsync(itemId) : null;
        if (item is null)
            return SubmitResult.Refused(404, "itemId", t["answer.error.itemUnknown", itemId, round.Number]);
        if (ValueProblem(item, request.Value) is { } problem)
            return SubmitResult.Refused(400, "value", problem);
        if (request.Rationale is { Length: > MaxRationaleLength })
            return SubmitResult.Refused(400, "rationale", t["answer.error.rationaleTooLong", MaxRationaleLength]);

        var rationale = string.IsNullOrWhiteSpace(request.Rationale) ? null : request.Rationale;
        var result = await answers.AppendAsync(roundId, itemId, who.ParticipantId, request.Value, rationale, request.IdempotencyKey);
        var accepted = Stopwatch.GetTimestamp();
        switch (result.Outcome)
        {
            case AppendOutcome.RoundNotOpen:
                // The round closed between our check and the write; the transaction refused it.
                return SubmitResult.Refused(409, "roundId", t["answer.error.roundClosed", round.Number]);
            case AppendOutcome.Replayed:
                return new SubmitResult(result.Answer, true, 200, null, null);
        }
        var group = (await studies.GroupsAsync(who.StudyId)).First(g => g.Id == who.GroupId);
        await live.ApplyAsync(result.Answer!, group.Slug, accepted);
        return new SubmitResult(result.Answer, false, 201, null, null);
    }

    /// <summary>Why a value does not fit the item, or null when it does.</summary>
    public string? ValueProblem(Item item, double? value)
    {
        if (value is not { } v) return t["answer.error.valueRequired"];
        if (!double.IsFinite(v)) return t["answer.error.valueNotNumber"];
        if (item.Kind == ItemKinds.Rating && item.Scale is { } scale)
        {
            if (v != Math.Floor(v) || v < scale.Min || v > scale.Max)
                return t["answer.error.valueOutsideScale", v, scale.Min, scale.Max];
        }
        return null;
    }
}
