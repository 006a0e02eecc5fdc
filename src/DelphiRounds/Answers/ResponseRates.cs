using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

namespace DelphiRounds.Answers;

/// <summary>Response of one stakeholder group in one round.</summary>
/// <param name="GroupId">The stakeholder group.</param>
/// <param name="Slug">Its slug.</param>
/// <param name="Invited">Panel members of the group during the round (everyone on the panel is invited to every round).</param>
/// <param name="Answered">Members who gave at least one answer in the round.</param>
public sealed record GroupRoundResponse(long GroupId, string Slug, int Invited, int Answered)
{
    /// <summary>Answered ÷ invited, 0 when nobody was invited.</summary>
    public double Rate => Invited == 0 ? 0 : (double)Answered / Invited;
}

/// <summary>Response per stakeholder group in one round.</summary>
public sealed record RoundResponse(long RoundId, int Number, string Kind, string State, IReadOnlyList<GroupRoundResponse> Groups)
{
    public int Invited => Groups.Sum(g => g.Invited);
    public int Answered => Groups.Sum(g => g.Answered);
    public double Rate => Invited == 0 ? 0 : (double)Answered / Invited;
}

/// <summary>
/// Attrition: the response per stakeholder group in every round that has opened. A participant counts as
/// invited to a round when they were on the panel before it closed (or while it is open), whether or not
/// they answered the round before — everyone is invited to every round.
/// </summary>
public sealed class ResponseRates(StudyStore studies, RoundStore rounds, ParticipantStore participants, AnswerStore answers)
{
    public async Task<IReadOnlyList<RoundResponse>> ReadAsync(long studyId)
    {
        var opened = (await rounds.ListAsync(studyId)).Where(r => r.State != RoundStates.Draft).ToList();
        var groups = await studies.GroupsAsync(studyId);
        var panel = await participants.ListAsync(studyId);
        var answered = await answers.RespondentsAsync(opened.Select(r => r.Id).ToList());
        var groupOf = panel.ToDictionary(p => p.Id, p => p.GroupId);
        return opened.Select(r =>
        {
            var invited = panel.Where(p => r.ClosedAt is not { } closed || p.CreatedAt <= closed).ToList();
            var respondents = answered.GetValueOrDefault(r.Id) ?? [];
            var perGroup = groups.Select(g => new GroupRoundResponse(g.Id, g.Slug,
                invited.Count(p => p.GroupId == g.Id),
                respondents.Count(id => groupOf.GetValueOrDefault(id) == g.Id))).ToList();
            return new RoundResponse(r.Id, r.Number, r.Kind, r.State, perGroup);
        }).ToList();
    }
}

/// <summary>Response rates per stakeholder group in the current round, for the dashboard (API and page).</summary>
public sealed class DashboardReader(StudyStore studies, RoundStore rounds, ParticipantStore participants, AnswerStore answers)
{
    public async Task<DashboardResponse> ReadAsync(long studyId, bool english)
    {
        var round = await rounds.CurrentAsync(studyId);
        var invited = await participants.CountByGroupAsync(studyId);
        var answered = round is null ? new Dictionary<long, int>() : await answers.RespondentsByGroupAsync(round.Id);
        var groups = (await studies.GroupsAsync(studyId)).Select(g => new GroupResponseRate(
            g.Id, g.Slug, g.Name(english), invited.GetValueOrDefault(g.Id), answered.GetValueOrDefault(g.Id))).ToList();
        return new DashboardResponse(studyId, round?.Summary(), groups,
            groups.Sum(g => g.Invited), groups.Sum(g => g.Answered));
    }
}
