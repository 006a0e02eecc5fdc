using DelphiRounds.Kernel;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Vision;

/// <summary>The version under review as one participant sees it, with their current answers by statement.</summary>
public sealed record OpenReview(DraftView Draft, IReadOnlyDictionary<long, ReviewAnswer> Mine);

/// <summary>A refusal of a review answer: the statement and field at fault.</summary>
public sealed record ReviewProblem(long? StatementId, string Field, string Message);

/// <summary>The outcome of a review submission: the participant's answers after it, or a refusal.</summary>
public sealed record ReviewSubmission(int Status, ReviewProblem? Problem, IReadOnlyDictionary<long, ReviewAnswer>? Mine);

/// <summary>
/// The panel's review of a draft: per statement agree / can live with it / object (an objection needs a
/// reason). The API and the participant's review page both go through here. Answers are append-only.
/// </summary>
public sealed class VisionReviewService(VisionStore store, VisionService vision, IStringLocalizer<Texts> t)
{
    public async Task<OpenReview?> OpenForAsync(long studyId, long participantId)
    {
        var draft = await store.UnderReviewAsync(studyId);
        if (draft is null) return null;
        return new OpenReview(await vision.DescribeAsync(draft, withReview: false), await MineAsync(draft.Id, participantId));
    }

    private async Task<IReadOnlyDictionary<long, ReviewAnswer>> MineAsync(long draftId, long participantId) =>
        (await store.ReviewAnswersAsync(draftId)).Where(a => a.ParticipantId == participantId).ToDictionary(a => a.StatementId);

    /// <summary>Checks every answer first; stores all of them (each a new revision) or none.</summary>
    public async Task<ReviewSubmission> SubmitAsync(long studyId, long participantId, IReadOnlyList<(long StatementId, string Position, string? Reason)> answers)
    {
        var draft = await store.UnderReviewAsync(studyId);
        if (draft is null) return new ReviewSubmission(409, new ReviewProblem(null, "review", t["vision.review.error.closed"]), null);
        var statements = (await store.StatementsAsync(draft.Id)).Select(s => s.Statement.Id).ToHashSet();
        var clean = new List<(long, string, string?)>();
        foreach (var (statementId, position, reason) in answers)
        {
            if (!statements.Contains(statementId))
                return new ReviewSubmission(404, new ReviewProblem(statementId, "statementId", t["vision.review.error.statement", statementId, draft.Version]), null);
            if (!ReviewPositions.All.Contains(position))
                return new ReviewSubmission(400, new ReviewProblem(statementId, "position", t["vision.review.error.position"]), null);
            var why = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
            if (position == ReviewPositions.Object && why is null)
                return new ReviewSubmission(400, new ReviewProblem(statementId, "reason", t["vision.review.error.reason"]), null);
            if (why is { Length: > VisionLimits.ReasonLength })
                return new ReviewSubmission(400, new ReviewProblem(statementId, "reason", t["error.tooLong", VisionLimits.ReasonLength]), null);
            clean.Add((statementId, position, why));
        }
        if (!await store.AppendReviewAnswersAsync(draft.Id, participantId, clean))
            return new ReviewSubmission(409, new ReviewProblem(null, "review", t["vision.review.error.closed"]), null);
        return new ReviewSubmission(201, null, await MineAsync(draft.Id, participantId));
    }
}
