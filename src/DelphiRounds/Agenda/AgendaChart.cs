using System.Globalization;
using System.Net;
using System.Text;

namespace DelphiRounds.Agenda;

/// <summary>How the latest measured value stands against the straight path from the signing date to the target.</summary>
public enum Progress { NoPath, OnTrack, Behind, Ahead }

/// <summary>
/// Progress of one indicator, drawn on the server as SVG (no script): the signed target band (middle half) and median,
/// the straight path from the first measured value after signing to the median at the horizon, and the measured values.
/// The SVG is an image with a text alternative; the same numbers are in the table next to it.
/// </summary>
public sealed record AgendaChart(Indicator Indicator, Target? Target, IReadOnlyList<Measurement> Values, DateOnly SignedOn, int? HorizonYear)
{
    private const double Width = 640, Height = 280, Left = 76, Right = 16, Top = 16, Bottom = 48;

    /// <summary>Within this share of the path's whole change the latest value counts as on track.</summary>
    public const double Tolerance = 0.05;

    public DateOnly? TargetDate => HorizonYear is { } y ? new DateOnly(y, 12, 31) : null;

    /// <summary>Where the straight path stands on <paramref name="date"/>; null without a target, a horizon or a first value.</summary>
    public double? PathAt(DateOnly date)
    {
        if (Target?.Median is not { } goal || TargetDate is not { } end || Values.Count == 0) return null;
        var start = DateOnly.ParseExact(Values[0].MeasuredOn, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var span = end.DayNumber - start.DayNumber;
        if (span <= 0) return goal;
        var share = Math.Clamp((date.DayNumber - start.DayNumber) / (double)span, 0, 1);
        return Values[0].Value + (goal - Values[0].Value) * share;
    }

    /// <summary>The latest value against the path, in the indicator's direction (better is higher or lower).</summary>
    public Progress Progress
    {
        get
        {
            if (Values.Count < 2 || Target?.Median is not { } goal) return Progress.NoPath;
            var latest = Values[^1];
            if (PathAt(DateOnly.ParseExact(latest.MeasuredOn, "yyyy-MM-dd", CultureInfo.InvariantCulture)) is not { } expected) return Progress.NoPath;
            var scale = Math.Max(Math.Abs(goal - Values[0].Value), 1e-9);
            var ahead = (latest.Value - expected) / scale * (Indicator.Direction == Directions.Lower ? -1 : 1);
            return ahead > Tolerance ? Progress.Ahead : ahead < -Tolerance ? Progress.Behind : Progress.OnTrack;
        }
    }

    /// <summary>The chart as SVG markup (its text alternative is given by the page, by id).</summary>
    public string Svg(string titleId, string descriptionId)
    {
        var dates = Values.Select(v => DateOnly.ParseExact(v.MeasuredOn, "yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();
        var first = SignedOn;
        var last = new[] { TargetDate ?? SignedOn, dates.Count > 0 ? dates.Max() : SignedOn, SignedOn.AddYears(1) }.Max();
        var numbers = Values.Select(v => v.Value).Concat(new[] { Target?.Q1, Target?.Q3, Target?.Median }.OfType<double>()).ToList();
        if (numbers.Count == 0) numbers.Add(0);
        var (low, high) = (numbers.Min(), numbers.Max());
        var pad = (high - low) * 0.1;
        if (pad == 0) pad = Math.Max(Math.Abs(high) * 0.1, 1);
        (low, high) = (low - pad, high + pad);
        double X(DateOnly d) => Left + (Width - Left - Right) * (d.DayNumber - first.DayNumber) / Math.Max(1, last.DayNumber - first.DayNumber);
        double Y(double v) => Top + (Height - Top - Bottom) * (high - v) / (high - low);
        static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"agenda-chart\" viewBox=\"0 0 {F(Width)} {F(Height)}\" role=\"img\" aria-labelledby=\"{titleId} {descriptionId}\" xmlns=\"http://www.w3.org/2000/svg\">");
        // Axes with the first and last date and the lowest and highest value.
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(Left)}\" y1=\"{F(Height - Bottom)}\" x2=\"{F(Width - Right)}\" y2=\"{F(Height - Bottom)}\" stroke=\"#555\" />");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(Left)}\" y1=\"{F(Top)}\" x2=\"{F(Left)}\" y2=\"{F(Height - Bottom)}\" stroke=\"#555\" />");
        foreach (var (d, anchor) in new[] { (first, "start"), (last, "end") })
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(d))}\" y=\"{F(Height - 14)}\" font-size=\"20\" text-anchor=\"{anchor}\" fill=\"#222\">{d:yyyy-MM-dd}</text>");
        foreach (var v in new[] { low + pad, high - pad })
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left - 6)}\" y=\"{F(Y(v) + 6)}\" font-size=\"20\" text-anchor=\"end\" fill=\"#222\">{WebUtility.HtmlEncode(Show(v))}</text>");
        // The signed band and median.
        if (Target is { Q1: { } q1, Q3: { } q3 })
            svg.Append(CultureInfo.InvariantCulture, $"<rect data-band x=\"{F(Left)}\" y=\"{F(Y(q3))}\" width=\"{F(Width - Left - Right)}\" height=\"{F(Math.Max(1, Y(q1) - Y(q3)))}\" fill=\"#cfe3f5\" />");
        if (Target?.Median is { } median)
            svg.Append(CultureInfo.InvariantCulture, $"<line data-median x1=\"{F(Left)}\" y1=\"{F(Y(median))}\" x2=\"{F(Width - Right)}\" y2=\"{F(Y(median))}\" stroke=\"#1f5f99\" stroke-dasharray=\"6 4\" />");
        // The straight path from the first value to the median at the horizon.
        if (Values.Count > 0 && Target?.Median is { } goal && TargetDate is { } end)
            svg.Append(CultureInfo.InvariantCulture, $"<line data-path x1=\"{F(X(dates[0]))}\" y1=\"{F(Y(Values[0].Value))}\" x2=\"{F(X(end))}\" y2=\"{F(Y(goal))}\" stroke=\"#6b6b6b\" stroke-width=\"2\" stroke-dasharray=\"2 3\" />");
        // The measured values.
        if (Values.Count > 1)
            svg.Append("<polyline data-values fill=\"none\" stroke=\"#b3261e\" stroke-width=\"2\" points=\"")
                .AppendJoin(' ', Values.Select((v, i) => $"{F(X(dates[i]))},{F(Y(v.Value))}")).Append("\" />");
        for (var i = 0; i < Values.Count; i++)
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(X(dates[i]))}\" cy=\"{F(Y(Values[i].Value))}\" r=\"4\" fill=\"#b3261e\" />");
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Show(double v) => v.ToString("0.##", CultureInfo.CurrentCulture);
}
