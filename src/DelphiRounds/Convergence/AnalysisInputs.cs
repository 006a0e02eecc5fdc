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
    public static ItemInput? ForNumbers(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers, IEnumerable<CurrentAnswer>? previous) =>
        NumbersInput<ItemInput, ConsensusCriteria>(item, rules, answers, previous,
            (kind, responses) => new ItemInput { Kind = kind, Responses = responses }, rules.ForItem);

    /// <summary>The contract input under version 2 of the rules, for a rating, numeric or year item; null for other kinds.</summary>
    public static ItemInputV2? ForNumbersV2(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers, IEnumerable<CurrentAnswer>? previous) =>
        NumbersInput<ItemInputV2, ConsensusCriteriaV2>(item, rules, answers, previous,
            (kind, responses) => new ItemInputV2 { Kind = kind, Responses = responses }, rules.ForItemV2);

    /// <summary>
    /// The input both versions of the contract share (kind, scale, quantile method, answers, previous round, unit,
    /// year), with the criteria of the version: <paramref name="create"/> makes the version's input, <paramref name="criteria"/>
    /// gives its criteria for the item. Null for rankings and open questions.
    /// </summary>
    private static TInput? NumbersInput<TInput, TCriteria>(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers,
        IEnumerable<CurrentAnswer>? previous, Func<ItemKind, List<Response>, TInput> create, Func<Item, TCriteria?> criteria)
        where TInput : ItemInputBase<TCriteria> where TCriteria : ConsensusCriteriaBase
    {
        if (!ItemKinds.IsNumberLike(item.Kind)) return null;
        var rating = item.Kind == ItemKinds.Rating;
        return (TInput)(create(rating ? ItemKind.Rating : ItemKind.Numeric, Responses(item, rules, answers)) with
        {
            Scale = rating ? item.Scale : null,
            QuantileMethod = rules.QuantileMethod,
            PreviousRound = previous is null ? null : Responses(item, rules, previous),
            Criteria = criteria(item),
            Unit = UnitOf(rules),
            Year = item.Kind == ItemKinds.Year,
        });
    }

    /// <summary>
    /// A rating, numeric or year item analysed under the version of the rules its study was locked with: the
    /// contract's input and output documents, and the statistics in the shape every screen reads. Null for
    /// rankings and open questions.
    /// </summary>
    public static NumberAnalysis? Analyse(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers, IEnumerable<CurrentAnswer>? previous)
    {
        if (rules.RulesVersion == 1)
        {
            if (ForNumbers(item, rules, answers, previous) is not { } input) return null;
            var analysis = Analyzer.Analyze(input);
            return new NumberAnalysis(input, null, analysis, null);
        }
        if (ForNumbersV2(item, rules, answers, previous) is not { } v2) return null;
        var result = AnalyzerV2.Analyze(v2);
        // The statistics of both versions are the same code; only consensus and stability differ.
        var common = new ItemAnalysis
        {
            Kind = result.Kind,
            QuantileMethod = result.QuantileMethod,
            Overall = result.Overall,
            Groups = result.Groups,
            AgreementBand = result.AgreementBand,
            Unit = result.Unit,
            People = result.People,
            Stability = result.Stability is { } st ? new Stability(st.Pairs, st.ChangedFraction, st.MeanAbsoluteChange, st.WilcoxonP) : null,
            Consensus = result.Consensus is { } c ? new ConsensusResult(c.Reached, c.Reasons) : null,
        };
        return new NumberAnalysis(null, v2, common, result);
    }

    /// <summary>
    /// The answers of the previous closed round (number <paramref name="previousRound"/>) an item is compared with, or
    /// null when a substantive rewording after that round started a new series: answers to another statement say
    /// nothing about how stable the answers to this one are. An editorial rewording keeps the series.
    /// </summary>
    public static IReadOnlyList<CurrentAnswer>? PreviousFor(Item item, IReadOnlyList<CurrentAnswer>? previous, int? previousRound, IEnumerable<ItemChange> changes) =>
        previous is null || previousRound is not { } number || NewSeriesSince(item.Id, number, changes) ? null : previous;

    /// <summary>True when the item was reworded substantively after round <paramref name="roundNumber"/> (or later).</summary>
    public static bool NewSeriesSince(long itemId, int roundNumber, IEnumerable<ItemChange> changes) =>
        changes.Any(c => c.ItemId == itemId && c.Substantive && c.AfterRound >= roundNumber);

    /// <summary>
    /// The contract input for a ranking item; null for other kinds. With one voice per organisation (<paramref name="rules"/>)
    /// each ranking names its organisation and the input says so.
    /// </summary>
    public static RankingInput? ForRanking(Item item, IEnumerable<CurrentAnswer> answers, ConsensusRules? rules = null)
    {
        if (item.Kind != ItemKinds.Ranking) return null;
        var unit = rules?.VoiceUnit ?? VoiceUnit.Person;
        var keys = item.Options.Select(o => o.Key).ToList();
        return new RankingInput(answers
            .Where(a => a.ItemId == item.Id && a.Detail?.Ranks is not null)
            .OrderBy(a => a.Pseudonym, StringComparer.Ordinal)
            .Select(a => new RankingResponse(a.Pseudonym, a.GroupSlug, keys.ToDictionary(k => k, k => a.Detail!.Ranks![k], StringComparer.Ordinal))
            {
                Organisation = unit == VoiceUnit.Organisation ? OrganisationKey(a) : null,
            })
            .ToList()) { Unit = rules is null ? null : UnitOf(rules) };
    }

    /// <summary>
    /// The key an organisation goes by in the contract's documents: <c>organisation-{the smallest pseudonym of its members}</c>,
    /// neither its name nor its id, so an export names no organisation beside an answer (docs/privacy.md). A panel member in
    /// no organisation speaks for themselves (<c>person-{pseudonym}</c>).
    /// </summary>
    public static string OrganisationKey(CurrentAnswer answer) =>
        answer.OrganisationKey is { } key ? $"organisation-{key}" : $"person-{answer.Pseudonym}";

    /// <summary>
    /// The unit the contract's documents state: only one voice per organisation is written, so the documents (and
    /// snapshots) of a study with one voice per person stay exactly what they were before units existed.
    /// </summary>
    private static VoiceUnit? UnitOf(ConsensusRules rules) => rules.VoiceUnit == VoiceUnit.Organisation ? VoiceUnit.Organisation : null;

    /// <summary>
    /// The answers the statistics use: those with a value ("don't know" has none, so it is never counted), and when the
    /// locked rules put the verdict on the experts, only those who rated their expertise 4 or 5. With one voice per
    /// organisation each names its organisation (the contract takes the organisation's median).
    /// </summary>
    private static List<Response> Responses(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers)
    {
        var experts = rules.VerdictFromExperts(item.Id);
        var unit = rules.VoiceUnit;
        return answers.Where(a => a.ItemId == item.Id && a.Value is not null && (!experts || a.Detail?.IsExpert == true))
            .OrderBy(a => a.Pseudonym, StringComparer.Ordinal)
            .Select(a => new Response(a.Pseudonym, a.GroupSlug, a.Value!.Value) { Organisation = unit == VoiceUnit.Organisation ? OrganisationKey(a) : null })
            .ToList();
    }

    /// <summary>How many current answers to an item are "don't know" (counted apart from the statistics).</summary>
    public static int DontKnowCount(long itemId, IEnumerable<CurrentAnswer> answers) =>
        answers.Count(a => a.ItemId == itemId && a.Value is null && a.Detail?.IsDontKnow == true);

    /// <summary>The figures of the experts alone (self-rated 4 or 5), for the side-by-side view; null for other kinds.</summary>
    public static ItemAnalysis? Experts(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers)
    {
        if (!ItemKinds.IsNumberLike(item.Kind)) return null;
        var experts = answers.Where(a => a.ItemId == item.Id && a.Detail?.IsExpert == true).ToList();
        return Analyse(item, rules with { VerdictBasis = null }, experts, null)?.Analysis;
    }

    /// <summary>The figures of every answer (whatever the verdict basis), for the side-by-side view; null for other kinds.</summary>
    public static ItemAnalysis? Everyone(Item item, ConsensusRules rules, IEnumerable<CurrentAnswer> answers) =>
        Analyse(item, rules with { VerdictBasis = null }, answers, null)?.Analysis;
}

/// <summary>A rating, numeric or year item analysed under version 1 (<see cref="Input"/>) or 2 (<see cref="InputV2"/>, <see cref="V2"/>).</summary>
/// <param name="Input">The version 1 input; null under version 2.</param>
/// <param name="InputV2">The version 2 input; null under version 1.</param>
/// <param name="Analysis">The statistics every screen reads (under version 2 with its consensus and stability figures of the pairs).</param>
/// <param name="V2">The full version 2 analysis: direction, verdict, fragility, poles, attrition.</param>
public sealed record NumberAnalysis(ItemInput? Input, ItemInputV2? InputV2, ItemAnalysis Analysis, ItemAnalysisV2? V2)
{
    /// <summary>The contract's input document: what <c>delphi analyze</c> reads to print <see cref="OutputJson"/>.</summary>
    public string InputJson => InputV2 is { } v2 ? AnalysisJson.WriteInput(v2) : AnalysisJson.WriteInput(Input!);

    /// <summary>The contract's output document, exactly as <c>delphi analyze</c> prints it.</summary>
    public string OutputJson => V2 is { } v2 ? AnalysisJson.Write(v2) : AnalysisJson.Write(Analysis);
}
