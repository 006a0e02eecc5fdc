namespace DelphiRounds.Demo;

/// <summary>
/// Which of the demo's organisations sign with a passkey (issue 19): most do, with a software passkey
/// (<see cref="DemoPasskey"/>) whose signatures every verifier checks; every third signs by one-time link, among them the
/// organisation that withdraws later (a withdrawal is signed the way its endorsement was). Kept apart from the rest of the
/// demo's signing so the two can change independently.
/// </summary>
public sealed partial class VisionDemo
{
    /// <summary>True for the organisations (by their place in <see cref="Organisations"/>) that sign with a passkey.</summary>
    public static bool SignsWithPasskey(int index) => index % 3 != 2;

    /// <summary>The demo's passkeys, for the site's own origin (a passkey belongs to the site it was made on).</summary>
    private DemoPasskey DemoPasskeys() => new(site.BaseUrl(null));
}
