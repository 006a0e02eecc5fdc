using System.Text.Json.Nodes;
using DelphiRounds.Items;

namespace DelphiRounds.Vision;

/// <summary>An organisation of the panel whose review still objects to statements of the version to be frozen.</summary>
public sealed record ObjectingOrganisation(long Id, string Name, IReadOnlyList<int> Statements);

/// <summary>A statement that rests on at least one item without consensus (those items listed).</summary>
public sealed record UnsettledStatement(int Number, IReadOnlyList<LinkedItem> Items);

/// <summary>
/// What the freeze must decide about (issue 18 item 5): organisations that object (they block the freeze unless the
/// facilitator overrides with a written reason) and statements resting on items without consensus (they move to the
/// open questions unless the facilitator keeps them with a reason).
/// </summary>
public sealed record FreezeCheck(IReadOnlyList<ObjectingOrganisation> Objections, IReadOnlyList<UnsettledStatement> WithoutConsensus)
{
    public static FreezeCheck None { get; } = new([], []);
}

/// <summary>The facilitator's decisions at the freeze: the override of the organisations' objections, and the statements kept.</summary>
/// <param name="OverrideReason">Why the vision is frozen although organisations object (required when they do).</param>
/// <param name="Keep">Statement number → why it stays in the vision although an item it rests on has no consensus.</param>
public sealed record FreezeDecisions(string? OverrideReason, IReadOnlyDictionary<int, string> Keep)
{
    /// <summary>A reason must say something: at least this many characters.</summary>
    public const int MinReasonLength = 20;
    public const int MaxReasonLength = 2000;

    public static FreezeDecisions None { get; } = new(null, new Dictionary<int, string>());
}

/// <summary>Why a freeze with decisions was refused: the field at fault and a code (<see cref="Codes"/>).</summary>
public sealed record FreezeRefusal(int Status, string Field, string Code, int? Statement = null)
{
    public static class Codes
    {
        public const string OrganisationsObject = "organisations-object";
        public const string ReasonTooShort = "reason-too-short";
        public const string ReasonTooLong = "reason-too-long";
        public const string KeepNotNeeded = "keep-not-needed";
    }
}

/// <summary>The outcome of a freeze: the document, or the blocker, or the refused decision (with what the freeze checked).</summary>
public sealed record FreezeOutcome(FreezeBlocker Blocker, VisionDocument? Document, FreezeCheck Check, FreezeRefusal? Refusal = null)
{
    public bool Frozen => Document is not null && Blocker == FreezeBlocker.None && Refusal is null;
}

/// <summary>The poles of an item in the open questions chapter: the stakeholder groups (of at least k answers) on either side.</summary>
public sealed record ItemPoles(long ItemId, IReadOnlyList<PoleGroup> For, IReadOnlyList<PoleGroup> Against);

/// <summary>A stakeholder group named as a pole.</summary>
public sealed record PoleGroup(string Slug, LocalizedText Name);

/// <summary>A statement moved to the open questions at the freeze, with its items' poles (the dissensus map).</summary>
public sealed record OpenQuestion(StatementView Statement, IReadOnlyList<ItemPoles> Poles);

/// <summary>The recorded override of the organisations' objections, as it stands in the frozen document.</summary>
/// <param name="Reason">Why the facilitator froze the vision all the same.</param>
/// <param name="Organisations">How many organisations objected.</param>
/// <param name="Names">Their names, only when the study makes its organisations public (else empty).</param>
/// <param name="Statements">The statements they objected to.</param>
public sealed record ObjectionOverride(string Reason, int Organisations, IReadOnlyList<string> Names, IReadOnlyList<int> Statements);

/// <summary>A statement kept in the vision although an item it rests on has no consensus, with the facilitator's reason.</summary>
public sealed record KeptStatement(int Statement, string Reason);

/// <summary>Reads and writes the freeze's decisions in the canonical document.</summary>
public static class FreezeRecord
{
    public const string DecisionsField = "freezeDecisions";
    public const string OpenQuestionsField = "openQuestions";

    public static JsonArray PolesJson(IReadOnlyList<ItemPoles> poles) => new(poles.Select(p => (JsonNode)new JsonObject
    {
        ["itemId"] = p.ItemId,
        ["for"] = Groups(p.For),
        ["against"] = Groups(p.Against),
    }).ToArray());

    private static JsonArray Groups(IReadOnlyList<PoleGroup> groups) => new(groups.Select(g => (JsonNode)new JsonObject
    {
        ["slug"] = g.Slug,
        ["name"] = new JsonObject { ["nl"] = g.Name.Nl, ["en"] = g.Name.En },
    }).ToArray());

    public static JsonObject? DecisionsJson(ObjectionOverride? objection, IReadOnlyList<KeptStatement> kept)
    {
        if (objection is null && kept.Count == 0) return null;
        return new JsonObject
        {
            ["objectionOverride"] = objection is null ? null : new JsonObject
            {
                ["reason"] = objection.Reason,
                ["organisations"] = objection.Organisations,
                ["names"] = new JsonArray(objection.Names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
                ["statements"] = new JsonArray(objection.Statements.Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
            },
            ["kept"] = new JsonArray(kept.Select(k => (JsonNode)new JsonObject { ["statement"] = k.Statement, ["reason"] = k.Reason }).ToArray()),
        };
    }

    public static ObjectionOverride? ReadOverride(JsonObject root) =>
        root[DecisionsField]?["objectionOverride"] is JsonObject o
            ? new ObjectionOverride(o["reason"]!.GetValue<string>(), LinkedItem.Int(o["organisations"]) ?? 0,
                o["names"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [],
                o["statements"]?.AsArray().Select(n => LinkedItem.Int(n) ?? 0).ToList() ?? [])
            : null;

    public static IReadOnlyList<KeptStatement> ReadKept(JsonObject root) =>
        root[DecisionsField]?["kept"] is JsonArray kept
            ? kept.Select(k => new KeptStatement(LinkedItem.Int(k!["statement"]) ?? 0, k["reason"]!.GetValue<string>())).ToList()
            : [];

    public static IReadOnlyList<ItemPoles> ReadPoles(JsonNode? node) =>
        node is JsonArray poles
            ? poles.Select(p => new ItemPoles((long)LinkedItem.Number(p!["itemId"])!, ReadGroups(p["for"]), ReadGroups(p["against"]))).ToList()
            : [];

    private static IReadOnlyList<PoleGroup> ReadGroups(JsonNode? node) =>
        node is JsonArray groups
            ? groups.Select(g => new PoleGroup(g!["slug"]!.GetValue<string>(),
                new LocalizedText(g["name"]!["nl"]!.GetValue<string>(), g["name"]!["en"]!.GetValue<string>()))).ToList()
            : [];
}

/// <summary>The model of the <c>_FrozenOpenQuestions</c> partial: the open questions and the freeze's decisions of a frozen vision.</summary>
/// <param name="Vision">The frozen vision.</param>
/// <param name="English">Show texts in English.</param>
/// <param name="HeadingLevel">The level of the chapters' headings (2 or 3).</param>
public sealed record FrozenVisionPartial(FrozenVision Vision, bool English, int HeadingLevel = 2);
