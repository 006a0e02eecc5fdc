using DelphiRounds.Items;

namespace DelphiRounds.Arguments;

/// <summary>Which side an argument supports.</summary>
public enum ArgumentSide { For, Against, Between }

/// <summary>
/// Groups arguments into for and against: on a rating scale by the answer's side of the middle of the
/// scale; for numbers and years by the side of the panel's median (higher / lower).
/// </summary>
public static class ArgumentSides
{
    public static ArgumentSide Of(Item item, double? value, double? median)
    {
        if (value is not { } v) return ArgumentSide.Between;
        if (item.Kind == ItemKinds.Rating && item.Scale is { } scale)
        {
            var middle = (scale.Min + scale.Max) / 2.0;
            return v > middle ? ArgumentSide.For : v < middle ? ArgumentSide.Against : ArgumentSide.Between;
        }
        if (median is not { } m) return ArgumentSide.Between;
        return v > m ? ArgumentSide.For : v < m ? ArgumentSide.Against : ArgumentSide.Between;
    }
}
