using DelphiRounds.Kernel;
using DelphiRounds.Panel;

namespace DelphiRounds.Privacy;

/// <summary>
/// A participant's identity was erased (committed). They take no further part: their links no longer sign them in,
/// and whatever they still have open must end now.
/// </summary>
public sealed record ParticipantErased(long ParticipantId);

/// <summary>Erases a participant's identity and announces it.</summary>
public sealed class ParticipantErasure(IdentityStore identities, IEnumerable<IEventHandler<ParticipantErased>> erased)
{
    /// <summary>The erasure, or null when the study has no such participant.</summary>
    public async Task<Erasure?> EraseAsync(long studyId, long participantId)
    {
        var erasure = await identities.EraseAsync(studyId, participantId);
        if (erasure is not null) await erased.AnnounceAsync(new ParticipantErased(participantId));
        return erasure;
    }
}
