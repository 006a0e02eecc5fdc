using DelphiRounds.Rounds;

namespace DelphiRounds.Vision;

/// <summary>A study concludes when its vision is frozen: what organisations sign is then fixed, and no new round may change it.</summary>
public sealed class VisionConclusion(VisionStore store) : IStudyConclusion
{
    public async Task<DateTimeOffset?> ConcludedAtAsync(long studyId) => (await store.DocumentAsync(studyId))?.FrozenAt;
}
