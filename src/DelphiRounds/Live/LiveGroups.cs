namespace DelphiRounds.Live;

/// <summary>Names of the SignalR groups of a round.</summary>
public static class LiveGroups
{
    /// <summary>Participants of the round's study (live rounds: every push).</summary>
    public static string Participants(long roundId) => $"round:{roundId}:participants";

    /// <summary>The study's facilitator(s): every push, whatever the round's mode.</summary>
    public static string Facilitators(long roundId) => $"round:{roundId}:facilitators";

    /// <summary>
    /// The same as <see cref="Participants"/> or <see cref="Facilitators"/>, for clients that follow changes
    /// (<c>JoinRoundChanges</c>): their pushes carry per item only what changed (<see cref="LiveItem.ChangesSince"/>).
    /// </summary>
    public static string Changes(string group) => group + ":changes";

    /// <summary>Blind rounds: participants who have answered this item and may now see its aggregate.</summary>
    public static string Revealed(long roundId, long itemId) => $"round:{roundId}:item:{itemId}:revealed";
}
