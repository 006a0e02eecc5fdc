namespace DelphiRounds.Consensus;

/// <summary>Whose voice counts in the statistics and verdicts of a study (locked with its rules).</summary>
public enum VoiceUnit
{
    /// <summary>One voice per person: every answer counts (the default, and what every study before issue 18 counts).</summary>
    Person,
    /// <summary>One voice per organisation: an organisation's answer is made of its members' answers (see <see cref="Voices"/>).</summary>
    Organisation,
}

/// <summary>
/// One voice per organisation: turns people's answers into their organisations' answers, which the analysis then
/// counts as it counts people's. An organisation's answer to a rating or numeric item is the median of its members'
/// answers; to a ranking, the order of its members' mean ranks. An organisation with no answer is absent.
/// </summary>
public static class Voices
{
    /// <summary>The name of a unit in the analyze contract and the API: <c>person</c> or <c>organisation</c>.</summary>
    public static string Name(VoiceUnit unit) => unit == VoiceUnit.Organisation ? "organisation" : "person";

    /// <summary>Reads a unit's name; null for anything else.</summary>
    public static VoiceUnit? Parse(string? name) => name switch
    {
        "person" => VoiceUnit.Person,
        "organisation" => VoiceUnit.Organisation,
        _ => null,
    };

    /// <summary>
    /// An organisation's answer to a rating or numeric item: the median of its members' answers (the middle one, or
    /// halfway between the two middle ones). On a rating scale a median halfway between two categories is rounded
    /// towards the middle of the scale, so that an organisation whose members are split leans to neither end; exactly
    /// on the middle of a scale with an even number of categories it goes to the lower of the two.
    /// </summary>
    public static double Median(IReadOnlyCollection<double> values, RatingScale? scale)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("An organisation without answers has no answer.", nameof(values));
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        if (scale is null || median == Math.Floor(median)) return median;
        double low = Math.Floor(median), high = Math.Ceiling(median);
        double middle = (scale.Min + scale.Max) / 2.0;
        return Math.Abs(high - middle) < Math.Abs(low - middle) ? high : low;
    }

    /// <summary>
    /// The organisations' answers: one response per organisation that answered, keyed by the organisation
    /// (participant = organisation, in the group its members answer in), in ordinal order of the organisation.
    /// </summary>
    /// <param name="responses">People's answers, each naming its organisation.</param>
    /// <param name="scale">The rating scale; null for a numeric item.</param>
    /// <param name="field">The list's name in the contract, for refusals (<c>responses</c>, <c>previousRound</c>).</param>
    /// <exception cref="AnalysisInputException">An answer without an organisation, or an organisation whose members answer in different groups.</exception>
    public static IReadOnlyList<Response> ByOrganisation(IReadOnlyList<Response> responses, RatingScale? scale, string field = "responses")
    {
        ArgumentNullException.ThrowIfNull(responses);
        var members = Members(responses, r => r.Organisation, r => r.Group, field);
        return members.Select(m => new Response(m.Key, m.Value.Group, Median(m.Value.Answers.Select(r => r.Value).ToList(), scale)) { Organisation = m.Key })
            .ToList();
    }

    /// <summary>
    /// The organisations' rankings: per organisation, its members' mean rank of each option, ranked again (1..n,
    /// ties sharing their mid-rank) so that each organisation is one rater of Kendall's W.
    /// </summary>
    /// <exception cref="AnalysisInputException">A ranking without an organisation, or an organisation whose members rank in different groups.</exception>
    public static IReadOnlyList<RankingResponse> ByOrganisation(IReadOnlyList<RankingResponse> rankings)
    {
        ArgumentNullException.ThrowIfNull(rankings);
        var members = Members(rankings, r => r.Organisation, r => r.Group, "rankings");
        var result = new List<RankingResponse>(members.Count);
        foreach (var (organisation, (group, answers)) in members)
        {
            var options = answers[0].Ranks.Keys.ToList();
            var mean = options.ToDictionary(o => o, o => answers.Average(a => a.Ranks.TryGetValue(o, out var r) ? r : double.NaN), StringComparer.Ordinal);
            result.Add(new RankingResponse(organisation, group, MidRanks(mean)) { Organisation = organisation });
        }
        return result;
    }

    /// <summary>The input with one voice per organisation: its answers (and the previous round's) replaced by the organisations'.</summary>
    public static TInput ByOrganisation<TInput, TCriteria>(TInput input)
        where TInput : ItemInputBase<TCriteria> where TCriteria : ConsensusCriteriaBase
    {
        ArgumentNullException.ThrowIfNull(input);
        return (TInput)(input with
        {
            Responses = ByOrganisation(input.Responses, input.ScaleIfRating),
            PreviousRound = input.PreviousRound is { } previous ? ByOrganisation(previous, input.ScaleIfRating, "previousRound") : null,
            Unit = null,
        });
    }

    /// <summary>Ranks values 1..n ascending, ties sharing the mean of the ranks they span (2.5, 2.5).</summary>
    internal static Dictionary<string, double> MidRanks(IReadOnlyDictionary<string, double> values)
    {
        var ordered = values.OrderBy(v => v.Value).ToList();
        var ranks = new Dictionary<string, double>(StringComparer.Ordinal);
        int i = 0;
        while (i < ordered.Count)
        {
            int j = i;
            // Means of whole and half ranks are exact in binary only up to rounding; treat a hair's difference as a tie.
            while (j + 1 < ordered.Count && Math.Abs(ordered[j + 1].Value - ordered[i].Value) < 1e-9) j++;
            double rank = (i + 1 + j + 1) / 2.0;
            for (int k = i; k <= j; k++) ranks[ordered[k].Key] = rank;
            i = j + 1;
        }
        // Keep the options in the order they were given.
        return values.Keys.ToDictionary(k => k, k => ranks[k], StringComparer.Ordinal);
    }

    private static SortedDictionary<string, (string? Group, List<T> Answers)> Members<T>(
        IReadOnlyList<T> answers, Func<T, string?> organisationOf, Func<T, string?> groupOf, string field)
    {
        var members = new SortedDictionary<string, (string? Group, List<T> Answers)>(StringComparer.Ordinal);
        for (int i = 0; i < answers.Count; i++)
        {
            var answer = answers[i];
            if (organisationOf(answer) is not { Length: > 0 } organisation)
                throw new AnalysisInputException($"{field}[{i}].organisation", "is required when the unit is organisation");
            var group = groupOf(answer);
            if (members.TryGetValue(organisation, out var known))
            {
                if (known.Group != group)
                    throw new AnalysisInputException($"{field}[{i}].group",
                        $"'{group ?? "(none)"}' differs from the group '{known.Group ?? "(none)"}' of the other members of organisation '{organisation}'");
                known.Answers.Add(answer);
            }
            else members.Add(organisation, (group, [answer]));
        }
        return members;
    }
}
