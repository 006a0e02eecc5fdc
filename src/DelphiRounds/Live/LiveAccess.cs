using System.Security.Claims;
using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

namespace DelphiRounds.Live;

/// <summary>
/// Who may see a round's aggregates, and which: the study's facilitator sees everything; the study's own
/// participants see what the round's mode allows — live: everything; classic: nothing until the round
/// closes; blind, then reveal: an item once they have answered it.
/// </summary>
public sealed class LiveAccess(RoundStore rounds, StudyStore studies, AnswerStore answers)
{
    /// <summary>The kind of viewer a user is for a round.</summary>
    public enum Viewer { None, Facilitator, Participant }

    /// <summary>The round and how the user may view it; <see cref="Viewer.None"/> when not at all (or it does not exist).</summary>
    public async Task<(Round? Round, Viewer As)> CheckAsync(ClaimsPrincipal user, long roundId)
    {
        var round = await rounds.FindAsync(roundId);
        if (round is null) return (null, Viewer.None);
        if (user.FacilitatorId() is { } facilitatorId
            && await studies.FindOwnedAsync(round.StudyId, facilitatorId) is not null)
            return (round, Viewer.Facilitator);
        if (user.ParticipantStudyId() == round.StudyId && round.State != RoundStates.Draft)
            return (round, Viewer.Participant);
        return (null, Viewer.None);
    }

    /// <summary>The items of a round whose aggregate a participant may see now.</summary>
    public async Task<Func<long, bool>> ParticipantMaySeeAsync(Round round, long participantId)
    {
        if (!round.IsOpen || round.Mode == RoundModes.Live) return _ => true;
        if (round.Mode == RoundModes.Classic) return _ => false;
        var answered = await answers.MineAsync(round.Id, participantId);
        return answered.ContainsKey;
    }

    /// <summary>The statistics a viewer may see, from the full list.</summary>
    public async Task<IReadOnlyList<ItemStats>> VisibleAsync(ClaimsPrincipal user, Round round, Viewer viewer, IReadOnlyList<ItemStats> all)
    {
        if (viewer == Viewer.Facilitator) return all;
        var maySee = await ParticipantMaySeeAsync(round, user.ParticipantId()!.Value);
        return all.Where(s => maySee(s.ItemId)).ToList();
    }
}
