using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using DelphiRounds.Items;
using Microsoft.AspNetCore.Html;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Convergence;

/// <summary>
/// Convergence charts drawn on the server as SVG: the median with its interquartile band over the rounds,
/// the agreement (or IQR, or Kendall's W) against its criterion, and one small chart per stakeholder group.
/// Every chart is an image with a <c>title</c> and a <c>desc</c> that says in words what it shows; the
/// figures themselves are in the table beside it. Colours come from CSS classes (custom properties in
/// css/process.css): no inline styles, so a strict Content-Security-Policy holds.
/// </summary>
public static class ConvergenceCharts
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;
    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    public static string Show(double? v) => v is { } x ? x.ToString("0.##", CultureInfo.CurrentCulture) : "—";
    public static string Percent(double? v) => v is { } x ? (100 * x).ToString("0", CultureInfo.CurrentCulture) + "%" : "—";

    /// <summary>Round label on the x-axis: "R2", the open round "R3*".</summary>
    private static string RoundLabel(RoundFigures r) => "R" + r.Round.ToString(CultureInfo.InvariantCulture) + (r.Open ? "*" : "");

    private static string RoundWords(RoundFigures r, IStringLocalizer t) =>
        r.Open ? t["convergence.roundOpen", r.Round] : t["convergence.round", r.Round];

    /// <summary>Median and interquartile band of the whole panel over the rounds.</summary>
    public static IHtmlContent Location(ItemConvergenceView v, IStringLocalizer t, string id)
    {
        var (min, max) = v.Domain;
        var desc = string.Join(" ", v.Rounds.Select(r =>
            t["convergence.desc.location", RoundWords(r, t), r.N, Show(r.Median), Show(r.Q1), Show(r.Q3)].Value));
        return Chart(new Frame(480, 220, 52), id, t["convergence.chart.location", v.Number], desc, "chart chart--location", min, max,
            Ticks(v, min, max), v.Rounds, c =>
            {
                c.Band(v.Rounds, r => r.Q1, r => r.Q3);
                c.Line(v.Rounds, r => r.Median, "chart__median");
            });
    }

    /// <summary>
    /// The figure the consensus criterion is about, against its bound: the share in the agreement band
    /// (rating), the interquartile range (numeric, year) or Kendall's W (ranking).
    /// </summary>
    public static IHtmlContent Criterion(ItemConvergenceView v, IStringLocalizer t, string id)
    {
        if (v.IsRanking)
        {
            var descW = string.Join(" ", v.Rounds.Select(r => t["convergence.desc.kendall", RoundWords(r, t), Show(r.KendallW)].Value));
            return Chart(new Frame(480, 200, 52), id, t["convergence.chart.kendall", v.Number],
                descW + " " + t["convergence.desc.bound", Show(v.MinKendallW)], "chart chart--criterion", 0, 1,
                [0, 0.25, 0.5, 0.75, 1], v.Rounds, c =>
                {
                    c.Threshold(v.MinKendallW, t["convergence.bound", Show(v.MinKendallW)]);
                    c.Line(v.Rounds, r => r.KendallW, "chart__criterion");
                });
        }
        if (v.Item.Kind == ItemKinds.Rating && v.Criteria?.MinAgreement is { } minAgreement)
        {
            var descA = string.Join(" ", v.Rounds.Select(r => t["convergence.desc.agreement", RoundWords(r, t), Percent(r.Agreement)].Value));
            return Chart(new Frame(480, 200, 52), id, t["convergence.chart.agreement", v.Number],
                descA + " " + t["convergence.desc.bound", Percent(minAgreement)], "chart chart--criterion", 0, 1,
                [0, 0.25, 0.5, 0.75, 1], v.Rounds, c =>
                {
                    c.Threshold(minAgreement, t["convergence.bound", Percent(minAgreement)]);
                    c.Line(v.Rounds, r => r.Agreement, "chart__criterion");
                }, percent: true);
        }
        var maxIqr = v.Criteria?.MaxIqr;
        var top = Math.Max(v.Rounds.Select(r => r.Iqr ?? 0).DefaultIfEmpty(0).Max(), maxIqr ?? 0) * 1.15;
        if (top <= 0) top = 1;
        var descI = string.Join(" ", v.Rounds.Select(r => t["convergence.desc.iqr", RoundWords(r, t), Show(r.Iqr)].Value));
        return Chart(new Frame(480, 200, 52), id, t["convergence.chart.iqr", v.Number],
            descI + (maxIqr is { } b ? " " + t["convergence.desc.bound", Show(b)] : ""), "chart chart--criterion", 0, top,
            NiceTicks(0, top), v.Rounds, c =>
            {
                if (maxIqr is { } bound) c.Threshold(bound, t["convergence.bound", Show(bound)]);
                c.Line(v.Rounds, r => r.Iqr, "chart__criterion");
            });
    }

    /// <summary>A small chart of one stakeholder group's median and interquartile band (rounds with fewer than 3 answers left out).</summary>
    public static IHtmlContent Group(ItemConvergenceView v, GroupFigures g, IStringLocalizer t, string id)
    {
        var (min, max) = v.Domain;
        var desc = string.Join(" ", g.Rounds.Select(r =>
            t["convergence.desc.location", RoundWords(r, t), r.N, Show(r.Median), Show(r.Q1), Show(r.Q3)].Value));
        // The x-axis keeps every round of the item, so the small charts line up with the large one.
        var axis = v.Rounds.Select(r => g.Rounds.FirstOrDefault(x => x.Round == r.Round) ?? r with { Median = null, Q1 = null, Q3 = null }).ToList();
        return Chart(new Frame(240, 150, 40, Small: true), id, t["convergence.chart.group", g.Name, v.Number], desc, "chart chart--group", min, max,
            Ticks(v, min, max, small: true), axis, c =>
            {
                c.Band(axis, r => r.Q1, r => r.Q3);
                c.Line(axis, r => r.Median, "chart__median");
            });
    }

    private static double[] Ticks(ItemConvergenceView v, double min, double max, bool small = false)
    {
        if (v.Item.Scale is { } scale)
            return Enumerable.Range(scale.Min, scale.Max - scale.Min + 1).Where(x => !small || (x - scale.Min) % 2 == 0 || x == scale.Max).Select(x => (double)x).ToArray();
        return NiceTicks(min, max, small ? 3 : 5);
    }

    /// <summary>About <paramref name="count"/> round numbers (1, 2, 2.5 or 5 × 10ᵏ apart) between min and max.</summary>
    public static double[] NiceTicks(double min, double max, int count = 5)
    {
        if (max <= min) return [min];
        var raw = (max - min) / count;
        var power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * power).First(s => s >= raw);
        var first = Math.Ceiling(min / step) * step;
        var ticks = new List<double>();
        for (var x = first; x <= max + step * 1e-9; x += step) ticks.Add(Math.Round(x, 10));
        return ticks.ToArray();
    }

    private sealed record Frame(double Width, double Height, double Left, bool Small = false)
    {
        public double Right => 14;
        public double Top => 12;
        public double Bottom => 30;
    }

    private sealed class Canvas(StringBuilder sb, Frame f, double min, double max, int count)
    {
        public double X(int i) => count <= 1 ? f.Left + (f.Width - f.Left - f.Right) / 2 : f.Left + 12 + i * (f.Width - f.Left - f.Right - 24) / (count - 1);
        public double Y(double v) => f.Top + (max - Math.Clamp(v, min, max)) / (max - min) * (f.Height - f.Top - f.Bottom);

        /// <summary>The interquartile band; a single round is drawn as a bar.</summary>
        public void Band(IReadOnlyList<RoundFigures> rounds, Func<RoundFigures, double?> low, Func<RoundFigures, double?> high)
        {
            var half = f.Small ? 7 : 10;
            foreach (var run in Runs(rounds, r => low(r) is not null && high(r) is not null))
            {
                if (run.Count == 1)
                {
                    var (i, r) = run[0];
                    var top = Y(high(r)!.Value);
                    sb.Append($"<rect class=\"chart__band\" x=\"{F(X(i) - half)}\" y=\"{F(top)}\" width=\"{2 * half}\" height=\"{F(Math.Max(1.5, Y(low(r)!.Value) - top))}\"/>");
                    continue;
                }
                var path = new StringBuilder();
                foreach (var (i, r) in run) path.Append(path.Length == 0 ? "M" : " L").Append($"{F(X(i))} {F(Y(high(r)!.Value))}");
                foreach (var (i, r) in Enumerable.Reverse(run)) path.Append($" L{F(X(i))} {F(Y(low(r)!.Value))}");
                sb.Append($"<path class=\"chart__band\" d=\"{path} Z\"/>");
            }
        }

        public void Line(IReadOnlyList<RoundFigures> rounds, Func<RoundFigures, double?> value, string css)
        {
            foreach (var run in Runs(rounds, r => value(r) is not null))
            {
                if (run.Count > 1)
                    sb.Append($"<polyline class=\"{css}\" points=\"{string.Join(' ', run.Select(p => $"{F(X(p.Index))},{F(Y(value(p.Round)!.Value))}"))}\"/>");
                foreach (var (i, r) in run)
                    sb.Append($"<circle class=\"chart__point{(r.Open ? " chart__point--open" : "")}\" cx=\"{F(X(i))}\" cy=\"{F(Y(value(r)!.Value))}\" r=\"{(f.Small ? 3 : 4)}\"/>");
            }
        }

        public void Threshold(double value, string label)
        {
            var y = F(Y(value));
            sb.Append($"<line class=\"chart__threshold\" x1=\"{F(f.Left)}\" x2=\"{F(f.Width - f.Right)}\" y1=\"{y}\" y2=\"{y}\"/>");
            sb.Append($"<text class=\"chart__threshold-label\" x=\"{F(f.Width - f.Right)}\" y=\"{F(Y(value) - 4)}\" text-anchor=\"end\">{Html.Encode(label)}</text>");
        }

        /// <summary>Consecutive rounds that have a value (an open gap where a group had too few answers).</summary>
        private static List<List<(int Index, RoundFigures Round)>> Runs(IReadOnlyList<RoundFigures> rounds, Func<RoundFigures, bool> has)
        {
            var runs = new List<List<(int, RoundFigures)>>();
            List<(int, RoundFigures)>? current = null;
            for (var i = 0; i < rounds.Count; i++)
            {
                if (!has(rounds[i])) { current = null; continue; }
                if (current is null) runs.Add(current = []);
                current.Add((i, rounds[i]));
            }
            return runs;
        }
    }

    private static HtmlString Chart(Frame f, string id, string title, string desc, string css, double min, double max, double[] ticks,
        IReadOnlyList<RoundFigures> rounds, Action<Canvas> draw, bool percent = false)
    {
        if (max <= min) max = min + 1;
        var sb = new StringBuilder();
        sb.Append($"<svg class=\"{css}\" id=\"{id}\" viewBox=\"0 0 {F(f.Width)} {F(f.Height)}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\">");
        sb.Append($"<title id=\"{id}-title\">{Html.Encode(title)}</title>");
        sb.Append($"<desc id=\"{id}-desc\">{Html.Encode(desc)}</desc>");
        var c = new Canvas(sb, f, min, max, rounds.Count);
        // Axes: gridlines with their values, rounds along the bottom.
        sb.Append("<g class=\"chart__axis\" aria-hidden=\"true\">");
        foreach (var tick in ticks)
        {
            var y = F(c.Y(tick));
            sb.Append($"<line class=\"chart__grid\" x1=\"{F(f.Left)}\" x2=\"{F(f.Width - f.Right)}\" y1=\"{y}\" y2=\"{y}\"/>");
            var label = percent ? (100 * tick).ToString("0", CultureInfo.CurrentCulture) + "%" : tick.ToString("0.##", CultureInfo.CurrentCulture);
            sb.Append($"<text class=\"chart__tick\" x=\"{F(f.Left - 6)}\" y=\"{F(c.Y(tick) + 4)}\" text-anchor=\"end\">{Html.Encode(label)}</text>");
        }
        for (var i = 0; i < rounds.Count; i++)
            sb.Append($"<text class=\"chart__tick\" x=\"{F(c.X(i))}\" y=\"{F(f.Height - 10)}\" text-anchor=\"middle\">{RoundLabel(rounds[i])}</text>");
        sb.Append("</g>");
        sb.Append("<g class=\"chart__data\" aria-hidden=\"true\">");
        draw(c);
        sb.Append("</g></svg>");
        return new HtmlString(sb.ToString());
    }
}
