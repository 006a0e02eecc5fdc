namespace DelphiRounds.Accounts;

/// <summary>Who a participant's invitation token belongs to (the study and stakeholder group are in the claims).</summary>
public sealed record ParticipantCredential(long ParticipantId, long StudyId, long GroupId);

/// <summary>
/// Looks up a participant's invitation token for the bearer scheme. Accounts authenticates; the panel owns the
/// participants and their token hashes and implements this (Accounts does not know the panel).
/// </summary>
public interface IParticipantCredentials
{
    /// <summary>The token's participant, or null when the token is unknown, revoked or its participant erased.</summary>
    Task<ParticipantCredential?> FindByTokenAsync(string token);
}
