using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Items;

namespace DelphiRounds.Vision;

/// <summary>
/// An item a statement rests on, with its final statistics and stopping verdict (from the last closed
/// round that asked it). <see cref="Statistics"/> is the analyze contract's output with stakeholder-group
/// figures below the anonymity threshold left out; null when no round has closed on the item.
/// </summary>
public sealed record LinkedItem(long ItemId, int Position, LocalizedText Text, string Kind, int? LastRound, string? Verdict, JsonObject? Statistics,
    string? Outcome = null)
{
    /// <summary>What the editor shows: the verdict, or polarised when there is no consensus and two camps.</summary>
    public string? Shown => Outcome ?? Verdict;

    public int? N => Int(Statistics?["n"]);
    public double? Median => Number(Statistics?["median"]);
    public double? Q1 => Number(Statistics?["q1"]);
    public double? Q3 => Number(Statistics?["q3"]);
    public double? Iqr => Number(Statistics?["iqr"]);
    public double? Agreement => Number(Statistics?["agreementInBand"]);
    /// <summary>A ranking's figures differ: "n" counts its options, "m" the people who ranked them.</summary>
    public bool IsRanking => Kind == "ranking" || Statistics?["kind"]?.GetValue<string>() == "ranking";
    public int? Raters => Int(Statistics?["m"]);
    public double? KendallW => Number(Statistics?["kendallW"]);
    /// <summary>An open question has no figures and no verdict: its answers are read, not counted.</summary>
    public bool IsOpenQuestion => Kind == "text";

    /// <summary>
    /// The outcome a frozen vision shows, read from the hashed figures themselves (the document keeps the stopping
    /// verdict; its analysis says whether the panel split into two camps): <c>polarised</c> for an item without
    /// consensus whose analysis is polarised, else null (the verdict is what is shown).
    /// </summary>
    public static string? OutcomeOf(string? verdict, JsonObject? statistics) =>
        verdict is not null && !Convergence.Verdicts.IsConsensus(verdict)
        && statistics?["dissensus"]?["polarised"] is JsonValue p && p.GetValueKind() == JsonValueKind.True
            ? Convergence.Verdicts.Polarised : null;

    /// <summary>The key of the verdict line under the item (vision.verdict.*).</summary>
    public string VerdictKey => Verdict ?? (IsOpenQuestion ? "text" : "none");

    /// <summary>A figure for people: up to two decimals, the culture's decimal sign; a dash when undefined.</summary>
    public static string Show(double? value) => value is { } v ? v.ToString("0.##", CultureInfo.CurrentCulture) : "—";

    /// <summary>A share as a whole percentage.</summary>
    public static string Percent(double? value) => value is { } v ? (v * 100).ToString("0", CultureInfo.CurrentCulture) + "%" : "—";

    internal static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    internal static int? Int(JsonNode? node) => Number(node) is { } d ? (int)d : null;
}

/// <summary>The review of one statement: how many agree, can live with it, or object, and the objections' reasons.</summary>
public sealed record ReviewTally(int Agree, int LiveWith, int Object, IReadOnlyList<string> Objections, IReadOnlyList<string> Comments)
{
    public int Total => Agree + LiveWith + Object;
    /// <summary>The same review counted per organisation (issue 18); null when the study's panel has no organisations.</summary>
    public OrganisationTally? ByOrganisation { get; init; }
    public static ReviewTally Empty { get; } = new(0, 0, 0, [], []);
}

/// <summary>
/// The review of one statement counted per organisation: an organisation takes the most reserved position of its
/// members who answered (one member's objection is the organisation's objection; "can live with it" outweighs "agree").
/// Members in no organisation are not counted here, only per person. Counts only: never which organisation took which position.
/// </summary>
public sealed record OrganisationTally(int Agree, int LiveWith, int Object)
{
    public int Total => Agree + LiveWith + Object;

    /// <summary>The tally of the latest answers per participant, given who belongs to which organisation.</summary>
    public static OrganisationTally Of(IEnumerable<(long ParticipantId, string Position)> answers, IReadOnlyDictionary<long, long> membership)
    {
        static int Weight(string position) => position switch { ReviewPositions.Object => 2, ReviewPositions.LiveWith => 1, _ => 0 };
        var positions = answers.Where(a => membership.ContainsKey(a.ParticipantId))
            .GroupBy(a => membership[a.ParticipantId])
            .Select(g => g.Max(a => Weight(a.Position))).ToList();
        return new OrganisationTally(positions.Count(p => p == 0), positions.Count(p => p == 1), positions.Count(p => p == 2));
    }
}

/// <summary>A statement as shown: its number, Markdown text, the items it rests on and its review.</summary>
public sealed record StatementView(long Id, int Number, string Text, IReadOnlyList<LinkedItem> Items, ReviewTally Review);

/// <summary>A draft as shown to the facilitator and the panel.</summary>
public sealed record DraftView(VisionDraft Draft, VisionReview? Review, IReadOnlyList<StatementView> Statements, int Reviewers);

/// <summary>
/// The frozen vision read back from its canonical JSON: what pages show of a frozen vision comes from the
/// very text that was hashed, never from the tables it was made from.
/// </summary>
public sealed record FrozenVision(
    long StudyId, string StudyTitle, string Question, string Organiser, int? HorizonYear,
    string Title, int Version, string Preamble, IReadOnlyList<StatementView> Statements,
    string CriteriaCanonical, string? CriteriaHash, string? CriteriaLockedAt, string FrozenAt, string DocumentHash)
{
    /// <summary>Statements moved at the freeze because an item they rest on has no consensus, with their poles (issue 18).</summary>
    public IReadOnlyList<OpenQuestion> OpenQuestions { get; init; } = [];
    /// <summary>The override of organisations' objections, when the freeze needed one.</summary>
    public ObjectionOverride? Override { get; init; }
    /// <summary>Statements kept although an item they rest on has no consensus, with the reason.</summary>
    public IReadOnlyList<KeptStatement> Kept { get; init; } = [];

    public static FrozenVision Parse(string canonicalJson, string documentHash)
    {
        var root = JsonNode.Parse(canonicalJson)!.AsObject();
        var study = root["study"]!.AsObject();
        var vision = root["vision"]!.AsObject();
        var criteria = root["criteria"]!.AsObject();
        var statements = vision["statements"]!.AsArray().Select(Statement).ToList();
        var openQuestions = vision[FreezeRecord.OpenQuestionsField] is JsonArray open
            ? open.Select(q => new OpenQuestion(Statement(q), FreezeRecord.ReadPoles(q!["poles"]))).ToList()
            : [];
        return new FrozenVision(
            (long)LinkedItem.Number(study["id"])!, study["title"]!.GetValue<string>(), study["question"]?.GetValue<string>() ?? "",
            study["organiser"]?.GetValue<string>() ?? "", LinkedItem.Int(study["horizonYear"]),
            vision["title"]!.GetValue<string>(), LinkedItem.Int(vision["version"]) ?? 0, vision["preamble"]!.GetValue<string>(), statements,
            criteria["canonical"]!.GetValue<string>(), criteria["sha256"]?.GetValue<string>(), criteria["lockedAt"]?.GetValue<string>(),
            root["frozenAt"]!.GetValue<string>(), documentHash)
        {
            OpenQuestions = openQuestions,
            Override = FreezeRecord.ReadOverride(root),
            Kept = FreezeRecord.ReadKept(root),
        };
    }

    private static StatementView Statement(JsonNode? s)
    {
        {
            var items = s!["items"]!.AsArray().Select(i => new LinkedItem(
                (long)LinkedItem.Number(i!["id"])!, LinkedItem.Int(i["position"]) ?? 0,
                new LocalizedText(i["text"]!["nl"]!.GetValue<string>(), i["text"]!["en"]!.GetValue<string>()),
                i["kind"]!.GetValue<string>(), LinkedItem.Int(i["lastRound"]), i["verdict"]?.GetValue<string>(),
                i["statistics"] as JsonObject,
                LinkedItem.OutcomeOf(i["verdict"]?.GetValue<string>(), i["statistics"] as JsonObject))).ToList();
            return new StatementView(0, LinkedItem.Int(s["number"]) ?? 0, s["text"]!.GetValue<string>(), items, ReviewTally.Empty);
        }
    }
}

/// <summary>The model of the <c>_VisionStatement</c> partial: one statement beside what it rests on.</summary>
/// <param name="Statement">The statement with its linked items.</param>
/// <param name="English">Show item texts in English.</param>
/// <param name="ShowReview">Show the review tally and the objections (facilitator only).</param>
/// <param name="HeadingLevel">The heading level of the statement's title (2–5).</param>
public sealed record StatementPartial(StatementView Statement, bool English, bool ShowReview, int HeadingLevel = 3);
