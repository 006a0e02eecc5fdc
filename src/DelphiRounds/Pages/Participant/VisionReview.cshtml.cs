using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using DelphiRounds.Vision;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Participant;

/// <summary>
/// The panel's review of a draft vision: per statement "agree", "can live with it" or "object" (with a
/// reason), with the figures each statement rests on. One form for all statements; works without script.
/// </summary>
public sealed class VisionReviewModel(StudyStore studies, VisionReviewService review, IStringLocalizer<Texts> t) : PageModel
{
    public Study Study { get; private set; } = null!;
    public OpenReview? Open { get; private set; }
    public ReviewProblem? Problem { get; private set; }
    /// <summary>What was posted, to show back after a refusal.</summary>
    public Dictionary<long, (string? Position, string? Reason)> Posted { get; } = [];

    [TempData] public string? Notice { get; set; }

    private long StudyId => User.ParticipantStudyId()!.Value;
    private long ParticipantId => User.ParticipantId()!.Value;

    public (string? Position, string? Reason) Current(long statementId) =>
        Posted.TryGetValue(statementId, out var posted) ? posted
        : Open?.Mine.TryGetValue(statementId, out var mine) == true ? (mine!.Position, mine.Reason) : (null, null);

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadAsync();
        if (Open is null)
        {
            Problem = new ReviewProblem(null, "review", t["vision.review.error.closed"]);
            Response.StatusCode = 409;
            return Page();
        }
        var answers = new List<(long, string, string?)>();
        foreach (var s in Open.Draft.Statements)
        {
            var position = Request.Form[$"position-{s.Id}"].ToString();
            var reason = Request.Form[$"reason-{s.Id}"].ToString();
            Posted[s.Id] = (position.Length == 0 ? null : position, reason.Length == 0 ? null : reason);
            if (position.Length > 0) answers.Add((s.Id, position, reason));
            else if (reason.Length > 0)
            {
                Problem = new ReviewProblem(s.Id, "position", t["vision.review.error.positionFirst"]);
                Response.StatusCode = 400;
                return Page();
            }
        }
        if (answers.Count == 0)
        {
            Problem = new ReviewProblem(Open.Draft.Statements.FirstOrDefault()?.Id, "position", t["vision.review.error.nothing"]);
            Response.StatusCode = 400;
            return Page();
        }
        var result = await review.SubmitAsync(StudyId, ParticipantId, answers);
        if (result.Problem is { } problem)
        {
            Problem = problem;
            Response.StatusCode = result.Status;
            return Page();
        }
        Notice = t["vision.review.saved", answers.Count, Open.Draft.Statements.Count];
        return Redirect("/p/vision");
    }

    private async Task LoadAsync()
    {
        Study = (await studies.FindAsync(StudyId))!;
        Open = await review.OpenForAsync(StudyId, ParticipantId);
    }
}
