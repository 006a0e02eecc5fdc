using DelphiRounds.Kernel;

namespace DelphiRounds.Panel;

/// <summary>
/// A participant's links were revoked (committed): a new invitation link replaced the old one and every e-mailed
/// link. Whatever was opened with them must end now, not when it next asks.
/// </summary>
public sealed record ParticipantTokenRevoked(long ParticipantId);

/// <summary>Issues new invitation links and announces that the old ones are revoked.</summary>
public sealed class InvitationLinks(ParticipantStore participants, IEnumerable<IEventHandler<ParticipantTokenRevoked>> revoked)
{
    /// <summary>A fresh invitation token for the participant, or null when the study has no such participant.</summary>
    public async Task<string?> ReissueAsync(long studyId, long participantId)
    {
        var token = await participants.ReissueAsync(studyId, participantId);
        if (token is not null) await revoked.AnnounceAsync(new ParticipantTokenRevoked(participantId));
        return token;
    }
}
