using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DelphiRounds.Consensus;

/// <summary>
/// One parsed analyze document: a rating/numeric item under version 1 or version 2 of the consensus rules
/// (<c>criteria.version</c>, default 2), or a ranking item.
/// </summary>
public sealed class AnalysisRequest
{
    private AnalysisRequest(ItemInput? item, ItemInputV2? itemV2, RankingInput? ranking)
    {
        Item = item;
        ItemV2 = itemV2;
        Ranking = ranking;
    }

    /// <summary>A request for a rating or numeric item under version 1 of the consensus rules.</summary>
    public static AnalysisRequest For(ItemInput item) => new(item ?? throw new ArgumentNullException(nameof(item)), null, null);

    /// <summary>A request for a rating or numeric item under version 2 of the consensus rules.</summary>
    public static AnalysisRequest For(ItemInputV2 item) => new(null, item ?? throw new ArgumentNullException(nameof(item)), null);

    /// <summary>A request for a ranking item.</summary>
    public static AnalysisRequest For(RankingInput ranking) => new(null, null, ranking ?? throw new ArgumentNullException(nameof(ranking)));

    /// <summary>The item's kind.</summary>
    public ItemKind Kind => Item?.Kind ?? ItemV2?.Kind ?? ItemKind.Ranking;

    /// <summary>The rating or numeric input when the document says <c>"version": 1</c>; null otherwise.</summary>
    public ItemInput? Item { get; }

    /// <summary>The rating or numeric input under version 2 (the default); null for version 1 and for a ranking.</summary>
    public ItemInputV2? ItemV2 { get; }

    /// <summary>The ranking input; null for a rating or numeric item.</summary>
    public RankingInput? Ranking { get; }
}

/// <summary>
/// The analyze contract's JSON: reads input documents (refusing malformed JSON and wrong types with the
/// field at fault) and writes the output shape and the input shape. Built on <see cref="JsonDocument"/>
/// and <see cref="Utf8JsonWriter"/> so the shape is exactly what is written here, not what reflection infers.
/// </summary>
public static class AnalysisJson
{
    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    /// <summary>Parses an input document.</summary>
    /// <exception cref="AnalysisInputException">Malformed JSON (with line and column), a wrong type or a missing field.</exception>
    public static AnalysisRequest Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        // A byte-order mark survives some ways of reading standard input; it is not part of the document.
        if (json.Length > 0 && json[0] == '\uFEFF') json = json[1..];

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ReadOptions);
        }
        catch (JsonException e)
        {
            throw new AnalysisInputException("", Malformed(e));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new AnalysisInputException("", $"the document must be a JSON object, not {KindOf(root)}");
            }
            var fields = Fields(root, "");
            var kind = RequiredString(fields, "kind", "");
            var unit = ReadUnit(fields);
            return kind switch
            {
                "rating" => ReadItem(fields, ItemKind.Rating, unit),
                "numeric" => ReadItem(fields, ItemKind.Numeric, unit),
                "ranking" => AnalysisRequest.For(ReadRanking(fields) with { Unit = unit }),
                _ => throw new AnalysisInputException("kind", $"'{kind}' is not an item kind; use rating, numeric or ranking"),
            };
        }
    }

    /// <summary>Parses, analyses and writes: what <c>delphi analyze</c> does.</summary>
    /// <exception cref="AnalysisInputException">The document breaks a rule of the contract.</exception>
    public static string Analyze(string json, bool indented = false)
    {
        var request = Parse(json);
        if (request.Item is { } item) return Write(Analyzer.Analyze(item), indented);
        if (request.ItemV2 is { } itemV2) return Write(AnalyzerV2.Analyze(itemV2), indented);
        return Write(Analyzer.AnalyzeRanking(request.Ranking!), indented);
    }

    /// <summary>The contract's output for a rating or numeric item.</summary>
    public static string Write(ItemAnalysis analysis, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        return WriteDocument(indented, w =>
        {
            w.WriteStartObject();
            WritePanel(w, analysis, null, _ => null);
            if (analysis.Stability is { } stability)
            {
                w.WriteStartObject("stability");
                WritePairs(w, stability.Pairs, stability.ChangedFraction, stability.MeanAbsoluteChange, stability.WilcoxonP);
                w.WriteEndObject();
            }
            if (analysis.Consensus is { } consensus)
            {
                w.WriteStartObject("consensus");
                w.WriteBoolean("reached", consensus.Reached);
                Strings(w, "reasons", consensus.Reasons);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });
    }

    /// <summary>The contract's output for a rating or numeric item under version 2 of the consensus rules.</summary>
    public static string Write(ItemAnalysisV2 analysis, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        return WriteDocument(indented, w =>
        {
            w.WriteStartObject();
            bool withAgainst = analysis.DisagreementBand is not null;
            WritePanel(w, analysis,
                withAgainst ? new Disagreement(analysis.DisagreementInBand) : null,
                group => withAgainst ? new Disagreement(analysis.GroupDisagreementInBand.GetValueOrDefault(group)) : null);
            if (analysis.Stability is { } stability)
            {
                w.WriteStartObject("stability");
                WritePairs(w, stability.Pairs, stability.ChangedFraction, stability.MeanAbsoluteChange, stability.WilcoxonP);
                if (analysis.Kind == ItemKind.Rating) Number(w, "netChange", stability.NetChange);
                else Number(w, "medianShift", stability.MedianShift);
                if (stability.Stable is { } stable) w.WriteBoolean("stable", stable);
                else w.WriteNull("stable");
                w.WriteEndObject();
            }
            if (analysis.Consensus is { } consensus)
            {
                w.WriteStartObject("consensus");
                w.WriteBoolean("reached", consensus.Reached);
                Direction(w, "direction", consensus.Direction);
                Strings(w, "reasons", consensus.Reasons);
                w.WriteNumber("flipsWithoutOne", consensus.FlipsWithoutOne);
                Strings(w, "flipsWithoutGroup", consensus.FlipsWithoutGroup);
                w.WriteEndObject();
            }
            if (analysis.Dissensus is { } dissensus)
            {
                w.WriteStartObject("dissensus");
                w.WriteBoolean("polarised", dissensus.Polarised);
                w.WriteStartObject("poles");
                Strings(w, "for", dissensus.For);
                Strings(w, "against", dissensus.Against);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            if (analysis.Attrition is { } attrition)
            {
                w.WriteStartObject("attrition");
                w.WriteNumber("dropped", attrition.Dropped);
                // The direction with dropouts is judged only where there is a direction to compare it with.
                if (analysis.Consensus is not null) Direction(w, "directionWithDropouts", attrition.DirectionWithDropouts);
                w.WriteEndObject();
            }
            if (analysis.Verdict is { } verdict) w.WriteString("verdict", VerdictName(verdict));
            w.WriteEndObject();
        });
    }

    /// <summary>The name of a version 2 verdict in the contract (<c>consensus-for</c>, <c>stable-dissent</c>, …).</summary>
    public static string VerdictName(ConsensusVerdict verdict) => verdict switch
    {
        ConsensusVerdict.ConsensusFor => "consensus-for",
        ConsensusVerdict.ConsensusAgainst => "consensus-against",
        ConsensusVerdict.StableDissent => "stable-dissent",
        _ => "continue",
    };

    /// <summary>The name of a direction in the contract: <c>for</c> or <c>against</c>.</summary>
    public static string DirectionName(ConsensusDirection direction) =>
        direction == ConsensusDirection.For ? "for" : "against";

    /// <summary>The contract's output for a ranking item.</summary>
    public static string Write(RankingAnalysis analysis, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        return WriteDocument(indented, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "ranking");
            WriteUnit(w, analysis.Unit, analysis.People);
            w.WriteNumber("m", analysis.M);
            w.WriteNumber("n", analysis.N);
            Number(w, "kendallW", analysis.KendallW);
            Number(w, "chiSquare", analysis.ChiSquare);
            w.WriteNumber("df", analysis.Df);
            Number(w, "pValue", analysis.PValue);
            w.WriteStartObject("meanRanks");
            foreach (var (option, rank) in analysis.MeanRanks) Number(w, option, rank);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// The contract's input document for <paramref name="input"/>: an export that <c>delphi analyze</c>
    /// turns into the same aggregate. Values must be finite.
    /// </summary>
    public static string WriteInput(ItemInput input, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return WriteItemInput(indented, input, (w, criteria) =>
        {
            OptionalNumber(w, "maxIqr", criteria.MaxIqr);
            if (criteria.AgreementBand is { } band) WriteBand(w, "agreementBand", band);
            OptionalNumber(w, "minAgreement", criteria.MinAgreement);
            OptionalNumber(w, "maxChangedFraction", criteria.MaxChangedFraction);
            WriteGroupRule(w, criteria);
            // Without it the document would be judged by the default rules, version 2, not the ones that made the aggregate.
            w.WriteNumber("version", 1);
        });
    }

    /// <summary>
    /// The contract's input document for a version 2 item: an export that <c>delphi analyze</c> turns into
    /// the same analysis. Values must be finite.
    /// </summary>
    public static string WriteInput(ItemInputV2 input, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return WriteItemInput(indented, input, (w, criteria) =>
        {
            w.WriteNumber("version", 2);
            OptionalNumber(w, "maxIqr", criteria.MaxIqr);
            if (criteria.AgreementBand is { } band) WriteBand(w, "agreementBand", band);
            if (criteria.DisagreementBand is { } against) WriteBand(w, "disagreementBand", against);
            OptionalNumber(w, "minAgreement", criteria.MinAgreement);
            OptionalNumber(w, "maxChangedFraction", criteria.MaxChangedFraction);
            OptionalNumber(w, "maxNetChange", criteria.MaxNetChange);
            OptionalNumber(w, "maxMedianShift", criteria.MaxMedianShift);
            w.WriteNumber("minPole", criteria.MinPole);
            WriteGroupRule(w, criteria);
        });
    }

    /// <summary>The contract's input document for a ranking item.</summary>
    public static string WriteInput(RankingInput input, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return WriteDocument(indented, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "ranking");
            WriteUnit(w, input.Unit, null);
            w.WriteStartArray("rankings");
            foreach (var ranking in input.Rankings)
            {
                w.WriteStartObject();
                WriteAnswerer(w, ranking.Participant, ranking.Group, ranking.Organisation);
                w.WriteStartObject("ranks");
                foreach (var (option, rank) in ranking.Ranks) w.WriteNumber(option, rank);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The optional <c>unit</c>: <c>person</c> or <c>organisation</c>; null when not given.</summary>
    private static VoiceUnit? ReadUnit(Dictionary<string, JsonElement> fields)
    {
        if (OptionalString(fields, "unit", "") is not { } name) return null;
        return Voices.Parse(name) ?? throw new AnalysisInputException("unit", $"'{name}' is not a unit of voice; use person or organisation");
    }

    private static AnalysisRequest ReadItem(Dictionary<string, JsonElement> fields, ItemKind kind, VoiceUnit? unit)
    {
        RatingScale? scale = null;
        if (kind == ItemKind.Rating)
        {
            if (!fields.TryGetValue("scale", out var element) || element.ValueKind == JsonValueKind.Null)
            {
                throw new AnalysisInputException("scale", "is required for a rating item, e.g. {\"min\": 1, \"max\": 7}");
            }
            var scaleFields = Fields(AsObject(element, "scale"), "scale");
            scale = new RatingScale(RequiredWhole(scaleFields, "min", "scale"), RequiredWhole(scaleFields, "max", "scale"));
        }

        int method = Quantiles.DefaultMethod;
        if (Optional(fields, "quantileMethod") is { } methodElement) method = Whole(methodElement, "quantileMethod");
        bool year = ReadYear(fields, kind);

        if (!fields.TryGetValue("responses", out var responses) || responses.ValueKind == JsonValueKind.Null)
        {
            throw new AnalysisInputException("responses", "is required (an empty list when nobody answered yet)");
        }

        var current = ReadResponses(responses, "responses");
        var previousRound = Optional(fields, "previousRound") is { } previous ? ReadResponses(previous, "previousRound") : null;
        var criteriaFields = Optional(fields, "criteria") is { } criteria ? Fields(AsObject(criteria, "criteria"), "criteria") : null;

        if (Version(criteriaFields) == 1)
        {
            return AnalysisRequest.For(new ItemInput
            {
                Kind = kind,
                Scale = scale,
                QuantileMethod = method,
                Responses = current,
                PreviousRound = previousRound,
                Criteria = ReadCriteria(criteriaFields!),
                Unit = unit,
                Year = year,
            });
        }
        return AnalysisRequest.For(new ItemInputV2
        {
            Kind = kind,
            Scale = scale,
            QuantileMethod = method,
            Responses = current,
            PreviousRound = previousRound,
            // The contract gives consensus and a verdict only for a non-empty criteria object.
            Criteria = criteriaFields is { Count: > 0 } ? ReadCriteriaV2(criteriaFields) : null,
            Unit = unit,
            Year = year,
        });
    }

    /// <summary>
    /// The optional <c>year</c> (an extension of the contract): true for numeric answers that are calendar years, whose
    /// coefficient of variation is then null. Only a numeric item can be one.
    /// </summary>
    private static bool ReadYear(Dictionary<string, JsonElement> fields, ItemKind kind)
    {
        if (Optional(fields, "year") is not { } element) return false;
        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new AnalysisInputException("year", $"must be true or false, not {KindOf(element)}");
        }
        if (element.GetBoolean() && kind != ItemKind.Numeric)
        {
            throw new AnalysisInputException("year", "only a numeric item can hold years");
        }
        return element.GetBoolean();
    }

    /// <summary>
    /// Which consensus rules apply: <c>criteria.version</c>, 2 when not given. A study locked under version 1
    /// keeps saying so, which is why the number is part of what is locked and hashed.
    /// </summary>
    private static int Version(Dictionary<string, JsonElement>? criteria)
    {
        if (criteria is null || Optional(criteria, "version") is not { } element) return 2;
        int version = Whole(element, "criteria.version");
        if (version is not (1 or 2))
        {
            throw new AnalysisInputException("criteria.version", $"{version} is not a version of the consensus rules; use 1 or 2");
        }
        return version;
    }

    private static List<Response> ReadResponses(JsonElement element, string field) =>
        ReadAnswers(element, field, "value", (fields, path, participant, group) =>
        {
            if (!fields.TryGetValue("value", out var value)) throw new AnalysisInputException($"{path}.value", "is required");
            return new Response(participant, group, Number(value, $"{path}.value")) { Organisation = OptionalString(fields, "organisation", path) };
        });

    /// <summary>
    /// A list of answers of any kind: each an object naming its participant and, optionally, its group;
    /// <paramref name="read"/> reads the rest (<paramref name="holds"/> names it in the refusal of a non-object).
    /// </summary>
    private static List<T> ReadAnswers<T>(
        JsonElement element, string field, string holds, Func<Dictionary<string, JsonElement>, string, string, string?, T> read)
    {
        RequireArray(element, field);
        var answers = new List<T>(element.GetArrayLength());
        int i = 0;
        foreach (var item in element.EnumerateArray())
        {
            var path = $"{field}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new AnalysisInputException(path, $"must be an object with participant and {holds}, not {KindOf(item)}");
            }
            var fields = Fields(item, path);
            var participant = RequiredString(fields, "participant", path);
            var group = OptionalString(fields, "group", path);
            answers.Add(read(fields, path, participant, group));
        }
        return answers;
    }

    private static ConsensusCriteria ReadCriteria(Dictionary<string, JsonElement> fields)
    {
        // The band is read first, so that of two bad fields the same one is named as before version 2.
        var band = OptionalBand(fields, "agreementBand");
        var criteria = new ConsensusCriteria
        {
            MaxIqr = OptionalNumber(fields, "maxIqr", "criteria"),
            AgreementBand = band,
            MinAgreement = OptionalNumber(fields, "minAgreement", "criteria"),
            MaxChangedFraction = OptionalNumber(fields, "maxChangedFraction", "criteria"),
        };
        return ReadGroupRule(fields, criteria);
    }

    private static ConsensusCriteriaV2 ReadCriteriaV2(Dictionary<string, JsonElement> fields)
    {
        var criteria = new ConsensusCriteriaV2
        {
            MaxIqr = OptionalNumber(fields, "maxIqr", "criteria"),
            AgreementBand = OptionalBand(fields, "agreementBand"),
            DisagreementBand = OptionalBand(fields, "disagreementBand"),
            MinAgreement = OptionalNumber(fields, "minAgreement", "criteria"),
            MaxChangedFraction = OptionalNumber(fields, "maxChangedFraction", "criteria"),
            MaxNetChange = OptionalNumber(fields, "maxNetChange", "criteria"),
            MaxMedianShift = OptionalNumber(fields, "maxMedianShift", "criteria"),
        };
        if (OptionalNumber(fields, "minPole", "criteria") is { } minPole) criteria = criteria with { MinPole = minPole };
        return ReadGroupRule(fields, criteria);
    }

    /// <summary>Reads the group rule into either version's criteria, keeping the defaults of fields not given.</summary>
    private static TCriteria ReadGroupRule<TCriteria>(Dictionary<string, JsonElement> fields, TCriteria read)
        where TCriteria : ConsensusCriteriaBase
    {
        // A with-expression on the base keeps the runtime type, so one reader serves both versions.
        ConsensusCriteriaBase criteria = read;
        if (Optional(fields, "requireEveryGroup") is { } every)
        {
            if (every.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw new AnalysisInputException("criteria.requireEveryGroup", $"must be true or false, not {KindOf(every)}");
            }
            criteria = criteria with { RequireEveryGroup = every.GetBoolean() };
        }
        if (Optional(fields, "minGroupSize") is { } size) criteria = criteria with { MinGroupSize = Whole(size, "criteria.minGroupSize") };
        return (TCriteria)criteria;
    }

    private static (double Low, double High)? OptionalBand(Dictionary<string, JsonElement> fields, string name)
    {
        if (Optional(fields, name) is not { } element) return null;
        var field = $"criteria.{name}";
        RequireArray(element, field);
        if (element.GetArrayLength() != 2)
        {
            throw new AnalysisInputException(field, $"must be [low, high], not {element.GetArrayLength()} numbers");
        }
        return (Number(element[0], $"{field}[0]"), Number(element[1], $"{field}[1]"));
    }

    private static RankingInput ReadRanking(Dictionary<string, JsonElement> fields)
    {
        if (!fields.TryGetValue("rankings", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw new AnalysisInputException("rankings", "is required (an empty list when nobody ranked yet)");
        }
        return new RankingInput(ReadAnswers(element, "rankings", "ranks", (itemFields, path, participant, group) =>
        {
            if (!itemFields.TryGetValue("ranks", out var ranksElement) || ranksElement.ValueKind == JsonValueKind.Null)
            {
                throw new AnalysisInputException($"{path}.ranks", "is required, e.g. {\"option-a\": 1, \"option-b\": 2}");
            }
            var ranks = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (option, rank) in Fields(AsObject(ranksElement, $"{path}.ranks"), $"{path}.ranks"))
            {
                ranks.Add(option, Number(rank, Analyzer.OptionField(path, option)));
            }
            return new RankingResponse(participant, group, ranks) { Organisation = OptionalString(itemFields, "organisation", path) };
        }));
    }

    /// <summary>The properties of an object by name, refusing a name given twice (which one would count?).</summary>
    private static Dictionary<string, JsonElement> Fields(JsonElement element, string path)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!fields.TryAdd(property.Name, property.Value))
            {
                throw new AnalysisInputException(Join(path, property.Name), "appears twice");
            }
        }
        return fields;
    }

    private static JsonElement? Optional(Dictionary<string, JsonElement> fields, string name) =>
        fields.TryGetValue(name, out var element) && element.ValueKind != JsonValueKind.Null ? element : null;

    private static string RequiredString(Dictionary<string, JsonElement> fields, string name, string path)
    {
        var field = Join(path, name);
        if (!fields.TryGetValue(name, out var element)) throw new AnalysisInputException(field, "is required");
        if (element.ValueKind != JsonValueKind.String) throw new AnalysisInputException(field, $"must be a string, not {KindOf(element)}");
        return element.GetString()!;
    }

    private static string? OptionalString(Dictionary<string, JsonElement> fields, string name, string path)
    {
        if (Optional(fields, name) is not { } element) return null;
        if (element.ValueKind != JsonValueKind.String) throw new AnalysisInputException(Join(path, name), $"must be a string or null, not {KindOf(element)}");
        return element.GetString();
    }

    private static double? OptionalNumber(Dictionary<string, JsonElement> fields, string name, string path) =>
        Optional(fields, name) is { } element ? Number(element, Join(path, name)) : null;

    private static int RequiredWhole(Dictionary<string, JsonElement> fields, string name, string path)
    {
        var field = Join(path, name);
        if (!fields.TryGetValue(name, out var element)) throw new AnalysisInputException(field, "is required");
        return Whole(element, field);
    }

    private static double Number(JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Number) throw new AnalysisInputException(field, $"must be a number, not {KindOf(element)}");
        if (!element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw new AnalysisInputException(field, $"{element.GetRawText()} is not a finite number");
        }
        return value;
    }

    /// <summary>A whole number; 5.0 counts as 5.</summary>
    private static int Whole(JsonElement element, string field)
    {
        double value = Number(element, field);
        if (value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue)
        {
            throw new AnalysisInputException(field, $"{element.GetRawText()} is not a whole number");
        }
        return (int)value;
    }

    private static JsonElement AsObject(JsonElement element, string field) =>
        element.ValueKind == JsonValueKind.Object ? element : throw new AnalysisInputException(field, $"must be an object, not {KindOf(element)}");

    private static void RequireArray(JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Array) throw new AnalysisInputException(field, $"must be an array, not {KindOf(element)}");
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string KindOf(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Malformed(JsonException e)
    {
        // The reader appends its own 0-based position to the message; show a 1-based one instead.
        var reason = e.Message;
        int at = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (at >= 0) reason = reason[..at];
        var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
        return $"the document is not valid JSON{where}: {reason.Trim()}";
    }

    private static string KindName(ItemKind kind) => kind switch
    {
        ItemKind.Rating => "rating",
        ItemKind.Numeric => "numeric",
        _ => "ranking",
    };

    /// <summary>
    /// Kind, quantile method and the statistics of the panel and of each group, as both versions write them;
    /// <paramref name="disagreement"/> and <paramref name="groupDisagreement"/> (by slug) give the shares in the
    /// disagreement band, null to leave the field out.
    /// </summary>
    private static void WritePanel(
        Utf8JsonWriter w, ItemAnalysisBase analysis, Disagreement? disagreement, Func<string, Disagreement?> groupDisagreement)
    {
        w.WriteString("kind", KindName(analysis.Kind));
        w.WriteNumber("quantileMethod", analysis.QuantileMethod);
        WriteUnit(w, analysis.Unit, analysis.People);
        bool withBand = analysis.AgreementBand is not null;
        WriteStatistics(w, analysis.Overall, withBand, disagreement);
        w.WriteStartObject("groups");
        foreach (var (group, statistics) in analysis.Groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(group);
            WriteStatistics(w, statistics, withBand, groupDisagreement(group));
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>The figures over the participants present in both rounds, which open <c>stability</c> in both versions.</summary>
    private static void WritePairs(Utf8JsonWriter w, int pairs, double? changedFraction, double? meanAbsoluteChange, double? wilcoxonP)
    {
        w.WriteNumber("pairs", pairs);
        Number(w, "changedFraction", changedFraction);
        Number(w, "meanAbsoluteChange", meanAbsoluteChange);
        Number(w, "wilcoxonP", wilcoxonP);
    }

    /// <summary>
    /// An input document of either version: the answers as read, then the criteria object that <paramref name="writeCriteria"/>
    /// fills (left out without criteria).
    /// </summary>
    private static string WriteItemInput<TCriteria>(
        bool indented, ItemInputBase<TCriteria> input, Action<Utf8JsonWriter, TCriteria> writeCriteria)
        where TCriteria : ConsensusCriteriaBase
    {
        return WriteDocument(indented, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", KindName(input.Kind));
            if (input.ScaleIfRating is { } scale)
            {
                w.WriteStartObject("scale");
                w.WriteNumber("min", scale.Min);
                w.WriteNumber("max", scale.Max);
                w.WriteEndObject();
            }
            w.WriteNumber("quantileMethod", input.QuantileMethod);
            if (input.Year) w.WriteBoolean("year", true);
            WriteUnit(w, input.Unit, null);
            WriteResponses(w, "responses", input.Responses);
            if (input.PreviousRound is { } previous) WriteResponses(w, "previousRound", previous);
            if (input.Criteria is { } criteria)
            {
                w.WriteStartObject("criteria");
                writeCriteria(w, criteria);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });
    }

    // Written always, defaults too, so that an export says which groups were judged without knowing the defaults.
    private static void WriteGroupRule(Utf8JsonWriter w, ConsensusCriteriaBase criteria)
    {
        w.WriteBoolean("requireEveryGroup", criteria.RequireEveryGroup);
        w.WriteNumber("minGroupSize", criteria.MinGroupSize);
    }

    // A bound that is not given is not judged, so it is left out rather than written as null.
    private static void OptionalNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }

    /// <summary>A share in the disagreement band to write beside the statistics (null inside: no answers).</summary>
    private sealed record Disagreement(double? Share);

    private static void WriteStatistics(Utf8JsonWriter w, Statistics s, bool withBand, Disagreement? disagreement = null)
    {
        w.WriteNumber("n", s.N);
        Number(w, "mean", s.Mean);
        Number(w, "sd", s.Sd);
        Number(w, "cv", s.Cv);
        Number(w, "median", s.Median);
        Number(w, "q1", s.Q1);
        Number(w, "q3", s.Q3);
        Number(w, "iqr", s.Iqr);
        Number(w, "min", s.Min);
        Number(w, "max", s.Max);
        if (s.Distribution is { } distribution)
        {
            w.WriteStartObject("distribution");
            foreach (var (category, count) in distribution.OrderBy(d => d.Key))
            {
                w.WriteNumber(category.ToString(CultureInfo.InvariantCulture), count);
            }
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("distribution");
        }
        if (withBand) Number(w, "agreementInBand", s.AgreementInBand);
        if (disagreement is not null) Number(w, "disagreementInBand", disagreement.Share);
        Number(w, "tastleWierman", s.TastleWierman);
        Number(w, "vanDerEijkA", s.VanDerEijkA);
        Number(w, "bimodalityCoefficient", s.BimodalityCoefficient);
    }

    private static void WriteResponses(Utf8JsonWriter w, string name, IReadOnlyList<Response> responses)
    {
        w.WriteStartArray(name);
        foreach (var response in responses)
        {
            w.WriteStartObject();
            WriteAnswerer(w, response.Participant, response.Group, response.Organisation);
            w.WriteNumber("value", response.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    // A participant without a group writes no group field, as ReadAnswers reads a missing one as none.
    private static void WriteAnswerer(Utf8JsonWriter w, string participant, string? group, string? organisation)
    {
        w.WriteString("participant", participant);
        if (group is not null) w.WriteString("group", group);
        if (organisation is not null) w.WriteString("organisation", organisation);
    }

    // The unit only when the input stated it, so documents without one read (and hash) as before; with one voice
    // per organisation, also how many people's answers the organisations' answers were made of.
    private static void WriteUnit(Utf8JsonWriter w, VoiceUnit? unit, int? people)
    {
        if (unit is not { } u) return;
        w.WriteString("unit", Voices.Name(u));
        if (people is { } p) w.WriteNumber("people", p);
    }

    private static void WriteBand(Utf8JsonWriter w, string name, (double Low, double High) band)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(band.Low);
        w.WriteNumberValue(band.High);
        w.WriteEndArray();
    }

    private static void Direction(Utf8JsonWriter w, string name, ConsensusDirection? direction)
    {
        if (direction is { } d) w.WriteString(name, DirectionName(d));
        else w.WriteNull(name);
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values) w.WriteStringValue(value);
        w.WriteEndArray();
    }

    // Undefined figures are null, never NaN or Infinity (which JSON cannot hold).
    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private static string WriteDocument(bool indented, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions
        {
            Indented = indented,
            // Group slugs and options are data, not HTML: keep é and + readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        using (var writer = new Utf8JsonWriter(buffer, options)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
