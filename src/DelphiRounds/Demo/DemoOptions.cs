namespace DelphiRounds.Demo;

/// <summary>The demo study. Bound from the <c>Demo</c> section.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Seed the demo study when <c>scripts/run.sh</c> finds an empty database.</summary>
    public bool SeedWhenEmpty { get; set; } = true;

    /// <summary>Seed of the demo's random generator: the same seed gives the same demo.</summary>
    public int Seed { get; set; } = 2030;
}
