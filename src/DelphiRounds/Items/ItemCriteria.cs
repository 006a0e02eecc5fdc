using DelphiRounds.Consensus;
using DelphiRounds.Studies;

namespace DelphiRounds.Items;

/// <summary>The study's consensus rules applied to one item (Studies holds the rules; the items know their kinds).</summary>
public static class ItemCriteria
{
    /// <summary>The analyze contract's version 1 criteria for a rating, numeric or year item; null for other kinds.</summary>
    public static ConsensusCriteria? ForItem(this ConsensusRules rules, Item item) => item.Kind switch
    {
        ItemKinds.Rating when item.Scale is { } scale => rules.ForRating(scale),
        ItemKinds.Numeric or ItemKinds.Year when item.RangeMin is { } min && item.RangeMax is { } max => new ConsensusCriteria
        {
            MaxIqr = rules.MaxIqrShareOfRange * (max - min),
            MaxChangedFraction = rules.MaxChangedFraction,
            RequireEveryGroup = rules.RequireEveryGroup,
            MinGroupSize = rules.MinGroupSize,
        },
        _ => null,
    };

    /// <summary>
    /// The analyze contract's version 2 criteria for a rating, numeric or year item (the study's rules with the
    /// item's own where it has them); null for other kinds. Stability is judged by net change (rating) or by the
    /// shift of the median (numbers), not by the share of people who moved: a panel that converges moves.
    /// </summary>
    public static ConsensusCriteriaV2? ForItemV2(this ConsensusRules rules, Item item)
    {
        var own = rules.For(item.Id);
        switch (item.Kind)
        {
            case ItemKinds.Rating when item.Scale is { } scale:
                var (agree, disagree) = DefaultBands(rules, scale);
                return new ConsensusCriteriaV2
                {
                    MaxIqr = own?.MaxIqr ?? rules.MaxIqr,
                    AgreementBand = Band(own?.AgreementBand) ?? agree,
                    DisagreementBand = Band(own?.DisagreementBand) ?? disagree,
                    MinAgreement = rules.MinAgreement,
                    MaxNetChange = rules.MaxNetChange ?? 0.15,
                    MinPole = rules.MinPole ?? 0.25,
                    RequireEveryGroup = rules.RequireEveryGroup,
                    MinGroupSize = rules.MinGroupSize,
                };
            case ItemKinds.Numeric or ItemKinds.Year when item.RangeMin is { } min && item.RangeMax is { } max:
                var forBand = Band(own?.AgreementBand);
                var againstBand = forBand is null ? null : Band(own?.DisagreementBand);
                return new ConsensusCriteriaV2
                {
                    MaxIqr = own?.MaxIqr ?? rules.MaxIqrShareOfRange * (max - min),
                    AgreementBand = forBand,
                    DisagreementBand = againstBand,
                    // A share in a band only means something when the facilitator named the band.
                    MinAgreement = forBand is null ? null : rules.MinAgreement,
                    MaxMedianShift = own?.MaxMedianShift ?? DefaultMedianShift(rules, min, max),
                    MinPole = rules.MinPole ?? 0.25,
                    RequireEveryGroup = rules.RequireEveryGroup,
                    MinGroupSize = rules.MinGroupSize,
                };
            default:
                return null;
        }
    }

    /// <summary>
    /// What the live figures of an open round judge: under version 1 the item's criteria; under version 2 the
    /// "for" judgement alone (band, share, IQR, groups), so the running agreement uses the locked band. The verdict
    /// itself, for or against, stable or not, is made when the round closes.
    /// </summary>
    public static ConsensusCriteria? ForLive(this ConsensusRules rules, Item item) =>
        rules.RulesVersion == 1 ? rules.ForItem(item)
        : rules.ForItemV2(item) is { } v2 ? new ConsensusCriteria
        {
            MaxIqr = v2.MaxIqr, AgreementBand = v2.AgreementBand, MinAgreement = v2.MinAgreement,
            RequireEveryGroup = v2.RequireEveryGroup, MinGroupSize = v2.MinGroupSize,
        }
        : null;

    /// <summary>The default shift of the median that still counts as stable: 5 % of the answer range (never 0).</summary>
    public static double DefaultMedianShift(ConsensusRules rules, double min, double max)
    {
        var shift = (rules.MaxMedianShiftShareOfRange ?? 0.05) * (max - min);
        return shift > 0 ? shift : 1;
    }

    /// <summary>
    /// Version 2's default bands on a rating scale: the top categories agree, the bottom ones disagree, at most
    /// half the scale each, so they never overlap (1–7: 6–7 and 1–2; 1–5: 4–5 and 1–2; 1–3: 3 and 1).
    /// </summary>
    public static ((double Low, double High) Agree, (double Low, double High) Disagree) DefaultBands(ConsensusRules rules, RatingScale scale)
    {
        int half = Math.Max(1, scale.Categories / 2);
        int top = Math.Clamp(rules.AgreementTopCategories, 1, half);
        int bottom = Math.Clamp(rules.DisagreementBottomCategories ?? 2, 1, half);
        return ((scale.Max - top + 1, scale.Max), (scale.Min, scale.Min + bottom - 1));
    }

    private static (double Low, double High)? Band(double[]? band) => band is [var low, var high] ? (low, high) : null;
}

/// <summary>Checks a study's rules per item against its items: each band on the scale (or in the allowed range), the bands apart, shifts above 0.</summary>
public static class ItemRulesCheck
{
    /// <summary>The first rule at fault, with its field (<c>items.12.disagreementBand</c>) and a message; null when all hold.</summary>
    public static (string Field, string Message)? Find(ConsensusRules rules, IReadOnlyList<Item> items)
    {
        if (rules.Items is null) return null;
        var byId = items.ToDictionary(i => i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, own) in rules.Items)
        {
            var field = $"items.{key}";
            if (!byId.TryGetValue(key, out var item) || !(ItemKinds.IsNumberLike(item.Kind) || item.Kind == ItemKinds.Ranking))
                return (field, $"{key} is not a rating, numeric, year or ranking item of this study.");
            if (item.Kind == ItemKinds.Ranking)
            {
                // A ranking has no scale: its consensus is Kendall's W, its stability the change of W.
                if (own.AgreementBand is not null || own.DisagreementBand is not null || own.MaxIqr is not null || own.MaxMedianShift is not null)
                    return ($"{field}.{(own.AgreementBand is not null ? "agreementBand" : own.DisagreementBand is not null ? "disagreementBand" : own.MaxIqr is not null ? "maxIqr" : "maxMedianShift")}",
                        "a ranking item is judged by Kendall's W: set minKendallW and maxKendallWChange.");
                if (own.MinKendallW is { } minW && (!double.IsFinite(minW) || minW is < 0 or > 1))
                    return ($"{field}.minKendallW", "Kendall's W lies between 0 and 1.");
                if (own.MaxKendallWChange is { } change && (!double.IsFinite(change) || change is < 0 or > 1))
                    return ($"{field}.maxKendallWChange", "a change of Kendall's W lies between 0 and 1.");
                continue;
            }
            if (own.MinKendallW is not null || own.MaxKendallWChange is not null)
                return ($"{field}.{(own.MinKendallW is not null ? "minKendallW" : "maxKendallWChange")}", "only a ranking item is judged by Kendall's W.");
            (double Low, double High) range = item.Scale is { } scale ? (scale.Min, scale.Max) : (item.RangeMin ?? double.MinValue, item.RangeMax ?? double.MaxValue);
            var what = item.Scale is not null ? $"the scale {range.Low:0.##}–{range.High:0.##}" : $"the allowed answers {range.Low:0.##}–{range.High:0.##}";
            foreach (var (name, band) in new[] { ("agreementBand", own.AgreementBand), ("disagreementBand", own.DisagreementBand) })
            {
                if (band is null) continue;
                if (band.Length != 2 || !double.IsFinite(band[0]) || !double.IsFinite(band[1]) || band[0] > band[1])
                    return ($"{field}.{name}", "give a band as [low, high] with low at most high.");
                if (band[0] < range.Low || band[1] > range.High)
                    return ($"{field}.{name}", $"[{band[0]:0.##}, {band[1]:0.##}] reaches outside {what}.");
            }
            if (own.DisagreementBand is not null && item.Scale is null && own.AgreementBand is null)
                return ($"{field}.disagreementBand", "needs an agreement band too: against is the other end of a statement that has a for.");
            if (rules.ForItemV2(item) is { AgreementBand: { } agree, DisagreementBand: { } disagree } && disagree.Low <= agree.High && agree.Low <= disagree.High)
                return ($"{field}.{(own.DisagreementBand is null ? "agreementBand" : "disagreementBand")}",
                    $"the bands for ({agree.Low:0.##}–{agree.High:0.##}) and against ({disagree.Low:0.##}–{disagree.High:0.##}) overlap; an answer cannot count both for and against.");
            if (own.MaxIqr is { } iqr && (!double.IsFinite(iqr) || iqr < 0))
                return ($"{field}.maxIqr", "the largest interquartile range cannot be below 0.");
            if (own.MaxMedianShift is { } shift && (!double.IsFinite(shift) || shift <= 0))
                return ($"{field}.maxMedianShift", "the median shift that counts as stable must be above 0.");
            if (own.MaxMedianShift is not null && item.Kind == ItemKinds.Rating)
                return ($"{field}.maxMedianShift", "a rating item's stability is its net change, not a median shift.");
        }
        return null;
    }
}
