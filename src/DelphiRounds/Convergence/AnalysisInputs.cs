using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Studies;

namespace DelphiRounds.Convergence;

/// <summary>
/// Builds the analyze contract's input for an item from stored answers: pseudonymous participant ids and
/// group slugs only. The snapshot on close, the export and the reports all analyse exactly this; the live
/// aggregates are checked against it.
/// </summary>
public static class AnalysisInputs
{
    /// <summary>The contract input for a rating, numeric or year item; null for rankings and open questions.</summary>
    public static ItemInput? ForNumbers(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers, IEnumerable<CurrentAnswer>? previous)
    {
        if (!ItemKinds.IsNumberLike(item.Kind)) return null;
        return new ItemInput
        {
            Kind = item.Kind == ItemKinds.Rating ? ItemKind.Rating : ItemKind.Numeric,
            Scale = item.Kind == ItemKinds.Rating ? item.Scale : null,
            QuantileMethod = rules.QuantileMethod,
            Responses = Responses(item.Id, answers),
            PreviousRound = previous is null ? null : Responses(item.Id, previous),
            Criteria = rules.ForItem(item),
        };
    }

    /// <summary>The contract input for a ranking item; null for other kinds.</summary>
    public static RankingInput? ForRanking(Item item, IEnumerable<CurrentAnswer> answers)
    {
        if (item.Kind != ItemKinds.Ranking) return null;
        var keys = item.Options.Select(o => o.Key).ToList();
        return new RankingInput(answers
            .Where(a => a.ItemId == item.Id && a.Detail?.Ranks is not null)
            .OrderBy(a => a.Pseudonym, StringComparer.Ordinal)
            .Select(a => new RankingResponse(a.Pseudonym, a.GroupSlug, keys.ToDictionary(k => k, k => a.Detail!.Ranks![k], StringComparer.Ordinal)))
            .ToList());
    }

    private static List<Response> Responses(long itemId, IEnumerable<CurrentAnswer> answers) =>
        answers.Where(a => a.ItemId == itemId && a.Value is not null)
            .OrderBy(a => a.Pseudonym, StringComparer.Ordinal)
            .Select(a => new Response(a.Pseudonym, a.GroupSlug, a.Value!.Value))
            .ToList();
}
