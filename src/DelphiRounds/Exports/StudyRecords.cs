using DelphiRounds.Answers;
using DelphiRounds.Arguments;
using DelphiRounds.Consensus;
using DelphiRounds.Convergence;
using DelphiRounds.Data;
using DelphiRounds.Items;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

namespace DelphiRounds.Exports;


/// <summary>
/// An argument: the rationale a participant gave with their answer to an item in a round (the latest
/// revision that has one), with how many other participants marked it convincing. Arguments the
/// facilitator hid are not in it.
/// </summary>
public sealed record ArgumentRecord(
    long AnswerId, int Round, long ItemId, int ItemPosition, string ItemKind, string Participant, string Group, int Revision,
    double? Value, bool? InAgreementBand, string Rationale, int Convincing, DateTimeOffset CreatedAt);

/// <summary>The statistics of an item in a round, in the analyze contract's output shape.</summary>
/// <param name="Round">Round number.</param>
/// <param name="RoundId">The round.</param>
/// <param name="RoundMode">classic, live or blind.</param>
/// <param name="Item">The item.</param>
/// <param name="Asked">The item as asked in the round (its wording then).</param>
/// <param name="Input">The analyze contract's input (rating, numeric, year).</param>
/// <param name="Analysis">Its output.</param>
/// <param name="RankingInput">The input of a ranking item.</param>
/// <param name="Ranking">Its output.</param>
/// <param name="Verdict">The stopping verdict when the round closed (current answers only).</param>
/// <param name="V2">Under version 2 of the rules: direction, fragility, poles, attrition and verdict.</param>
/// <param name="Basis"><c>current</c> (every participant's latest answer) or <c>first</c> (blind rounds: the answers given before seeing the panel).</param>
public sealed record AggregateRecord(
    int Round, long RoundId, string RoundMode, Item Item, RoundItem Asked, string Basis, ItemInput? Input, ItemAnalysis? Analysis,
    RankingInput? RankingInput, RankingAnalysis? Ranking, string? Verdict, ItemAnalysisV2? V2 = null)
{
    /// <summary>Rating, numeric and year items: how many answered "don't know" (never among the answers analysed).</summary>
    public int? DontKnow { get; init; }

    /// <summary>A rating, numeric or year item's aggregate under either version of the rules.</summary>
    public static AggregateRecord Of(Round round, Item item, RoundItem asked, string basis, NumberAnalysis numbers, string? verdict)
    {
        // The answers are the same under both versions; only the criteria differ, and those are read from V2.
        var input = numbers.Input ?? new ItemInput
        {
            Kind = numbers.InputV2!.Kind, Scale = numbers.InputV2.Scale, QuantileMethod = numbers.InputV2.QuantileMethod,
            Responses = numbers.InputV2.Responses, PreviousRound = numbers.InputV2.PreviousRound,
        };
        return new AggregateRecord(round.Number, round.Id, round.Mode, item, asked, basis, input, numbers.Analysis, null, null, verdict, numbers.V2);
    }
}

/// <summary>
/// Everything recorded about a study, read once for its exports and its report: rounds, items as asked,
/// every answer revision, aggregates per round (recomputed from the answers exactly as <c>export.json</c>
/// and the close snapshot do), verdicts, arguments, wording changes and response. Identities are never read.
/// </summary>
public sealed record StudyRecord(
    Study Study, IReadOnlyList<StakeholderGroup> Groups, IReadOnlyList<Item> Items, IReadOnlyList<Round> Rounds,
    IReadOnlyDictionary<long, IReadOnlyList<RoundItem>> Asked, IReadOnlyList<AnswerRecord> Answers,
    IReadOnlyList<AggregateRecord> Aggregates, IReadOnlyList<ArgumentRecord> Arguments, IReadOnlyList<ItemChange> Changes,
    ILookup<long, long> Sources, IReadOnlyList<RoundResponse> Response, IReadOnlyDictionary<long, int> PanelSize, ReportNotes? Notes = null,
    IReadOnlyList<StudyDocument>? DocumentList = null, IReadOnlyList<OrganisationResponse>? OrganisationResponse = null)
{
    /// <summary>The background documents (CREDES: informational input), withdrawn ones too, in the order added.</summary>
    public IReadOnlyList<StudyDocument> Documents => DocumentList ?? [];
    /// <summary>The panel's organisations with their response per round (counts of who answered); empty when the panel has none.</summary>
    public IReadOnlyList<OrganisationResponse> Organisations => OrganisationResponse ?? [];

    /// <summary>What the facilitator wrote for the report (CREDES items the data cannot tell); empty when nothing was written.</summary>
    public ReportNotes ReportNotes => Notes ?? ReportNotes.Empty;

    /// <summary>The number of the first round that asked the item (null when none did): an item first asked after round 1 was added later.</summary>
    public int? FirstAsked(long itemId) =>
        Rounds.Where(r => !r.IsIdeas && Asked.TryGetValue(r.Id, out var asked) && asked.Any(a => a.ItemId == itemId)).Select(r => (int?)r.Number).Min();

    /// <summary>An item's own number (its place in the questionnaire), the one every page shows for it.</summary>
    public int Number(long itemId) => Items.FirstOrDefault(i => i.Id == itemId)?.Position ?? 0;

    public IEnumerable<Round> Numbered => Rounds.Where(r => r.Kind == RoundKinds.Rating);

    public Round? Ideas => Rounds.FirstOrDefault(r => r.IsIdeas);

    /// <summary>The item's last verdict (the round it was given in), or null before any round closed.</summary>
    public (string Verdict, int Round)? LastVerdict(long itemId) =>
        Aggregates.Where(a => a.Item.Id == itemId && a.Basis == "current" && a.Verdict is not null)
            .Select(a => ((string Verdict, int Round)?)(a.Verdict!, a.Round)).LastOrDefault();
}

/// <summary>Reads a <see cref="StudyRecord"/>.</summary>
public sealed class StudyRecords(
    Database db, StudyStore studies, ItemStore items, RoundStore rounds, AnswerStore answers, ConvergenceStore snapshots, ResponseRates response,
    ReportNotesStore notes, StudyDocumentStore documents, OrganisationResponseRates organisationResponse)
{
    /// <summary>
    /// Reads the study. <paramref name="progress"/>, when given, is told of every step — each item analysed
    /// in each round, then the answers and arguments — and may throw to cancel the read.
    /// </summary>
    public async Task<StudyRecord> LoadAsync(long studyId, Func<ReportStep, ValueTask>? progress = null)
    {
        var study = (await studies.FindAsync(studyId))!;
        var rules = study.Rules;
        var groups = await studies.GroupsAsync(studyId);
        var itemList = await items.ListAsync(studyId);
        var byId = itemList.ToDictionary(i => i.Id);
        var roundList = (await rounds.ListAsync(studyId)).Where(r => r.State != RoundStates.Draft).ToList();
        var verdicts = (await snapshots.ForStudyAsync(studyId)).ToDictionary(s => (s.RoundId, s.ItemId), s => s.Verdict);

        var asked = new Dictionary<long, IReadOnlyList<RoundItem>>();
        foreach (var round in roundList) asked[round.Id] = await rounds.ItemsAsync(round.Id);
        // One step per item per round, one for the answers and arguments, and one the caller may add after.
        var total = asked.Values.Sum(a => a.Count) + ReportStep.StepsAfterAnalysis;
        var done = 0;
        var numbered = roundList.Count(r => !r.IsIdeas);
        var aggregates = new List<AggregateRecord>();
        IReadOnlyList<CurrentAnswer>? previous = null;
        int? previousNumber = null;
        var changes = await items.ChangesAsync(studyId);
        foreach (var round in roundList)
        {
            var current = await answers.CurrentAsync(round.Id);
            var first = round.Mode == RoundModes.Blind ? await answers.FirstAsync(round.Id) : null;
            var inRound = 0;
            foreach (var ri in asked[round.Id])
            {
                if (progress is not null)
                    await progress(new ReportStep(round.IsIdeas ? ReportStages.Ideas : ReportStages.Analysing, round.Number, numbered, ++inRound, asked[round.Id].Count, done++, total));
                var item = byId[ri.ItemId];
                var verdict = verdicts.TryGetValue((round.Id, item.Id), out var v) ? v : null;
                // Exactly what export.json and the snapshot at close analyse: current answers, with the previous closed round's for stability.
                if (AnalysisInputs.Analyse(item, rules, current, AnalysisInputs.PreviousFor(item, previous, previousNumber, changes)) is { } numbers)
                {
                    aggregates.Add(AggregateRecord.Of(round, item, ri, "current", numbers, verdict) with { DontKnow = AnalysisInputs.DontKnowCount(item.Id, current) });
                    if (first is not null && AnalysisInputs.Analyse(item, rules, first, AnalysisInputs.PreviousFor(item, previous, previousNumber, changes)) is { } blind)
                        aggregates.Add(AggregateRecord.Of(round, item, ri, "first", blind, null) with { DontKnow = AnalysisInputs.DontKnowCount(item.Id, first) });
                }
                else if (AnalysisInputs.ForRanking(item, current, rules) is { } ranking)
                {
                    aggregates.Add(new AggregateRecord(round.Number, round.Id, round.Mode, item, ri, "current", null, null, ranking, Analyzer.AnalyzeRanking(ranking), verdict));
                    if (first is not null && AnalysisInputs.ForRanking(item, first, rules) is { } blindRanking)
                        aggregates.Add(new AggregateRecord(round.Number, round.Id, round.Mode, item, ri, "first", null, null, blindRanking, Analyzer.AnalyzeRanking(blindRanking), null));
                }
            }
            if (round.State == RoundStates.Closed && !round.IsIdeas) (previous, previousNumber) = (current, round.Number);
        }

        if (progress is not null) await progress(new ReportStep(ReportStages.Reading, 0, numbered, 0, 0, done++, total));
        // One read, so the answers, the marks and the moderation are of the same moment.
        var (answerRows, marks, hidden, panelSize) = await db.ReadAsync(async c => (
            await AnswerStore.HistoryAsync(c, studyId), await ArgumentStore.MarksAsync(c, studyId),
            await ArgumentStore.HiddenAsync(c, studyId), await ParticipantStore.CountByGroupAsync(c, studyId)));

        var arguments = Arguments(answerRows, marks, hidden, byId, rules);
        return new StudyRecord(study, groups, itemList, roundList, asked, answerRows, aggregates, arguments,
            changes, await items.SourcesAsync(studyId), await response.ReadAsync(studyId), panelSize, await notes.GetAsync(studyId),
            await documents.ListAsync(studyId), await organisationResponse.ReadAsync(studyId));
    }

    /// <summary>
    /// One argument per participant, item and round: the latest revision with a rationale, unless it is hidden
    /// (<see cref="ArgumentStore.HiddenAsync"/>: the facilitator hid this text of its author); "convincing" counts the
    /// distinct participants who marked any revision of it.
    /// </summary>
    private static List<ArgumentRecord> Arguments(List<AnswerRecord> rows, List<(long AnswerId, long ParticipantId)> marks, HashSet<long> hidden,
        Dictionary<long, Item> items, ConsensusRules rules)
    {
        var markers = marks.ToLookup(m => m.AnswerId, m => m.ParticipantId);
        var result = new List<ArgumentRecord>();
        foreach (var thread in rows.GroupBy(a => (a.RoundId, a.ItemId, a.Participant)))
        {
            var latest = thread.Where(a => !string.IsNullOrWhiteSpace(a.Rationale)).MaxBy(a => a.Revision);
            if (latest is null) continue;
            if (hidden.Contains(latest.AnswerId)) continue;
            var convincing = thread.SelectMany(a => markers[a.AnswerId]).Distinct().Count();
            // The position the argument was given from: the answer current at the end of the round.
            var position = thread.MaxBy(a => a.Revision)!;
            var band = rules.ForLive(items[latest.ItemId])?.AgreementBand;
            bool? inBand = band is { } b && position.Value is { } v ? v >= b.Low && v <= b.High : null;
            result.Add(new ArgumentRecord(latest.AnswerId, latest.Round, latest.ItemId, latest.ItemPosition, latest.ItemKind, latest.Participant,
                latest.Group, latest.Revision, position.Value, inBand, latest.Rationale!, convincing, latest.CreatedAt));
        }
        return result.OrderBy(a => a.Round).ThenBy(a => a.ItemPosition).ThenByDescending(a => a.Convincing).ThenBy(a => a.Participant, StringComparer.Ordinal).ToList();
    }
}
