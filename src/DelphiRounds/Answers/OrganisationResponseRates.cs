using DelphiRounds.Organisations;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;

namespace DelphiRounds.Answers;

/// <summary>One organisation's response in one round: how many of its people were invited and how many answered (never what).</summary>
public sealed record OrganisationRoundResponse(long RoundId, int Invited, int Answered);

/// <summary>An organisation's response in every round that has opened.</summary>
public sealed record OrganisationResponse(long OrganisationId, string Name, long GroupId, IReadOnlyList<OrganisationRoundResponse> Rounds)
{
    /// <summary>True when at least one of its people answered the round.</summary>
    public bool Answered(long roundId) => Rounds.FirstOrDefault(r => r.RoundId == roundId)?.Answered > 0;

    /// <summary>True when at least one of its people was invited to the round.</summary>
    public bool Invited(long roundId) => Rounds.FirstOrDefault(r => r.RoundId == roundId)?.Invited > 0;
}

/// <summary>
/// Response per organisation per round (issue 18 item 7), counted like <see cref="ResponseRates"/>: a member counts as
/// invited to a round when they were on the panel before it closed (or while it is open), and as answered when they gave
/// at least one answer in it. Counts of who answered only — nothing about what.
/// </summary>
public sealed class OrganisationResponseRates(RoundStore rounds, ParticipantStore participants, AnswerStore answers, OrganisationStore organisations)
{
    public async Task<IReadOnlyList<OrganisationResponse>> ReadAsync(long studyId)
    {
        var list = await organisations.ListAsync(studyId);
        if (list.Count == 0) return [];
        var opened = (await rounds.ListAsync(studyId)).Where(r => r.State != RoundStates.Draft).ToList();
        var membership = await organisations.MembershipAsync(studyId);
        var panel = (await participants.ListAsync(studyId)).Where(p => membership.ContainsKey(p.Id)).ToList();
        var answered = await answers.RespondentsAsync(opened.Select(r => r.Id).ToList());
        return list.Select(o =>
        {
            var members = panel.Where(p => membership[p.Id] == o.Id).ToList();
            return new OrganisationResponse(o.Id, o.Name, o.GroupId, opened.Select(r =>
            {
                var invited = members.Where(p => r.ClosedAt is not { } closed || p.CreatedAt <= closed).ToList();
                var respondents = answered.GetValueOrDefault(r.Id) ?? [];
                return new OrganisationRoundResponse(r.Id, invited.Count, invited.Count(p => respondents.Contains(p.Id)));
            }).ToList());
        }).ToList();
    }
}
