using System.Data.Common;

namespace DelphiRounds.Rounds;

/// <summary>A round was opened (committed): participants may answer from now on.</summary>
public sealed record RoundOpened(Round Round);

/// <summary>
/// A round is being closed: announced inside the closing transaction, after its state changed, for work that
/// must commit with the close (the convergence snapshots). A handler uses <paramref name="Connection"/> and
/// <paramref name="Transaction"/>; when it throws, the round stays open.
/// </summary>
public sealed record RoundClosing(Round Round, DbConnection Connection, DbTransaction Transaction);

/// <summary>A round was closed (committed): no answer is accepted any more.</summary>
public sealed record RoundClosed(Round Round);
