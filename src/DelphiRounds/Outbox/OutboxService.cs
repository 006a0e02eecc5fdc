using DelphiRounds.Kernel;
using DelphiRounds.Organisations;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Outbox;

/// <summary>Reminders queued for one stakeholder group.</summary>
/// <param name="Slug">The group.</param>
/// <param name="NotAnswered">Panel members of the group without any answer in the open round.</param>
/// <param name="Queued">Reminders queued now (not those already waiting).</param>
/// <param name="WithoutEmail">Non-responders who cannot be reached: no e-mail address, or erased.</param>
public sealed record GroupReminders(string Slug, int NotAnswered, int Queued, int WithoutEmail);

/// <summary>The outcome of a reminder request.</summary>
public sealed record RemindersQueued(long StudyId, long RoundId, int RoundNumber, int Queued, IReadOnlyList<GroupReminders> Groups)
{
    /// <summary>Reminders queued per chosen organisation (issue 18).</summary>
    public IReadOnlyList<OrganisationReminders> Organisations { get; init; } = [];
}

/// <summary>Reminders queued for one organisation: as <see cref="GroupReminders"/>, for the organisation's members.</summary>
public sealed record OrganisationReminders(long OrganisationId, string Name, int NotAnswered, int Queued, int WithoutEmail);

/// <summary>
/// Who of an organisation has not answered the open round: counts only (the facilitator sees organisations, never
/// which answer is whose).
/// </summary>
public sealed record OrganisationNonResponse(long OrganisationId, string Name, long GroupId, int People, int NotAnswered, int Reachable);

/// <summary>Who has not answered the open round, per stakeholder group (for the panel page's reminder form).</summary>
public sealed record GroupNonResponse(long GroupId, string Slug, int NotAnswered, int Reachable);

/// <summary>
/// Invitations and reminders: every panel member with an e-mail address is invited to every round when it
/// opens (also those who skipped an earlier one); the facilitator reminds, per stakeholder group, those
/// who have not answered the open round. Messages go through the outbox.
/// </summary>
public sealed class OutboxService(OutboxStore outbox, RoundStore rounds, StudyStore studies, OutboxSender sender, IOptions<MailOptions> options,
    OrganisationStore organisations)
    : IEventHandler<RoundOpened>
{
    /// <summary>Everyone on the panel is invited to every round, also those who skipped one.</summary>
    public Task HandleAsync(RoundOpened e) => QueueInvitationsAsync(e.Round.Id);

    /// <summary>Queues an invitation to the round for everyone on the panel who has an e-mail address. Returns the number queued.</summary>
    public async Task<int> QueueInvitationsAsync(long roundId)
    {
        var round = await rounds.FindAsync(roundId);
        if (round is null || !round.IsOpen) return 0;
        var reachable = (await outbox.PanelAsync(round.StudyId)).Where(p => p.Reachable).Select(p => p.ParticipantId).ToList();
        var queued = await outbox.QueueAsync(round.StudyId, round.Id, OutboxPurposes.Invitation, reachable);
        if (queued > 0) sender.Wake();
        return queued;
    }

    /// <summary>
    /// Queues a reminder for the members of the chosen groups who gave no answer in the open round and
    /// have an e-mail address. Null when no round is open.
    /// </summary>
    public Task<RemindersQueued?> RemindAsync(long studyId, IReadOnlyCollection<string> groupSlugs) => RemindAsync(studyId, groupSlugs, []);

    /// <summary>
    /// Queues a reminder for the members of the chosen organisations (and groups) who gave no answer in the open round
    /// and have an e-mail address; a person in a chosen group and a chosen organisation gets one. Null when no round is open.
    /// </summary>
    public async Task<RemindersQueued?> RemindAsync(long studyId, IReadOnlyCollection<string> groupSlugs, IReadOnlyCollection<long> organisationIds)
    {
        var round = (await rounds.ListAsync(studyId)).FirstOrDefault(r => r.IsOpen);
        if (round is null) return null;
        var nonResponders = await outbox.NonRespondersAsync(studyId, round.Id);
        var membership = await organisations.MembershipAsync(studyId);
        var names = (await organisations.ListAsync(studyId)).ToDictionary(o => o.Id, o => o.Name);
        var chosen = new HashSet<long>();
        var perGroup = new List<GroupReminders>();
        var perOrganisation = new List<OrganisationReminders>();
        var total = 0;
        async Task<int> QueueAsync(List<NonResponder> members)
        {
            var fresh = members.Where(m => m.Reachable && chosen.Add(m.ParticipantId)).Select(m => m.ParticipantId).ToList();
            var queued = await outbox.QueueAsync(studyId, round.Id, OutboxPurposes.Reminder, fresh);
            total += queued;
            return queued;
        }
        foreach (var slug in groupSlugs.Distinct())
        {
            var members = nonResponders.Where(n => n.GroupSlug == slug).ToList();
            perGroup.Add(new GroupReminders(slug, members.Count, await QueueAsync(members), members.Count(m => !m.Reachable)));
        }
        foreach (var id in organisationIds.Distinct().Where(names.ContainsKey))
        {
            var members = nonResponders.Where(n => membership.TryGetValue(n.ParticipantId, out var o) && o == id).ToList();
            perOrganisation.Add(new OrganisationReminders(id, names[id], members.Count, await QueueAsync(members), members.Count(m => !m.Reachable)));
        }
        if (total > 0) sender.Wake();
        return new RemindersQueued(studyId, round.Id, round.Number, total, perGroup) { Organisations = perOrganisation };
    }

    /// <summary>Per organisation: its people, who of them has not answered the open round and how many of those can be e-mailed. Empty when no round is open.</summary>
    public async Task<(Round? Round, IReadOnlyList<OrganisationNonResponse> Organisations)> NonResponseByOrganisationAsync(long studyId)
    {
        var round = (await rounds.ListAsync(studyId)).FirstOrDefault(r => r.IsOpen);
        if (round is null) return (null, []);
        var nonResponders = await outbox.NonRespondersAsync(studyId, round.Id);
        var membership = await organisations.MembershipAsync(studyId);
        return (round, (await organisations.ListAsync(studyId)).Select(o =>
        {
            var missing = nonResponders.Where(n => membership.TryGetValue(n.ParticipantId, out var m) && m == o.Id).ToList();
            return new OrganisationNonResponse(o.Id, o.Name, o.GroupId, membership.Count(m => m.Value == o.Id), missing.Count, missing.Count(m => m.Reachable));
        }).ToList());
    }

    /// <summary>Per group: who has not answered the open round, and how many of them can be e-mailed. Empty when no round is open.</summary>
    public async Task<(Round? Round, IReadOnlyList<GroupNonResponse> Groups)> NonResponseAsync(long studyId)
    {
        var round = (await rounds.ListAsync(studyId)).FirstOrDefault(r => r.IsOpen);
        if (round is null) return (null, []);
        var nonResponders = await outbox.NonRespondersAsync(studyId, round.Id);
        var groups = (await studies.GroupsAsync(studyId)).Select(g =>
        {
            var members = nonResponders.Where(n => n.GroupId == g.Id).ToList();
            return new GroupNonResponse(g.Id, g.Slug, members.Count, members.Count(m => m.Reachable));
        }).ToList();
        return (round, groups);
    }

    public Task<OutboxCounts> CountsAsync(long studyId) => outbox.CountsAsync(studyId, options.Value.MaxAttempts);
}
