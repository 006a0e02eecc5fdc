using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Studies;

namespace DelphiRounds.Convergence;

/// <summary>
/// Builds the analyze contract's input for an item from stored answers: pseudonymous participant ids and
/// group slugs only. The snapshot on close, the export and the live aggregate all analyse exactly this.
/// </summary>
public static class AnalysisInputs
{
    /// <summary>The contract input for a rating item, or null for an item kind without statistics.</summary>
    public static ItemInput? For(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers, IEnumerable<CurrentAnswer>? previous)
    {
        if (item.Kind != ItemKinds.Rating || item.Scale is not { } scale) return null;
        return new ItemInput
        {
            Kind = ItemKind.Rating,
            Scale = scale,
            QuantileMethod = rules.QuantileMethod,
            Responses = Responses(item.Id, answers),
            PreviousRound = previous is null ? null : Responses(item.Id, previous),
            Criteria = rules.ForRating(scale),
        };
    }

    private static List<Response> Responses(long itemId, IEnumerable<CurrentAnswer> answers) =>
        answers.Where(a => a.ItemId == itemId && a.Value is not null)
            .OrderBy(a => a.Pseudonym, StringComparer.Ordinal)
            .Select(a => new Response(a.Pseudonym, a.GroupSlug, a.Value!.Value))
            .ToList();
}
