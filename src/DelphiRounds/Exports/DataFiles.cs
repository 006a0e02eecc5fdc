using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Consensus;
using DelphiRounds.Convergence;

namespace DelphiRounds.Exports;

/// <summary>A downloadable data file.</summary>
public sealed record DataFile(string Name, string ContentType, byte[] Content);

/// <summary>
/// The study's data as CSV (RFC 4180: comma-separated, double quotes, CRLF, UTF-8, numbers with a point)
/// and as the same rows in JSON: every answer revision, the aggregates per round and item, the arguments
/// with their "convincing" marks, and the wording changes. Participants appear by pseudonym and group slug
/// only. In the CSV a text that starts with = + - or @ gets a leading apostrophe, so a spreadsheet does not
/// run it as a formula; the JSON carries every text exactly as written.
/// </summary>
public static class DataFiles
{
    /// <summary>The files, by name as they appear in the routes.</summary>
    public static readonly string[] Names =
        ["answers.csv", "answers.json", "aggregates.csv", "aggregates.json", "arguments.csv", "arguments.json", "changelog.csv", "changelog.json"];

    private static readonly string[] AnswerColumns =
        ["round", "round_kind", "item_id", "item_position", "item_kind", "participant", "group", "revision", "value", "detail", "rationale", "day"];

    private static readonly string[] AggregateColumns =
        ["round", "round_mode", "item_id", "item_position", "item_kind", "basis", "scope", "n", "mean", "sd", "median", "q1", "q3", "iqr", "min", "max",
         "agreement_in_band", "tastle_wierman", "van_der_eijk_a", "bimodality_coefficient", "pairs", "changed_fraction", "mean_absolute_change",
         "wilcoxon_p", "consensus", "kendall_w", "chi_square", "p_value", "verdict",
         // Version 2 of the consensus rules (empty under version 1): what the convergence page and `delphi analyze` say.
         "outcome", "direction", "disagreement_in_band", "net_change", "median_shift", "stable",
         "flips_without_one", "flips_without_group", "poles_for", "poles_against", "dropped", "direction_with_dropouts",
         // Answers "don't know" (panel rows of rating, numeric and year items): counted apart, never in n or any figure.
         "dont_know",
         // Whose voice counts (issue 18): person or organisation; with organisations, how many people's answers they were made of.
         "unit", "people"];

    /// <summary>The version 2 columns at the end of <see cref="AggregateColumns"/>.</summary>
    private const int V2Columns = 12;

    private static readonly string[] ArgumentColumns =
        ["round", "item_id", "item_position", "item_kind", "participant", "group", "revision", "value", "in_agreement_band", "rationale", "convincing", "day"];

    private static readonly string[] ChangeColumns =
        ["item_id", "item_position", "after_round", "old_text_nl", "new_text_nl", "old_text_en", "new_text_en", "reason_nl", "reason_en", "created_at", "change"];

    /// <summary>One file of the study, or null when the name is not one of <see cref="Names"/>.</summary>
    public static DataFile? Build(StudyRecord s, string name)
    {
        var rows = name[..name.IndexOf('.')] switch
        {
            "answers" => (AnswerColumns, Answers(s)),
            "aggregates" => (AggregateColumns, Aggregates(s, minGroupSize: Math.Max(3, s.Study.Rules.MinGroupSize))),
            "arguments" => (ArgumentColumns, Arguments(s)),
            "changelog" => (ChangeColumns, Changes(s)),
            _ => ((string[]?)null, (List<object?[]>?)null),
        };
        if (rows.Item1 is null || !Names.Contains(name)) return null;
        var file = $"study-{s.Study.Id}-{name}";
        return name.EndsWith(".csv", StringComparison.Ordinal)
            ? new DataFile(file, "text/csv; charset=utf-8; header=present", Encoding.UTF8.GetBytes(Csv(rows.Item1, rows.Item2!)))
            : new DataFile(file, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(Json(rows.Item1, rows.Item2!)));
    }

    /// <summary>The group labels of the study's answer-level files (<see cref="ExportGroups"/>).</summary>
    public static IReadOnlyDictionary<string, string> GroupLabels(StudyRecord s) =>
        ExportGroups.Labels(s.Answers.Select(a => ((long)a.Round, a.Group, a.Participant)));

    /// <summary>The day of an answer (UTC), never the time.</summary>
    public static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static List<object?[]> Answers(StudyRecord s)
    {
        var labels = GroupLabels(s);
        return s.Answers.Select(a => new object?[]
        {
            a.Round, a.RoundKind, a.ItemId, a.ItemPosition, a.ItemKind, a.Participant, labels.Label(a.Group), a.Revision, a.Value,
            a.DetailJson is null ? null : new RawJson(a.DetailJson), a.Rationale, Day(a.CreatedAt),
        }).ToList();
    }

    /// <summary>
    /// Panel rows, then one row per stakeholder group with at least <paramref name="minGroupSize"/> answers (smaller groups never leave the server:
    /// neither their figures nor their names, so a group below it is not named as a pole or as the group a consensus rests on either).
    /// </summary>
    private static List<object?[]> Aggregates(StudyRecord s, int minGroupSize)
    {
        var rows = new List<object?[]>();
        foreach (var a in s.Aggregates)
        {
            object?[] Head(string scope) => [a.Round, a.RoundMode, a.Item.Id, a.Item.Position, a.Item.Kind, a.Basis, scope];
            var v1 = s.Study.Rules.RulesVersion == 1;
            var unit = s.Study.Rules.UnitName;
            if (a.Ranking is { } w)
            {
                // A ranking has no direction: under version 2 its consensus is one for the order the panel agrees on.
                rows.Add([.. Head("panel"), w.M, .. new object?[17], w.KendallW, w.ChiSquare, w.PValue, a.Verdict,
                    v1 ? null : a.Verdict, .. new object?[V2Columns - 1], null, unit, w.People]);
                continue;
            }
            var x = a.Analysis!;
            var v2 = a.V2;
            var shown = x.Groups.Where(g => g.Value.N >= minGroupSize).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
            rows.Add([.. Head("panel"), .. Figures(x.Overall), x.Stability?.Pairs, x.Stability?.ChangedFraction, x.Stability?.MeanAbsoluteChange,
                x.Stability?.WilcoxonP, x.Consensus?.Reached, null, null, null, a.Verdict,
                .. V2(a, v2, shown), a.DontKnow, unit, x.People]);
            foreach (var (slug, g) in x.Groups.OrderBy(g => g.Key, StringComparer.Ordinal))
                if (g.N >= minGroupSize)
                    rows.Add([.. Head("group:" + slug), .. Figures(g), null, null, null, null, null, null, null, null, null,
                        null, null, v2?.GroupDisagreementInBand.GetValueOrDefault(slug), .. new object?[V2Columns - 3], null, unit, null]);
        }
        return rows;
    }

    /// <summary>The version 2 figures of a panel row, from the same analysis as <c>export.json</c> and the close snapshot.</summary>
    private static object?[] V2(AggregateRecord a, ItemAnalysisV2? v2, HashSet<string> shown)
    {
        if (v2 is null) return new object?[V2Columns];
        // The outcome people read: a consensus, else "polarised" when the panel split into two camps, else the verdict.
        var outcome = a.Verdict is null ? null
            : Verdicts.IsConsensus(a.Verdict) || v2.Dissensus is not { Polarised: true } ? a.Verdict : Verdicts.Polarised;
        // "none" when the rules judged the item and found no direction; empty when nothing was judged.
        static string Direction(ConsensusDirection? d) => d switch { ConsensusDirection.For => "for", ConsensusDirection.Against => "against", _ => "none" };
        string? Groups(IEnumerable<string>? slugs) => slugs is null ? null : string.Join(' ', slugs.Where(shown.Contains));
        return
        [
            outcome, v2.Consensus is { } c ? Direction(c.Direction) : null, v2.DisagreementInBand, v2.Stability?.NetChange, v2.Stability?.MedianShift, v2.Stability?.Stable,
            v2.Consensus?.FlipsWithoutOne, Groups(v2.Consensus?.FlipsWithoutGroup),
            v2.Dissensus is { Polarised: true } ? Groups(v2.Dissensus.For) : null, v2.Dissensus is { Polarised: true } ? Groups(v2.Dissensus.Against) : null,
            v2.Attrition?.Dropped, v2.Attrition is null || v2.Consensus is null ? null : Direction(v2.Attrition.DirectionWithDropouts),
        ];
    }

    private static object?[] Figures(Statistics x) =>
        [x.N, x.Mean, x.Sd, x.Median, x.Q1, x.Q3, x.Iqr, x.Min, x.Max, x.AgreementInBand, x.TastleWierman, x.VanDerEijkA, x.BimodalityCoefficient];

    private static List<object?[]> Arguments(StudyRecord s)
    {
        var labels = GroupLabels(s);
        return s.Arguments.Select(a => new object?[]
        {
            a.Round, a.ItemId, a.ItemPosition, a.ItemKind, a.Participant, labels.Label(a.Group), a.Revision, a.Value, a.InAgreementBand,
            a.Rationale, a.Convincing, Day(a.CreatedAt),
        }).ToList();
    }

    private static List<object?[]> Changes(StudyRecord s)
    {
        var position = s.Items.ToDictionary(i => i.Id, i => i.Position);
        return s.Changes.Select(c => new object?[]
        {
            c.ItemId, position.GetValueOrDefault(c.ItemId), c.AfterRound, c.OldTextNl, c.NewTextNl, c.OldTextEn, c.NewTextEn, c.ReasonNl, c.ReasonEn, c.CreatedAt,
            c.Substantive ? Items.ItemChangeKinds.Substantive : Items.ItemChangeKinds.Editorial,
        }).ToList();
    }

    /// <summary>A JSON text kept as JSON in the JSON file (an answer's detail) and as text in the CSV.</summary>
    private sealed record RawJson(string Text);

    public static string Csv(IReadOnlyList<string> columns, IEnumerable<object?[]> rows)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', columns)).Append("\r\n");
        foreach (var row in rows)
        {
            if (row.Length != columns.Count) throw new InvalidOperationException($"a row has {row.Length} fields for {columns.Count} columns");
            sb.Append(string.Join(',', row.Select(CsvField))).Append("\r\n");
        }
        return sb.ToString();
    }

    private static string CsvField(object? v)
    {
        var text = v switch
        {
            null => "",
            double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "",
            bool b => b ? "true" : "false",
            DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            RawJson j => j.Text,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => v.ToString() ?? "",
        };
        // Free text that a spreadsheet would read as a formula (CSV injection) is marked as text.
        if (v is string && text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r') text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;
    }

    public static string Json(IReadOnlyList<string> columns, IEnumerable<object?[]> rows)
    {
        var array = new JsonArray();
        foreach (var row in rows)
        {
            if (row.Length != columns.Count) throw new InvalidOperationException($"a row has {row.Length} fields for {columns.Count} columns");
            var o = new JsonObject();
            for (var i = 0; i < columns.Count; i++) o[Camel(columns[i])] = Node(row[i]);
            array.Add(o);
        }
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonNode? Node(object? v) => v switch
    {
        null => null,
        double d => double.IsFinite(d) ? JsonValue.Create(d) : null,
        RawJson j => JsonNode.Parse(j.Text),
        DateTimeOffset t => JsonValue.Create(t.ToUniversalTime()),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        _ => JsonValue.Create(v.ToString()),
    };

    private static string Camel(string column)
    {
        var parts = column.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
