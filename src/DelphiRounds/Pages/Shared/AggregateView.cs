using System.Globalization;
using DelphiRounds.Consensus;
using DelphiRounds.Live;
using DelphiRounds.Studies;

namespace DelphiRounds.Pages;

/// <summary>What the <c>_Aggregate</c> partial shows for one rating item: the panel's answer, live.</summary>
public sealed record AggregateView(
    long ItemId, RatingScale Scale, ItemStats? Stats, double? Mine,
    IReadOnlyList<StakeholderGroup> Groups, bool English, string HeadingId)
{
    public int N => Stats?.Overall.N ?? 0;

    public int Count(int category) => Stats?.Overall.Distribution?.GetValueOrDefault(category) ?? 0;

    /// <summary>Bar length in percent of the largest category (so the shape is readable with few answers).</summary>
    public double BarPercent(int category)
    {
        var max = Stats?.Overall.Distribution?.Values.DefaultIfEmpty(0).Max() ?? 0;
        return max == 0 ? 0 : Math.Round(100.0 * Count(category) / max, 1);
    }

    public static string Number(double? value) =>
        value is { } v ? v.ToString("0.##", CultureInfo.CurrentCulture) : "—";

    public string Quartiles => Stats?.Overall.Q1 is { } q1 && Stats.Overall.Q3 is { } q3 ? $"{Number(q1)} – {Number(q3)}" : "—";
}
