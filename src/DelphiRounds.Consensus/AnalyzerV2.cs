namespace DelphiRounds.Consensus;

/// <summary>
/// Version 2 of the analyze contract for a rating or numeric item: the statistics of version 1, consensus
/// for or against, stability by net change or median shift, fragility, dissensus poles, attrition and one
/// verdict. Refuses bad input with an <see cref="AnalysisInputException"/> that names the field.
/// </summary>
public static class AnalyzerV2
{
    /// <summary>Analyses a rating or numeric item under version 2 of the consensus rules.</summary>
    /// <exception cref="AnalysisInputException">The input breaks a rule of the contract.</exception>
    public static ItemAnalysisV2 Analyze(ItemInputV2 input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Validate(input);
        // With one voice per organisation, fragility counts organisations: "without one" is without one organisation and all its members.
        return Analyzer.AnalyzeVoices<ItemInputV2, ConsensusCriteriaV2, ItemAnalysisV2>(input, AnalyzeValidated);
    }

    private static ItemAnalysisV2 AnalyzeValidated(ItemInputV2 input)
    {

        var criteria = input.Criteria;
        var againstBand = criteria?.DisagreementBand;
        int method = input.QuantileMethod;

        var (overall, groups) = Analyzer.ComputePanel(input.Responses, method, input.ScaleIfRating, criteria?.AgreementBand);
        double? disagreement = null;
        var groupDisagreement = new Dictionary<string, double?>(StringComparer.Ordinal);
        if (againstBand is { } band)
        {
            disagreement = ConsensusJudgeV2.Share(input.Responses.Select(r => r.Value).ToList(), band);
            foreach (var (group, values) in Analyzer.ByGroup(input.Responses)) groupDisagreement.Add(group, ConsensusJudgeV2.Share(values, band));
        }

        var judge = criteria is null ? null : new ConsensusJudgeV2(criteria, method);
        StabilityV2? stability = null;
        Attrition? attrition = null;
        if (input.PreviousRound is { } previous)
        {
            stability = ComputeStability(input, previous, overall.Median);
            var present = input.Responses.Select(r => r.Participant).ToHashSet(StringComparer.Ordinal);
            var dropped = previous.Where(r => !present.Contains(r.Participant)).ToList();
            attrition = new Attrition(dropped.Count, judge?.Direction([.. input.Responses, .. dropped]));
        }

        ConsensusResultV2? consensus = null;
        ConsensusVerdict? verdict = null;
        if (judge is not null)
        {
            consensus = judge.Judge(input.Responses);
            verdict = consensus.Direction switch
            {
                ConsensusDirection.For => ConsensusVerdict.ConsensusFor,
                ConsensusDirection.Against => ConsensusVerdict.ConsensusAgainst,
                _ => stability?.Stable == true ? ConsensusVerdict.StableDissent : ConsensusVerdict.Continue,
            };
        }

        Dissensus? dissensus = null;
        if (criteria is { AgreementBand: { } forBand, DisagreementBand: { } against })
        {
            bool polarised = overall.N >= 4 && overall.AgreementInBand >= criteria.MinPole && disagreement >= criteria.MinPole;
            // A pole is a group that speaks as one; a group too small to be judged speaks for nobody.
            var judged = groups.Where(g => g.Value.N >= criteria.SmallestJudgedGroup).ToList();
            dissensus = new Dissensus(polarised, Pole(judged, forBand), Pole(judged, against));
        }

        return new ItemAnalysisV2
        {
            Kind = input.Kind,
            QuantileMethod = method,
            Overall = overall,
            Groups = groups,
            AgreementBand = criteria?.AgreementBand,
            DisagreementBand = againstBand,
            DisagreementInBand = disagreement,
            GroupDisagreementInBand = groupDisagreement,
            Stability = stability,
            Consensus = consensus,
            Dissensus = dissensus,
            Attrition = attrition,
            Verdict = verdict,
        };
    }

    private static List<string> Pole(List<KeyValuePair<string, Statistics>> groups, (double Low, double High) band) =>
        groups.Where(g => g.Value.Median is { } median && Analyzer.InBand(median, band))
            .Select(g => g.Key).Order(StringComparer.Ordinal).ToList();

    private static StabilityV2 ComputeStability(ItemInputV2 input, IReadOnlyList<Response> previous, double? median)
    {
        var pairs = Analyzer.ComputeStability(input.Responses, previous);
        double? netChange = null, medianShift = null;
        if (input.ScaleIfRating is { } scale)
        {
            netChange = NetChange(input.Responses, previous, scale);
        }
        else if (input.Kind == ItemKind.Numeric && median is { } now && previous.Count > 0)
        {
            var before = previous.Select(r => r.Value).Order().ToList();
            medianShift = Math.Abs(now - Quantiles.Of(before, input.QuantileMethod, 0.5));
        }

        bool? stable = null;
        if (input.Criteria is { } criteria)
        {
            // A criterion without its figure (no pairs, an empty round) says nothing either way.
            var holds = new List<bool>();
            if (criteria.MaxNetChange is { } maxNet && netChange is { } net) holds.Add(net <= maxNet);
            if (criteria.MaxMedianShift is { } maxShift && medianShift is { } shift) holds.Add(shift <= maxShift);
            if (criteria.MaxChangedFraction is { } maxChanged && pairs.ChangedFraction is { } changed) holds.Add(changed <= maxChanged);
            if (holds.Count > 0) stable = holds.All(h => h);
        }
        return new StabilityV2(pairs.Pairs, pairs.ChangedFraction, pairs.MeanAbsoluteChange, pairs.WilcoxonP, netChange, medianShift, stable);
    }

    /// <summary>
    /// Scheibe, Skutsch &amp; Schofer's net change: half the total absolute change in the share of each
    /// category, over all answers of each round, so answers that merely trade places cancel out.
    /// </summary>
    internal static double? NetChange(IReadOnlyList<Response> current, IReadOnlyList<Response> previous, RatingScale scale)
    {
        if (current.Count == 0 || previous.Count == 0) return null;
        var now = new long[scale.Categories];
        var before = new long[scale.Categories];
        foreach (var r in current) now[(int)r.Value - scale.Min]++;
        foreach (var r in previous) before[(int)r.Value - scale.Min]++;
        // Cross-multiplied, the sum is an exact integer and the result one correctly rounded division.
        long n = current.Count, m = previous.Count, sum = 0;
        for (int c = 0; c < now.Length; c++) sum += Math.Abs(now[c] * m - before[c] * n);
        return sum / (2.0 * n * m);
    }

    private static void Validate(ItemInputV2 input)
    {
        Analyzer.ValidateAnswers(input);
        if (input.Criteria is { } criteria) ValidateCriteria(criteria, input.ScaleIfRating);
    }

    private static void ValidateCriteria(ConsensusCriteriaV2 criteria, RatingScale? scale)
    {
        Analyzer.ValidateSharedBounds(criteria);
        Analyzer.Finite(criteria.MaxNetChange, "criteria.maxNetChange");
        Analyzer.Finite(criteria.MaxMedianShift, "criteria.maxMedianShift");
        Analyzer.Finite(criteria.MinPole, "criteria.minPole");
        if (criteria.AgreementBand is { } forBand)
        {
            Analyzer.ValidateBand(forBand, "criteria.agreementBand");
            OnScale(forBand, "criteria.agreementBand", scale);
        }
        if (criteria.DisagreementBand is { } againstBand)
        {
            Analyzer.ValidateBand(againstBand, "criteria.disagreementBand");
            if (criteria.AgreementBand is not { } agreement)
            {
                throw new AnalysisInputException("criteria.disagreementBand", "needs criteria.agreementBand: against is the other end of a scale that has a for");
            }
            OnScale(againstBand, "criteria.disagreementBand", scale);
            // Touching ends overlap too: an answer on the shared point would count both for and against.
            if (againstBand.Low <= agreement.High && agreement.Low <= againstBand.High)
            {
                throw new AnalysisInputException("criteria.disagreementBand",
                    $"{Band(againstBand)} overlaps criteria.agreementBand {Band(agreement)}; an answer cannot count both for and against");
            }
        }
        Analyzer.ValidateSharedNeeds(criteria);
        if (criteria.MaxNetChange is { } net && net is < 0 or > 1)
        {
            throw new AnalysisInputException("criteria.maxNetChange", $"{Analyzer.Show(net)} is not a share; net change runs from 0 to 1");
        }
        if (criteria.MaxMedianShift is { } shift && shift <= 0)
        {
            throw new AnalysisInputException("criteria.maxMedianShift", $"{Analyzer.Show(shift)} is not above 0; give the largest shift of the median that still counts as stable, in the item's unit");
        }
        if (criteria.MinPole is < 0 or > 1)
        {
            throw new AnalysisInputException("criteria.minPole", $"{Analyzer.Show(criteria.MinPole)} is not a share; use 0 to 1 (default 0.25)");
        }
    }

    private static void OnScale((double Low, double High) band, string field, RatingScale? scale)
    {
        if (scale is null) return;
        if (band.Low < scale.Min || band.High > scale.Max)
        {
            throw new AnalysisInputException(field, $"{Band(band)} reaches outside the scale {scale.Min}..{scale.Max}");
        }
    }

    private static string Band((double Low, double High) band) => $"[{Analyzer.Show(band.Low)}, {Analyzer.Show(band.High)}]";
}
