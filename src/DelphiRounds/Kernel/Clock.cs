namespace DelphiRounds.Kernel;

/// <summary>Helpers on the injected <see cref="TimeProvider"/>, so tests control time.</summary>
public static class Clock
{
    public static DateTimeOffset Now(this TimeProvider time) => time.GetUtcNow();
}
