using DelphiRounds.Kernel;
using DelphiRounds.Studies;

namespace DelphiRounds.Rounds;

/// <summary>
/// Prepares, opens and closes rounds, and announces it (<see cref="RoundOpened"/>, <see cref="RoundClosing"/> inside
/// the closing transaction, <see cref="RoundClosed"/>) to whoever subscribes: the live figures, the convergence
/// snapshots, the invitations. It names none of them.
/// </summary>
public sealed class RoundService(
    RoundStore rounds, StudyStore studies,
    IEnumerable<IEventHandler<RoundOpened>> opened, IEnumerable<IEventHandler<RoundClosing>> closing,
    IEnumerable<IEventHandler<RoundClosed>> closed, IEnumerable<IStudyConclusion> conclusions)
{
    /// <summary>A prepared round, or why not (the field at fault and a message; when the study has concluded, since when).</summary>
    public sealed record Prepared(Round? Round, string? Field, string? Message, DateTimeOffset? ConcludedAt = null);

    /// <summary>
    /// When the study's result was fixed (its vision frozen), or null. From then on no round is prepared or
    /// opened, so the panel is not invited again to change what organisations sign.
    /// </summary>
    public async Task<DateTimeOffset?> ConcludedAtAsync(long studyId)
    {
        foreach (var conclusion in conclusions)
            if (await conclusion.ConcludedAtAsync(studyId) is { } at) return at;
        return null;
    }

    /// <summary>
    /// Prepares the next round as a draft: round 0 (open ideas) only as a study's first round; numbered
    /// rounds up to the consensus criteria's round limit; one draft or open round at a time.
    /// </summary>
    public async Task<Prepared> PrepareAsync(Study study, string kind, string mode, DateTimeOffset? closesAt)
    {
        if (await ConcludedAtAsync(study.Id) is { } concluded)
            return new Prepared(null, "studyId", $"The study's vision was frozen on {concluded:yyyy-MM-dd HH:mm} UTC; no new round can be prepared.", concluded);
        var existing = await rounds.ListAsync(study.Id);
        if (existing.Any(r => r.State is RoundStates.Draft or RoundStates.Open))
            return new Prepared(null, "studyId", "The study already has a round in preparation or open; finish that one first.");
        if (kind == RoundKinds.Ideas && existing.Count > 0)
            return new Prepared(null, "kind", "Round 0 (open ideas) can only be the study's first round.");
        var next = existing.Where(r => r.Kind == RoundKinds.Rating).Select(r => r.Number).DefaultIfEmpty(0).Max() + 1;
        if (kind == RoundKinds.Rating && next > study.Rules.MaxRounds)
            return new Prepared(null, "studyId", $"The consensus criteria allow at most {study.Rules.MaxRounds} rounds.");
        return new Prepared(await rounds.CreateAsync(study.Id, kind == RoundKinds.Ideas ? RoundModes.Classic : mode, closesAt, kind), null, null);
    }

    /// <summary>
    /// Starts a reflection round after the vision was frozen (issue 21): the same items again in a new round, opened at once. A
    /// reflection round is the one round that may open after the conclusion, and it does not count against the round limit.
    /// With <paramref name="criteriaJson"/> the locked rules change, with <paramref name="reason"/> recorded.
    /// </summary>
    public async Task<(Round? Round, ReflectionRound? Reflection, RoundChange Change)> StartReflectionAsync(long studyId, string mode,
        DateTimeOffset? closesAt, string documentHash, string? criteriaJson, string? reason)
    {
        if (await rounds.CreateReflectionAsync(studyId, mode, closesAt, documentHash, criteriaJson, reason) is not { } created)
            return (null, null, RoundChange.AnotherRoundOpen);
        var change = await OpenAsync(created.Round.Id);
        return ((await rounds.FindAsync(created.Round.Id))!, created.Reflection, change);
    }

    public async Task<RoundChange> OpenAsync(long roundId)
    {
        var round = await rounds.FindAsync(roundId);
        var reflection = round is null ? null : await rounds.ReflectionOfAsync(roundId);
        if (round is not null && reflection is null && await ConcludedAtAsync(round.StudyId) is not null) return RoundChange.Concluded;
        var maxRounds = round is null || reflection is not null ? int.MaxValue : (await studies.FindAsync(round.StudyId))!.Rules.MaxRounds;
        var change = await rounds.OpenAsync(roundId, maxRounds);
        if (change == RoundChange.Done) await opened.AnnounceAsync(new RoundOpened((await rounds.FindAsync(roundId))!));
        return change;
    }

    public async Task<RoundChange> CloseAsync(long roundId)
    {
        var change = await rounds.CloseAsync(roundId, (c, tx, round) => closing.AnnounceAsync(new RoundClosing(round, c, tx)));
        if (change == RoundChange.Done) await closed.AnnounceAsync(new RoundClosed((await rounds.FindAsync(roundId))!));
        return change;
    }
}
