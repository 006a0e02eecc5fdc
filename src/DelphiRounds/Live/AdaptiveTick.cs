namespace DelphiRounds.Live;

/// <summary>
/// The publisher's tick. Every tick hands one push per round to every connection; when that fan-out takes longer than
/// the tick itself, the pushes queue up faster than they leave. Then the tick widens (×1.5, at least to what the
/// fan-out took, at most <c>maxMs</c>): fewer, fuller pushes instead of a growing queue. Once a tick's work takes at
/// most half the tick, it narrows again (×0.8, not below <c>baseMs</c>); narrowed that way the work still fits, so the
/// tick does not swing back and forth. An empty tick counts as one that fits.
/// </summary>
public sealed class AdaptiveTick(int baseMs, int maxMs)
{
    private readonly int _max = Math.Max(baseMs, maxMs);

    /// <summary>The narrowest tick (<see cref="LiveOptions.PushIntervalMs"/>).</summary>
    public int BaseMs { get; } = baseMs;

    /// <summary>The tick now, in milliseconds.</summary>
    public int IntervalMs { get; private set; } = baseMs;

    /// <summary>Takes the time a tick's work took and returns how the tick changed: +1 wider, -1 narrower, 0 not.</summary>
    public int After(double workMs)
    {
        var before = IntervalMs;
        if (workMs > IntervalMs)
            IntervalMs = Math.Min(_max, Math.Max((int)Math.Ceiling(IntervalMs * 1.5), (int)Math.Ceiling(workMs)));
        else if (workMs * 2 <= IntervalMs)
            IntervalMs = Math.Max(BaseMs, (int)(IntervalMs * 0.8));
        return Math.Sign(IntervalMs - before);
    }
}
