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
        var (panel, groups) = Sorted(responses);
        var direction = Decide(panel, groups, reasons);

        // Taking away any one of several answers with the same group and value leaves the same answers to judge,
        // so each distinct answer is judged once: a rating panel costs at most categories × groups judgements.
        // The answers stay sorted: taking one away is taking its value out of the panel's and its group's values.
        int flips = 0;
        foreach (var ((group, value), count) in responses.CountBy(r => (r.Group, r.Value)))
        {
            var groupsWithout = group is null ? groups
                : groups.Select(g => g.Name == group ? (g.Name, Without(g.Values, value)) : g).ToList();
            if (Decide(Without(panel, value), groupsWithout, null) != direction) flips += count;
        }

        var groupFlips = groups.Select(g => g.Name)
            .Where(group => Direction(responses.Where(r => r.Group != group).ToList()) != direction)
            .ToList();
        return new ConsensusResultV2(direction, reasons, flips, groupFlips);
    }

    /// <summary>The direction alone, for answers other than the panel's own (fragility, attrition).</summary>
    public ConsensusDirection? Direction(IReadOnlyList<Response> responses)
    {
        var (panel, groups) = Sorted(responses);
        return Decide(panel, groups, null);
    }

    /// <summary>The panel's values sorted, and each group's (groups in ordinal order; answers without a group only in the panel's).</summary>
    private static (double[] Panel, List<(string Name, double[] Values)> Groups) Sorted(IReadOnlyList<Response> responses)
    {
        var panel = new double[responses.Count];
        for (var i = 0; i < panel.Length; i++) panel[i] = responses[i].Value;
        Array.Sort(panel);
        var groups = new List<(string Name, double[] Values)>();
        foreach (var (group, values) in Analyzer.ByGroup(responses))
        {
            var sorted = values.ToArray();
            Array.Sort(sorted);
            groups.Add((group, sorted));
        }
        return (panel, groups);
    }

    /// <summary>Sorted values with one occurrence of <paramref name="value"/> (which they hold) taken out.</summary>
    private static double[] Without(double[] sorted, double value)
    {
        var at = Array.BinarySearch(sorted, value);
        var result = new double[sorted.Length - 1];
        Array.Copy(sorted, 0, result, 0, at);
        Array.Copy(sorted, at + 1, result, at, sorted.Length - at - 1);
        return result;
    }

    /// <summary>Share of <paramref name="values"/> inside the inclusive band; null for no values.</summary>
    public static double? Share(IReadOnlyCollection<double> values, (double Low, double High) band) =>
        values.Count == 0 ? null : (double)values.Count(v => Analyzer.InBand(v, band)) / values.Count;

    private ConsensusDirection? Decide(double[] panel, List<(string Name, double[] Values)> allGroups, List<string>? reasons)
    {
        if (criteria.MaxIqr is null && criteria.MinAgreement is null)
        {
            reasons?.Add("no agreement criterion: give maxIqr, or minAgreement with a band");
            return null;
        }
        if (panel.Length == 0) reasons?.Add(ConsensusJudge.NoAnswers);

        // Below the smallest judged size a group no longer counts, as if it were not there.
        var groups = criteria.RequireEveryGroup
            ? allGroups.Where(g => g.Values.Length > 0 && g.Values.Length >= criteria.SmallestJudgedGroup).ToList()
            : [];

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

    private bool Holds(double[] panel, List<(string Name, double[] Values)> groups, (double Low, double High)? band,
        string label, string prefix, List<string>? reasons)
    {
        // No answers: nobody can be said to agree (the reason is given once, not per judgement).
        bool holds = panel.Length > 0 && Check(panel, band, label, prefix, reasons);
        foreach (var (name, values) in groups) holds &= Check(values, band, label, $"{prefix}group {name}: ", reasons);
        return holds;
    }

    private bool Check(double[] sorted, (double Low, double High)? band, string label, string prefix, List<string>? reasons)
    {
        if (sorted.Length == 0) return false;
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
