using DelphiRounds.Items;
using DelphiRounds.Rounds;
using DelphiRounds.Vision;

namespace DelphiRounds.Agenda;

/// <summary>
/// A reflection round in the agenda and <c>export.json</c> (issue 21): its state, the hashes of the consensus criteria before and
/// after (equal when the rules stayed) and the recorded reason when they changed, and once closed the drift per item as
/// <c>GET …/reflection-rounds/{roundId}/drift</c> gives it (null while the round is not closed).
/// </summary>
public sealed record ReflectionRoundSummary(long RoundId, int Number, string Mode, string State, string DocumentHash, bool RulesChanged,
    string CriteriaHashBefore, string CriteriaHashAfter, string? RuleChangeReason, DateTimeOffset StartedAt, IReadOnlyList<ItemDrift>? Drift);

/// <summary>A statement of a vision version: its number and text.</summary>
public sealed record VersionStatement(int Number, string Text);

/// <summary>A statement reworded from one version to the next.</summary>
public sealed record RewordedStatement(int Number, string Before, string After);

/// <summary>What changed from the previous version, as <c>/verify/{studyId}</c> shows it.</summary>
public sealed record VisionChangesResponse(IReadOnlyList<VersionStatement> Added, IReadOnlyList<VersionStatement> Removed,
    IReadOnlyList<RewordedStatement> Changed, IReadOnlyList<MovedTarget> Moved)
{
    public static VisionChangesResponse From(VisionChanges c) => new(
        c.Added.Select(s => new VersionStatement(s.Number, s.Text)).ToList(),
        c.Removed.Select(s => new VersionStatement(s.Number, s.Text)).ToList(),
        c.Changed.Select(x => new RewordedStatement(x.After.Number, x.Before.Text, x.After.Text)).ToList(),
        c.Moved);
}

/// <summary>A frozen version of the vision: its number, SHA-256, the day it was frozen, and what changed vs the previous one (null for vision 1).</summary>
public sealed record VisionVersionResponse(int Number, string Sha256, string FrozenOn, string? PreviousSha256, VisionChangesResponse? Changes);

/// <summary>After signing, beside the agenda: the reflection rounds and the vision versions.</summary>
public sealed record AfterSigning(IReadOnlyList<ReflectionRoundSummary> ReflectionRounds, IReadOnlyList<VisionVersionResponse> Visions)
{
    /// <summary>The figures of a study, from the reflection rounds and the frozen documents.</summary>
    public static async Task<AfterSigning> OfAsync(long studyId, ReflectionService reflections)
    {
        var rounds = new List<ReflectionRoundSummary>();
        foreach (var r in await reflections.ListAsync(studyId))
        {
            var drift = r.State == RoundStates.Closed ? await reflections.DriftAsync(studyId, r.RoundId) : null;
            rounds.Add(new ReflectionRoundSummary(r.RoundId, r.Number, r.Mode, r.State, r.DocumentHash, r.RulesChanged,
                r.CriteriaBefore, r.CriteriaAfter,
                r.RuleChangeReason, r.StartedAt, drift));
        }
        var documents = await reflections.DocumentsAsync(studyId);
        var parsed = documents.Select(d => FrozenVision.Parse(d.CanonicalJson, d.DocumentHash)).ToList();
        var visions = documents.Select((d, i) => new VisionVersionResponse(d.Number, d.DocumentHash, d.FrozenAt.ToString("yyyy-MM-dd"), d.PreviousHash,
            i == 0 ? null : VisionChangesResponse.From(VisionChanges.Between(parsed[i - 1], parsed[i])))).ToList();
        return new AfterSigning(rounds, visions);
    }
}
