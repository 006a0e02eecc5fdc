using System.Globalization;
using DelphiRounds.Items;
using DelphiRounds.Live;
using DelphiRounds.Studies;

namespace DelphiRounds.Pages;

/// <summary>What the <c>_Aggregate</c> partial shows for one item: the panel's answer (live, or of a closed round).</summary>
/// <param name="Item">The item.</param>
/// <param name="Stats">Its statistics, or null when there are none yet.</param>
/// <param name="Mine">The viewer's own answer (rating, numeric, year), marked in the figures.</param>
/// <param name="Groups">The study's stakeholder groups (figures shown only where there are at least 3 answers).</param>
/// <param name="English">Show English texts.</param>
/// <param name="HeadingId">Id of the block's heading (unique on the page).</param>
/// <param name="Heading">The heading text (e.g. "The panel's answer" or "Outcome of round 1").</param>
/// <param name="Live">Whether the block follows live pushes (data-stats attributes for the script).</param>
/// <param name="Plain">For participants: figures in plain words (whole points, agreement in words), exact figures stay with the facilitator.</param>
public sealed record AggregateView(
    Item Item, ItemStats? Stats, double? Mine, IReadOnlyList<StakeholderGroup> Groups, bool English, string HeadingId,
    string Heading, bool Live = true, bool Plain = false)
{
    /// <summary>
    /// For participants (<see cref="Plain"/>): the middle half of a rating or a year in whole points ("4 – 5", not
    /// "3.75 – 5.25"); the facilitator's pages and the report keep the exact figures.
    /// </summary>
    public bool WholePoints => Plain && Item.Kind is ItemKinds.Rating or ItemKinds.Year;

    public string Range(double? q1, double? q3)
    {
        if (q1 is not { } low || q3 is not { } high) return "—";
        if (!WholePoints) return $"{Number(low)} – {Number(high)}";
        var (a, b) = (Math.Round(low, MidpointRounding.AwayFromZero), Math.Round(high, MidpointRounding.AwayFromZero));
        return a == b ? Number(a) : $"{Number(a)} – {Number(b)}";
    }

    /// <summary>Kendall's W in words for participants: none (below 0.1), weak, moderate, strong, very strong (0.9 and up).</summary>
    public static readonly double[] AgreementSteps = [0.1, 0.3, 0.5, 0.7, 0.9];

    public static int AgreementWord(double w) => AgreementSteps.Count(step => w >= step);

    public long ItemId => Item.Id;
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

    public string Quartiles => Range(Stats?.Overall.Q1, Stats?.Overall.Q3);

    /// <summary>Numeric and year items: a position on the allowed range, in percent, for the SVG strip.</summary>
    public string Position(double? value)
    {
        if (value is not { } v || Item.RangeMin is not { } min || Item.RangeMax is not { } max || max <= min) return "0";
        return Math.Round(100 * Math.Clamp((v - min) / (max - min), 0, 1), 2).ToString(CultureInfo.InvariantCulture);
    }

    public string Unit => Item.Unit is { Length: > 0 } u ? " " + u : "";
}
