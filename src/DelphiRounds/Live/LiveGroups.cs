namespace DelphiRounds.Live;

/// <summary>Names of the SignalR groups of a round.</summary>
public static class LiveGroups
{
    /// <summary>Participants of the round's study.</summary>
    public static string Participants(long roundId) => $"round:{roundId}:participants";

    /// <summary>The study's facilitator(s).</summary>
    public static string Facilitators(long roundId) => $"round:{roundId}:facilitators";
}
