using System.Globalization;
using System.Text.Json;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;

namespace DelphiRounds.Convergence;

/// <summary>The groups at each end of a polarised item (slugs; only groups with enough answers to be judged).</summary>
public sealed record PoleGroups(IReadOnlyList<string> For, IReadOnlyList<string> Against);

/// <summary>How much a consensus rests on: single answers that would tip it, and groups without which it would not hold.</summary>
/// <param name="FlipsWithoutOne">How many answers, each taken away alone, would change the outcome.</param>
/// <param name="WithoutGroups">Groups (slugs) shown on screens (at least 3 answers) without which it would not hold.</param>
/// <param name="WithoutUnnamedGroup">A group too small to be named would also tip it.</param>
public sealed record Fragility(int FlipsWithoutOne, IReadOnlyList<string> WithoutGroups, bool WithoutUnnamedGroup)
{
    public bool IsFragile => FlipsWithoutOne > 0 || WithoutGroups.Count > 0 || WithoutUnnamedGroup;
}

/// <summary>A text in both languages.</summary>
public sealed record BothLanguages(IReadOnlyList<string> Nl, IReadOnlyList<string> En)
{
    public IReadOnlyList<string> For(bool english) => english ? En : Nl;
}

/// <summary>
/// One item's verdict as people read it: the outcome (consensus for, consensus against, polarised, stable dissent
/// or continue), the poles, fragility, whether it depends on who left, and every reason in plain words in both
/// languages ("8 of 15 chose 6 or 7; 70 % was needed"), built from the figures of the analysis.
/// </summary>
/// <param name="Outcome"><c>consensus-for</c>, <c>consensus-against</c>, <c>polarised</c>, <c>stable-dissent</c>, <c>continue</c> (or version 1's <c>consensus</c>).</param>
/// <param name="Verdict">The stopping rule's verdict as stored.</param>
/// <param name="Poles">Present for a polarised item.</param>
/// <param name="Fragility">Present for a consensus that one answer or one group would tip.</param>
/// <param name="DependsOnDropouts">True when the answers of those who left would change the direction.</param>
/// <param name="Reasons">Why the verdict is what it is.</param>
/// <param name="Warnings">Fragility and attrition, in words.</param>
public sealed record VerdictExplained(
    string Outcome, string Verdict, PoleGroups? Poles, Fragility? Fragility, bool DependsOnDropouts, BothLanguages Reasons, BothLanguages Warnings);

/// <summary>Writes verdicts for people from the figures of the analyze contract's output; computes nothing new.</summary>
public static class VerdictWords
{
    /// <summary>Explains <paramref name="verdict"/> of <paramref name="item"/> after round <paramref name="round"/>.</summary>
    public static VerdictExplained Explain(string verdict, int round, JsonElement analysis, Item item, ConsensusRules rules, IReadOnlyList<StakeholderGroup> groups)
    {
        var consensus = Verdicts.IsConsensus(verdict);
        PoleGroups? poles = null;
        if (!consensus && analysis.TryGetProperty("dissensus", out var d) && d.GetProperty("polarised").GetBoolean())
        {
            var p = d.GetProperty("poles");
            poles = new PoleGroups(Strings(p, "for"), Strings(p, "against"));
        }
        var outcome = consensus ? verdict : poles is not null ? Verdicts.Polarised : verdict;

        Fragility? fragility = null;
        if (consensus && analysis.TryGetProperty("consensus", out var c) && c.TryGetProperty("flipsWithoutOne", out var flips))
        {
            var shownGroups = Shown(analysis);
            var without = Strings(c, "flipsWithoutGroup");
            var f = new Fragility(flips.GetInt32(), without.Where(shownGroups.Contains).ToList(), without.Any(g => !shownGroups.Contains(g)));
            if (f.IsFragile) fragility = f;
        }
        string? direction = analysis.TryGetProperty("consensus", out var cc) && cc.TryGetProperty("direction", out var dir) && dir.ValueKind == JsonValueKind.String ? dir.GetString() : null;
        string? withDropouts = null;
        var dependsOnDropouts = analysis.TryGetProperty("attrition", out var a) && a.TryGetProperty("directionWithDropouts", out var dd)
            && (withDropouts = dd.ValueKind == JsonValueKind.String ? dd.GetString() : null) != direction;

        var reasons = new BothLanguages(Write("nl"), Write("en"));
        var warnings = new BothLanguages(Warn("nl"), Warn("en"));
        return new VerdictExplained(outcome, verdict, poles, fragility, dependsOnDropouts, reasons, warnings);

        List<string> Write(string culture) => Reasons(new Words(culture), verdict, round, analysis, item, rules, groups, poles);

        List<string> Warn(string culture)
        {
            var w = new Words(culture);
            var lines = new List<string>();
            // With one voice per organisation the fragility counts organisations: without one, all its members go.
            if (fragility is { FlipsWithoutOne: > 0 } one) lines.Add(w[ByOrganisation(analysis) ? "voice.fragile.one" : "verdict.fragile.one", one.FlipsWithoutOne]);
            if (fragility is not null)
            {
                foreach (var g in fragility.WithoutGroups) lines.Add(w["verdict.fragile.group", GroupName(groups, g, culture)]);
                if (fragility.WithoutUnnamedGroup) lines.Add(w["verdict.fragile.someGroup"]);
            }
            if (dependsOnDropouts)
            {
                var dropped = a.GetProperty("dropped").GetInt32();
                lines.Add(w["verdict.attrition." + (withDropouts ?? "none"), dropped]);
            }
            return lines;
        }
    }

    /// <summary>The group names at the poles of a polarised item, in one language.</summary>
    public static string PoleNames(IReadOnlyList<string> slugs, IReadOnlyList<StakeholderGroup> groups, bool english) =>
        slugs.Count == 0 ? "—" : string.Join(", ", slugs.Select(s => GroupName(groups, s, english ? "en" : "nl")));

    private static List<string> Reasons(Words w, string verdict, int round, JsonElement e, Item item, ConsensusRules rules, IReadOnlyList<StakeholderGroup> groups, PoleGroups? poles)
    {
        var lines = new List<string>();
        if (e.TryGetProperty("kind", out var kind) && kind.GetString() == "ranking")
        {
            if (Num(e, "kendallW") is { } kendall) lines.Add(w["verdict.reason.kendall", w.Number(kendall), w.Number(rules.MinKendallWFor(item.Id))]);
            else lines.Add(w["verdict.reason.noAnswers"]);
            if (rules.RulesVersion == 2 && Verdicts.IsConsensus(verdict) is false && round < (rules.MinRoundForConsensus ?? 1) && Num(e, "kendallW") >= rules.MinKendallWFor(item.Id))
                lines.Add(w["verdict.reason.tooEarly", rules.MinRoundForConsensus!]);
            return lines;
        }
        int n = Int(e, "n");
        if (n == 0) { lines.Add(w["verdict.reason.noAnswers"]); return lines; }
        var v2 = rules.RulesVersion == 2 ? rules.ForItemV2(item) : null;
        var v1 = v2 is null ? rules.ForItem(item) : null;
        var forBand = v2?.AgreementBand ?? v1?.AgreementBand;
        var againstBand = v2?.DisagreementBand;
        var minAgreement = v2?.MinAgreement ?? v1?.MinAgreement;
        var maxIqr = v2?.MaxIqr ?? v1?.MaxIqr;
        var minGroup = Math.Max(3, rules.MinGroupSize);
        var direction = e.TryGetProperty("consensus", out var c) && c.TryGetProperty("direction", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        bool rating = item.Kind == ItemKinds.Rating;
        // "4 of 7 organisations chose 6 or 7" when each organisation is one voice.
        var band = ByOrganisation(e) ? "voice.reason.band" : "verdict.reason.band";
        var groupBand = ByOrganisation(e) ? "voice.reason.groupBand" : "verdict.reason.groupBand";

        // The panel: how many chose each end, against the share needed.
        if (forBand is { } fb && minAgreement is { } need && direction != "against")
            lines.Add(w[band, Count(Num(e, "agreementInBand"), n), n, w.Band(fb, rating), w.Percent(need)]);
        if (againstBand is { } ab && minAgreement is { } need2 && direction != "for")
            lines.Add(w[band, Count(Num(e, "disagreementInBand"), n), n, w.Band(ab, rating), w.Percent(need2)]);
        if (maxIqr is { } max && Num(e, "iqr") is { } iqr && (iqr > max || forBand is null))
            lines.Add(w[iqr > max ? "verdict.reason.iqrTooWide" : "verdict.reason.iqr", w.Number(Num(e, "q1")!.Value), w.Number(Num(e, "q3")!.Value), w.Number(iqr), w.Number(max)]);

        // Groups that keep the panel from consensus in the direction the panel leans to.
        if (rules.RequireEveryGroup && e.TryGetProperty("groups", out var gs) && minAgreement is { } needed)
        {
            var leanField = direction == "against" || (direction is null && againstBand is not null && (Num(e, "disagreementInBand") ?? 0) > (Num(e, "agreementInBand") ?? 0))
                ? "disagreementInBand" : "agreementInBand";
            var leanBand = leanField == "agreementInBand" ? forBand : againstBand;
            if (leanBand is { } lb)
                foreach (var g in gs.EnumerateObject())
                {
                    int gn = Int(g.Value, "n");
                    if (gn < minGroup || Num(g.Value, leanField) is not { } share || share >= needed) continue;
                    lines.Add(w[groupBand, GroupName(groups, g.Name, w.Culture), Count(share, gn), gn, w.Band(lb, rating), w.Percent(needed)]);
                }
        }
        if (poles is not null)
            lines.Add(w["verdict.reason.poles", PoleNames(poles.For, groups, w.English), PoleNames(poles.Against, groups, w.English)]);

        if (e.TryGetProperty("stability", out var st) && direction is null)
        {
            if (Num(st, "netChange") is { } net && v2?.MaxNetChange is { } maxNet)
                lines.Add(w[net <= maxNet ? "verdict.reason.netChangeStable" : "verdict.reason.netChangeMoving", w.Percent(net), w.Percent(maxNet)]);
            else if (Num(st, "medianShift") is { } shift && v2?.MaxMedianShift is { } maxShift)
                lines.Add(w[shift <= maxShift ? "verdict.reason.shiftStable" : "verdict.reason.shiftMoving", w.Number(shift), w.Number(maxShift)]);
            else if (Num(st, "changedFraction") is { } changed && v1?.MaxChangedFraction is { } maxChanged)
                lines.Add(w[changed <= maxChanged ? "verdict.reason.changedStable" : "verdict.reason.changedMoving", w.Percent(changed), w.Percent(maxChanged)]);
        }
        if (direction is not null && !Verdicts.IsConsensus(verdict) && rules.MinRoundForConsensus is { } from && round < from)
            lines.Add(w["verdict.reason.tooEarly", from]);
        return lines;
    }

    /// <summary>True when the analysis counts one voice per organisation (its <c>unit</c> says so).</summary>
    public static bool ByOrganisation(JsonElement analysis) =>
        analysis.ValueKind == JsonValueKind.Object && analysis.TryGetProperty("unit", out var u) && u.ValueKind == JsonValueKind.String && u.GetString() == "organisation";

    private static int Count(double? share, int n) => share is { } s ? (int)Math.Round(s * n) : 0;

    private static HashSet<string> Shown(JsonElement analysis) =>
        analysis.TryGetProperty("groups", out var g)
            ? g.EnumerateObject().Where(x => Int(x.Value, "n") >= 3).Select(x => x.Name).ToHashSet(StringComparer.Ordinal)
            : [];

    private static string GroupName(IReadOnlyList<StakeholderGroup> groups, string slug, string culture) =>
        groups.FirstOrDefault(g => g.Slug == slug)?.Name(culture == "en") ?? slug;

    private static List<string> Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];

    private static int Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    private static double? Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>The texts of one language, with its way of writing numbers.</summary>
    private sealed class Words(string culture)
    {
        private readonly IReadOnlyDictionary<string, string> _table = JsonStringLocalizerFactory.Table(culture);
        private readonly CultureInfo _format = CultureInfo.GetCultureInfo(culture);
        public string Culture => culture;
        public bool English => culture == "en";

        public string this[string key, params object[] args] => string.Format(_format, _table[key], args);

        public string Number(double v) => v.ToString("0.##", _format);

        public string Percent(double share) => this["verdict.percent", Math.Round(share * 100, 1).ToString("0.#", _format)];

        /// <summary>"6 or 7", "7", "5 to 7"; for numbers "40 to 100".</summary>
        public string Band((double Low, double High) band, bool rating) =>
            band.Low == band.High ? Number(band.Low)
            : rating && band.High - band.Low == 1 ? this["verdict.band.two", Number(band.Low), Number(band.High)]
            : this["verdict.band.range", Number(band.Low), Number(band.High)];
    }
}
