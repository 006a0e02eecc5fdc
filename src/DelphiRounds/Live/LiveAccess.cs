using System.Security.Claims;
using DelphiRounds.Accounts;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

namespace DelphiRounds.Live;

/// <summary>Who may see a round's aggregates: the study's facilitator and the study's own participants.</summary>
public sealed class LiveAccess(RoundStore rounds, StudyStore studies)
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
}
