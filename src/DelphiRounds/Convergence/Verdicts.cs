using DelphiRounds.Consensus;

namespace DelphiRounds.Convergence;

/// <summary>The stopping verdicts as they are stored and named in the API.</summary>
public static class Verdicts
{
    public const string Consensus = "consensus";
    public const string StableDissent = "stable-dissent";
    public const string Continue = "continue";

    public static string Name(StoppingVerdict v) => v switch
    {
        StoppingVerdict.Consensus => Consensus,
        StoppingVerdict.StableDissent => StableDissent,
        _ => Continue,
    };

    public static StoppingVerdict Parse(string v) => v switch
    {
        Consensus => StoppingVerdict.Consensus,
        StableDissent => StoppingVerdict.StableDissent,
        _ => StoppingVerdict.Continue,
    };
}
