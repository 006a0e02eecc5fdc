using DelphiRounds.Consensus;

namespace DelphiRounds.Convergence;

/// <summary>
/// The stopping verdicts as they are stored and named in the API. A study locked under version 1 of the
/// consensus rules keeps <c>consensus</c>; version 2 says which way: <c>consensus-for</c> or <c>consensus-against</c>.
/// </summary>
public static class Verdicts
{
    /// <summary>Version 1: the criteria hold.</summary>
    public const string Consensus = "consensus";
    /// <summary>Version 2: the panel agrees with the statement.</summary>
    public const string ConsensusFor = "consensus-for";
    /// <summary>Version 2: the panel rejects the statement.</summary>
    public const string ConsensusAgainst = "consensus-against";
    public const string StableDissent = "stable-dissent";
    public const string Continue = "continue";

    /// <summary>Not a stopping verdict but an outcome people see: no consensus, and two camps of groups.</summary>
    public const string Polarised = "polarised";

    public static string Name(StoppingVerdict v) => v switch
    {
        StoppingVerdict.Consensus => Consensus,
        StoppingVerdict.StableDissent => StableDissent,
        _ => Continue,
    };

    public static string Name(ConsensusVerdict v) => AnalysisJson.VerdictName(v);

    /// <summary>True for every kind of consensus, of either version.</summary>
    public static bool IsConsensus(string? v) => v is Consensus or ConsensusFor or ConsensusAgainst;

    public static StoppingVerdict Parse(string v) => v switch
    {
        Consensus or ConsensusFor or ConsensusAgainst => StoppingVerdict.Consensus,
        StableDissent => StoppingVerdict.StableDissent,
        _ => StoppingVerdict.Continue,
    };
}
