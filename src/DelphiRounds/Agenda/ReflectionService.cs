using System.Text.Json.Nodes;
using DelphiRounds.Convergence;
using DelphiRounds.Items;
using DelphiRounds.Live;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using DelphiRounds.Vision;

namespace DelphiRounds.Agenda;

/// <summary>What a facilitator asks for when starting a reflection round.</summary>
public sealed record ReflectionRoundRequest
{
    /// <summary><c>classic</c> (default), <c>live</c> or <c>blind</c>.</summary>
    public string? Mode { get; init; }
    /// <summary>When the round is planned to close (optional).</summary>
    public DateTimeOffset? ClosesAt { get; init; }
    /// <summary>
    /// Optional: new consensus criteria for the reflection round. Without them the locked rules stay as they are; with them,
    /// <see cref="Reason"/> is required and recorded.
    /// </summary>
    public ConsensusRules? Criteria { get; init; }
    /// <summary>Why the rules change (10 to 2,000 characters); only with <see cref="Criteria"/>, refused without them.</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// The drift of one item in a reflection round (issue 21): the signed median and middle half, the reflection round's median and
/// the drift from the signed median (reflection minus signed), in the item's unit. Null figures before the round closed or below
/// three answers.
/// </summary>
public sealed record ItemDrift(long ItemId, LocalizedText Text, string Kind, string Unit, double SignedMedian, double? SignedQ1, double? SignedQ3,
    double? Median, double? Drift, int? N);

/// <summary>A measured value of an indicator, as a participant sees it in a reflection round.</summary>
public sealed record MeasuredValue(string Indicator, double Value, string Unit, string Date);

/// <summary>Beside an item of a reflection round: the signed target and the measured values of its indicators.</summary>
public sealed record ReflectionContext(double Median, double? Q1, double? Q3, string Unit, IReadOnlyList<MeasuredValue> Measured);

/// <summary>A reflection round as the API gives it.</summary>
public sealed record ReflectionRoundResponse(long RoundId, int Number, string Mode, string State, string DocumentHash,
    string CriteriaBefore, string CriteriaAfter, bool RulesChanged, string? RuleChangeReason, DateTimeOffset StartedAt);

/// <summary>
/// Reflection rounds (issue 21, point 6): after the vision is frozen, the facilitator asks the panel the same items again in a
/// new round, each beside the measured values of its indicators and the signed target. The locked rules stay the same unless
/// changed with a recorded reason. When the reflection round has closed, a new version of the vision can be drafted.
/// </summary>
public sealed class ReflectionService(RoundService roundService, RoundStore rounds, VisionStore visions, StudyStore studies, ItemStore items,
    ConvergenceStore snapshots, AgendaStore agenda, Microsoft.Extensions.Localization.IStringLocalizer<Kernel.Texts> t)
{
    public const int MinReasonLength = 10;
    public const int MaxReasonLength = 2000;

    /// <summary>Starts a reflection round; on a refusal, the field at fault and why (status 400 or 409), and nothing changed.</summary>
    public async Task<(ReflectionRoundResponse? Started, int Status, string? Field, string? Message)> StartAsync(Study study, ReflectionRoundRequest request)
    {
        var mode = string.IsNullOrWhiteSpace(request.Mode) ? RoundModes.Classic : request.Mode.Trim();
        if (!RoundModes.All.Contains(mode)) return (null, 400, "mode", $"'{mode}' is not a round mode; use {string.Join(", ", RoundModes.All)}.");
        var reason = request.Reason?.Trim();
        if (request.Criteria is null && !string.IsNullOrEmpty(reason))
            return (null, 400, "reason", "A reason is recorded only with new consensus criteria; leave it empty to keep the locked rules.");
        string? criteriaJson = null;
        if (request.Criteria is { } criteria)
        {
            if (string.IsNullOrEmpty(reason))
                return (null, 400, "reason", "The consensus criteria were locked; changing them for the reflection round needs a reason, which is recorded.");
            if (reason.Length < MinReasonLength) return (null, 400, "reason", $"The reason is too short: at least {MinReasonLength} characters.");
            if (reason.Length > MaxReasonLength) return (null, 400, "reason", $"The reason is too long: at most {MaxReasonLength} characters.");
            // As when the rules were first set: today's version 2, and the experts' items as they were locked.
            criteria = criteria with { ExpertItems = study.Rules.ExpertItems };
            if (criteria.RulesVersion == 2 || criteria.Version is null) criteria = criteria.AsVersion2();
            else if (criteria.Items is { Count: > 0 })
                return (null, 400, "criteria.items", "Rules per item belong to version 2 of the consensus rules; version 1 has none.");
            criteria = criteria.WithUnit(criteria.VoiceUnit);
            if (ItemRulesCheck.Find(criteria, await items.ListAsync(study.Id)) is { } problem) return (null, 400, "criteria." + problem.Field, problem.Message);
            criteriaJson = criteria.ToCanonicalJson();
            if (criteriaJson == study.CriteriaJson) criteriaJson = null;
        }
        if (await visions.DocumentAsync(study.Id) is not { } document)
            return (null, 409, "studyId", "The study has no frozen vision: a reflection round reflects on a frozen, signed vision.");
        var (round, reflection, change) = await roundService.StartReflectionAsync(study.Id, mode, request.ClosesAt, document.DocumentHash, criteriaJson,
            criteriaJson is null ? null : reason);
        if (round is null || reflection is null)
            return (null, 409, "studyId", "The study already has a round in preparation or open; finish that one first.");
        if (change != RoundChange.Done)
            return (null, 409, "studyId", $"The reflection round was prepared but could not open ({change}).");
        return (Describe(round, reflection), 201, null, null);
    }

    /// <summary>A study's reflection rounds, oldest first.</summary>
    public async Task<IReadOnlyList<ReflectionRoundResponse>> ListAsync(long studyId)
    {
        // The reflections first, then the rounds: a reflection and its round are stored in one transaction and rounds are never
        // deleted, so every reflection read has its round in the later read. The other way round, a reflection round started
        // between the two reads had no round (a server error while a facilitator started one).
        var reflections = await rounds.ReflectionsAsync(studyId);
        var all = (await rounds.ListAsync(studyId)).ToDictionary(r => r.Id);
        return reflections.Select(r => Describe(all[r.RoundId], r)).ToList();
    }

    /// <summary>The reflection of a round, with the frozen document it reflects on; null for an ordinary round.</summary>
    public async Task<(ReflectionRound Reflection, VisionDocument Document)?> OfRoundAsync(long roundId)
    {
        if (await rounds.ReflectionOfAsync(roundId) is not { } reflection) return null;
        var document = (await visions.DocumentsAsync(reflection.StudyId)).FirstOrDefault(d => d.DocumentHash == reflection.DocumentHash);
        return document is null ? null : (reflection, document);
    }

    /// <summary>
    /// Per item of the signed vision with a median: the signed median and middle half, the reflection round's median when it
    /// closed, and the drift between them (reflection minus signed) in the item's unit. No figure below three answers; while the
    /// round is open the reflection figures are null. Null when the round is not a reflection round of the study.
    /// </summary>
    public async Task<IReadOnlyList<ItemDrift>?> DriftAsync(long studyId, long roundId)
    {
        if (await OfRoundAsync(roundId) is not { } of || of.Reflection.StudyId != studyId) return null;
        var signed = FrozenVision.Parse(of.Document.CanonicalJson, of.Document.DocumentHash);
        var closed = (await snapshots.ForRoundAsync(roundId)).ToDictionary(s => s.ItemId);
        var all = (await items.ListAsync(studyId)).ToDictionary(i => i.Id);
        var result = new List<ItemDrift>();
        foreach (var item in signed.Statements.SelectMany(s => s.Items).Where(i => i.Median is not null).DistinctBy(i => i.ItemId).OrderBy(i => i.Position))
        {
            double? median = null;
            int? n = null;
            if (closed.TryGetValue(item.ItemId, out var snapshot))
            {
                var analysis = JsonNode.Parse(snapshot.AnalysisJson);
                n = LinkedItem.Int(analysis?["n"]);
                if (n >= Math.Max(3, ReleaseThreshold.K)) median = LinkedItem.Number(analysis?["median"]);
                else n = null;
            }
            var unit = item.Kind == ItemKinds.Year ? t["agenda.unit.year"].Value : all.GetValueOrDefault(item.ItemId)?.Unit ?? "";
            result.Add(new ItemDrift(item.ItemId, item.Text, item.Kind, unit, item.Median!.Value, item.Q1, item.Q3, median,
                median is { } m ? Math.Round(m - item.Median!.Value, 6) : null, n));
        }
        return result;
    }

    /// <summary>
    /// What a participant sees beside each item of a reflection round: the signed target (median and middle half, in the item's
    /// unit, from the frozen document the round reflects on) and the measured values of the indicators on it. Empty for an
    /// ordinary round.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, ReflectionContext>> ContextAsync(long roundId)
    {
        if (await OfRoundAsync(roundId) is not { } of) return new Dictionary<long, ReflectionContext>();
        var signed = FrozenVision.Parse(of.Document.CanonicalJson, of.Document.DocumentHash);
        var all = (await items.ListAsync(of.Reflection.StudyId)).ToDictionary(i => i.Id);
        var indicators = await agenda.IndicatorsAsync(of.Reflection.StudyId);
        var measurements = await agenda.MeasurementsAsync(of.Reflection.StudyId);
        var result = new Dictionary<long, ReflectionContext>();
        foreach (var statement in signed.Statements)
            foreach (var item in statement.Items.Where(i => i.Median is not null && !result.ContainsKey(i.ItemId)))
            {
                var mine = indicators.Where(i => i.ItemId == item.ItemId || (i.ItemId is null && i.StatementNumber == statement.Number)).ToList();
                var measured = mine.SelectMany(i => measurements.Where(m => m.IndicatorId == i.Id)
                        .Select(m => new MeasuredValue(i.Name, m.Value, i.Unit, m.MeasuredOn)))
                    .OrderBy(m => m.Date, StringComparer.Ordinal).ThenBy(m => m.Indicator, StringComparer.Ordinal).ToList();
                var unit = item.Kind == ItemKinds.Year ? t["agenda.unit.year"].Value : all.GetValueOrDefault(item.ItemId)?.Unit ?? "";
                result[item.ItemId] = new ReflectionContext(item.Median!.Value, item.Q1, item.Q3, unit, measured);
            }
        return result;
    }

    private static ReflectionRoundResponse Describe(Round round, ReflectionRound r) =>
        new(round.Id, round.Number, round.Mode, round.State, r.DocumentHash, r.CriteriaBefore, r.CriteriaAfter, r.RulesChanged, r.RuleChangeReason, r.StartedAt);

    /// <summary>Every frozen version of the study's vision, vision 1 first.</summary>
    public Task<IReadOnlyList<VisionDocument>> DocumentsAsync(long studyId) => visions.DocumentsAsync(studyId);

    /// <summary>The study, for callers that only hold its id.</summary>
    public Task<Study?> StudyAsync(long studyId) => studies.FindAsync(studyId);
}
