using DelphiRounds.Consensus;
using DelphiRounds.Studies;

namespace DelphiRounds.Items;

/// <summary>The study's consensus rules applied to one item (Studies holds the rules; the items know their kinds).</summary>
public static class ItemCriteria
{
    /// <summary>The analyze contract's criteria for a rating, numeric or year item; null for other kinds.</summary>
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
}
