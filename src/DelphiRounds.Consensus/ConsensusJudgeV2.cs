namespace DelphiRounds.Consensus;

/// <summary>
/// Judges the direction of consensus under version 2: for (agreement band), against (disagreement band),
/// or neither. Works from the answers themselves, not from finished statistics, because fragility and
/// attrition judge the same rules again on the answers with some taken out or put back.
/// </summary>
internal sealed class ConsensusJudgeV2(ConsensusCriteriaV2 criteria, int quantileMethod)
{
    /// <summary>The direction with reasons and fragility: what <c>consensus</c> shows.</summary>
    public ConsensusResultV2 Judge(IReadOnlyList<Response> responses)
    {
        var reasons = new List<string>();
        var direction = Decide(responses, reasons);

        // Taking away any one of several answers with the same group and value leaves the same answers to judge,
        // so each distinct answer is judged once: a rating panel costs at most categories × groups judgements.
        int flips = 0;
        var without = new List<Response>(responses.Count);
        foreach (var ((group, value), count) in responses.CountBy(r => (r.Group, r.Value)))
        {
            without.Clear();
            bool skipped = false;
            foreach (var response in responses)
            {
                if (!skipped && response.Group == group && response.Value == value) skipped = true;
                else without.Add(response);
            }
            if (Direction(without) != direction) flips += count;
        }

        var groupFlips = responses.Select(r => r.Group).OfType<string>().Distinct().Order(StringComparer.Ordinal)
            .Where(group => Direction(responses.Where(r => r.Group != group).ToList()) != direction)
            .ToList();
        return new ConsensusResultV2(direction, reasons, flips, groupFlips);
    }

    /// <summary>The direction alone, for answers other than the panel's own (fragility, attrition).</summary>
    public ConsensusDirection? Direction(IReadOnlyList<Response> responses) => Decide(responses, null);

    /// <summary>Share of <paramref name="values"/> inside the inclusive band; null for no values.</summary>
    public static double? Share(IReadOnlyCollection<double> values, (double Low, double High) band) =>
        values.Count == 0 ? null : (double)values.Count(v => Analyzer.InBand(v, band)) / values.Count;

    private ConsensusDirection? Decide(IReadOnlyList<Response> responses, List<string>? reasons)
    {
        if (criteria.MaxIqr is null && criteria.MinAgreement is null)
        {
            reasons?.Add("no agreement criterion: give maxIqr, or minAgreement with a band");
            return null;
        }
        if (responses.Count == 0) reasons?.Add(ConsensusJudge.NoAnswers);

        var panel = responses.Select(r => r.Value).Order().ToList();
        var groups = new List<(string Name, List<double> Values)>();
        if (criteria.RequireEveryGroup)
        {
            foreach (var (group, values) in Analyzer.ByGroup(responses))
            {
                // Below the smallest judged size a group no longer counts, as if it were not there.
                if (values.Count >= criteria.SmallestJudgedGroup) groups.Add((group, values.Order().ToList()));
            }
        }

        bool withAgainst = criteria.DisagreementBand is not null && criteria.MinAgreement is not null;
        var forPrefix = criteria.DisagreementBand is null ? "" : "for: ";
        bool isFor = Holds(panel, groups, criteria.AgreementBand, "agreement", forPrefix, reasons);
        bool isAgainst = withAgainst && Holds(panel, groups, criteria.DisagreementBand, "disagreement", "against: ", reasons);
        if (isFor && isAgainst)
        {
            reasons?.Add($"split: the panel meets the criteria both for and against (minAgreement {Analyzer.Show(criteria.MinAgreement!.Value)})");
            return null;
        }
        return isFor ? ConsensusDirection.For : isAgainst ? ConsensusDirection.Against : null;
    }

    private bool Holds(List<double> panel, List<(string Name, List<double> Values)> groups, (double Low, double High)? band,
        string label, string prefix, List<string>? reasons)
    {
        // No answers: nobody can be said to agree (the reason is given once, not per judgement).
        bool holds = panel.Count > 0 && Check(panel, band, label, prefix, reasons);
        foreach (var (name, values) in groups) holds &= Check(values, band, label, $"{prefix}group {name}: ", reasons);
        return holds;
    }

    private bool Check(List<double> sorted, (double Low, double High)? band, string label, string prefix, List<string>? reasons)
    {
        if (sorted.Count == 0) return false;
        bool holds = true;
        // Equality passes: a criterion fails only on a strict breach.
        if (criteria.MaxIqr is { } maxIqr)
        {
            double iqr = Quantiles.Of(sorted, quantileMethod, 0.75) - Quantiles.Of(sorted, quantileMethod, 0.25);
            if (iqr > maxIqr)
            {
                holds = false;
                reasons?.Add(ConsensusJudge.IqrTooWide(prefix, iqr, maxIqr));
            }
        }
        if (criteria.MinAgreement is { } minAgreement && band is { } b)
        {
            double share = Share(sorted, b)!.Value;
            if (share < minAgreement)
            {
                holds = false;
                reasons?.Add(ConsensusJudge.ShareTooSmall(prefix, label, share, minAgreement));
            }
        }
        return holds;
    }
}
