namespace DelphiRounds.Demo;

/// <summary>
/// The clock of the <c>delphi demo</c> command: the system clock, which the simulated study can move to
/// the past while it runs (so its rounds lie weeks apart), and back. The web host uses the plain system clock.
/// </summary>
public sealed class DemoClock : TimeProvider
{
    private TimeSpan _offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _offset;

    /// <summary>From now on, the clock reads <paramref name="moment"/> and runs on from there.</summary>
    public void Travel(DateTimeOffset moment) => _offset = moment - System.GetUtcNow();

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan by) => _offset += by;

    /// <summary>How far the clock stands from the real time; set it back to what it was to leave the clock as it was.</summary>
    public TimeSpan Offset
    {
        get => _offset;
        set => _offset = value;
    }

    /// <summary>Back to the real time.</summary>
    public void Return() => _offset = TimeSpan.Zero;
}
