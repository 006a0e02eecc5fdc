using DelphiRounds.Kernel;
using DelphiRounds.Vision;

namespace DelphiRounds.Endorsement;

/// <summary>
/// Appends a new version of the vision (vision 2 after a reflection round, issue 21) to the study's ledger, inside the freeze's
/// transaction: the hash chain continues, and the revision entry names the version before it.
/// </summary>
public sealed class RevisionLedger(EndorsementService endorsements) : IEventHandler<VisionRevising>
{
    public Task HandleAsync(VisionRevising e) =>
        endorsements.AppendRevisionAsync(e, FrozenVision.Parse(e.Document.CanonicalJson, e.Document.DocumentHash).Organiser);
}
