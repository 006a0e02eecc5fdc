using DelphiRounds.Consensus;
using DelphiRounds.Convergence;
using DelphiRounds.Exports;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// The printable study report, covering the reporting items of CREDES (Jünger et al. 2017): purpose,
/// panel and groups, method, response per round, consensus criteria and when they were locked, the
/// statistics of every item in every round (first and revised answers in blind rounds), the stopping
/// verdicts, limitations, and an annex with the arguments of the minority. Works without script.
/// </summary>
public sealed class ReportModel(StudyStore studies, ReportBuilder builder, IStringLocalizer<Texts> t, DelphiRounds.Vision.VisionStore visions,
    DelphiRounds.Agenda.AgendaService agendas, DelphiRounds.Agenda.ReflectionService reflections) : StudyPageModel(studies)
{
    /// <summary>After signing: the reflection rounds with their drift and the vision versions with what changed (null while there is no agenda).</summary>
    public DelphiRounds.Agenda.AfterSigning? AfterSigning { get; private set; }

    /// <summary>After signing: the agenda of the frozen vision (null while there is none).</summary>
    public DelphiRounds.Agenda.AgendaView? Agenda { get; private set; }

    /// <summary>The frozen vision, the study's conclusion (null while there is none).</summary>
    public DelphiRounds.Vision.VisionDocument? Vision { get; private set; }

    /// <summary>When the report was made (when its build finished).</summary>
    public DateTimeOffset Now { get; private set; }

    public StudyRecord Record { get; private set; } = null!;
    public StudyConvergenceView Convergence { get; private set; } = null!;

    /// <summary>The build being waited for, while the report is not ready (its progress is shown instead).</summary>
    public ReportBuild? Pending { get; private set; }

    /// <summary>
    /// The report. It is built in the background (<see cref="ReportBuilder"/>): when it is ready within
    /// <c>Reports:ShowProgressAfterMs</c> it is shown at once, otherwise the page moves to the build's own
    /// address (<c>?build=…</c>), which shows its progress until it is ready and then the report. A build that
    /// is unknown here (expired, made before a restart or by another instance, or in the other language) is made again.
    /// </summary>
    public async Task<IActionResult> OnGetAsync(long studyId, string? build)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        Response.Headers.CacheControl = "no-store";
        var found = builder.Find(build, studyId, FacilitatorId);
        if (found is null || found.English != English)
        {
            found = builder.Start(studyId, FacilitatorId, English);
            await builder.WaitAsync(found, builder.ShowProgressAfter, HttpContext.RequestAborted);
            if (!found.IsReady) return Redirect($"/f/studies/{studyId}/report?build={found.Id}");
        }
        if (!found.IsReady)
        {
            Pending = found;
            return Page();
        }
        Record = found.Record!;
        Convergence = found.Convergence!;
        Vision = await visions.DocumentAsync(studyId);
        Agenda = Vision is null ? null : await agendas.ViewAsync(studyId);
        AfterSigning = Agenda is null ? null : await DelphiRounds.Agenda.AfterSigning.OfAsync(studyId, reflections);
        Now = found.Finished!.Value;
        return Page();
    }

    /// <summary>
    /// The progress of a build, for js/report-progress.js (the page polls it until the report is ready). A build
    /// this instance does not know (expired, or made before a restart) is <c>gone</c>: the script then reloads
    /// the page, which makes it again.
    /// </summary>
    public async Task<IActionResult> OnGetProgressAsync(long studyId, string? build)
    {
        if (!await LoadStudyAsync(studyId)) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return builder.Find(build, studyId, FacilitatorId) is { } found
            ? Partial("_ReportProgress", found)
            : Content($"<section class=\"report-progress\" data-report-progress data-state=\"{ReportStages.Gone}\"></section>", "text/html; charset=utf-8");
    }

    public bool English => LanguageSetup.IsEnglish;

    /// <summary>Items with figures, in questionnaire order.</summary>
    public IEnumerable<Item> Statements => Record.Items.Where(i => i.Kind != ItemKinds.Text);

    /// <summary>Round-0 open questions.</summary>
    public IEnumerable<Item> OpenQuestions => Record.Items.Where(i => i.Kind == ItemKinds.Text);

    public int IdeaCount => Record.Ideas is { } r ? Record.Answers.Count(a => a.RoundId == r.Id && a.Revision == 1) : 0;

    public string GroupName(string slug) => Record.Groups.FirstOrDefault(g => g.Slug == slug)?.Name(English) ?? slug;

    /// <summary>A date in the reader's language.</summary>
    public string Date(DateTimeOffset? t) => t?.ToLocalTime().ToString("d MMMM yyyy", System.Globalization.CultureInfo.CurrentCulture) ?? "—";

    /// <summary>One side of an item's final round in the dissent annex: who answered from there and their arguments.</summary>
    public sealed record Side(string Label, int Answers, bool Minority, IReadOnlyList<Quote> Arguments);

    /// <summary>
    /// An argument as the annex quotes it: with the exact value and the group's name only where they single out
    /// at least k people (null where not shown).
    /// </summary>
    public sealed record Quote(ArgumentRecord Argument, double? Value, string? Group);

    /// <summary>An item in the dissent annex: its final round's camps and their arguments.</summary>
    public sealed record Dissent(Item Item, int Number, string Text, string? Verdict, int Round, IReadOnlyList<Side> Sides);

    /// <summary>
    /// The dissent annex: for every item, in the last round it was asked, the answers outside the majority
    /// position — outside the agreement band (rating), outside the middle half (numbers) — and their
    /// arguments. Where there was no consensus, the arguments of both sides are given. Groups are named only
    /// when they had at least 3 answers to the item in that round. An argument is quoted beside its side, and
    /// beside its exact value and group only where those, with the side, fit at least k people
    /// (<see cref="QuoteOf"/>, issue 15 item 5).
    /// </summary>
    public IReadOnlyList<Dissent> DissentAnnex()
    {
        var result = new List<Dissent>();
        foreach (var item in Statements)
        {
            var final = Record.Aggregates.LastOrDefault(a => a.Item.Id == item.Id && a.Basis == "current");
            if (final?.Analysis is not { } analysis || final.Input is not { } input) continue;
            var arguments = Record.Arguments.Where(a => a.ItemId == item.Id && a.Round == final.Round).ToList();
            var values = input.Responses.ToDictionary(r => r.Participant, r => r.Value);
            Func<double, bool> majority;
            string inside, outside;
            if (final.V2 is { Consensus.Direction: ConsensusDirection.Against, DisagreementBand: { } against })
            {
                // The panel rejects the statement: the majority is in the "no" band, the minority everyone outside it.
                majority = v => v >= against.Low && v <= against.High;
                inside = T("report.dissent.inAgainstBand", against.Low, against.High);
                outside = T("report.dissent.outAgainstBand", against.Low, against.High);
            }
            else if (analysis.AgreementBand is { } band)
            {
                majority = v => v >= band.Low && v <= band.High;
                inside = T("report.dissent.inBand", band.Low, band.High);
                outside = T("report.dissent.outBand", band.Low, band.High);
            }
            else if (analysis.Overall.Q1 is { } q1 && analysis.Overall.Q3 is { } q3)
            {
                majority = v => v >= q1 && v <= q3;
                inside = T("report.dissent.inMiddle", ConvergenceCharts.Show(q1), ConvergenceCharts.Show(q3));
                outside = T("report.dissent.outMiddle", ConvergenceCharts.Show(q1), ConvergenceCharts.Show(q3));
            }
            else continue;
            var inCount = values.Values.Count(majority);
            var outCount = values.Count - inCount;
            var consensus = Verdicts.IsConsensus(final.Verdict);
            var sides = new List<Side>();
            var insideArguments = arguments.Where(a => a.Value is { } v && majority(v))
                .Select(a => QuoteOf(a, input.Responses.Where(r => majority(r.Value)).Select(r => (r.Group, r.Value)).ToList())).ToList();
            var outsideArguments = arguments.Where(a => a.Value is { } v && !majority(v))
                .Select(a => QuoteOf(a, input.Responses.Where(r => !majority(r.Value)).Select(r => (r.Group, r.Value)).ToList())).ToList();
            // With consensus only the minority's view needs recording; without it both camps are the finding.
            if (!consensus && insideArguments.Count > 0) sides.Add(new Side(inside, inCount, inCount < outCount, insideArguments));
            if (outsideArguments.Count > 0) sides.Add(new Side(outside, outCount, outCount <= inCount, outsideArguments));
            if (sides.Count > 0) result.Add(new Dissent(item, Record.Number(item.Id), final.Asked.Text.For(English), final.Verdict, final.Round, sides));
        }
        return result;
    }

    /// <summary>
    /// How the annex quotes <paramref name="a"/>, given the answers on its side: the value and the group together
    /// where at least k answers on the side share both; else the value where at least k share it; else the group
    /// where at least k of it are on the side; else neither (the side alone).
    /// </summary>
    public Quote QuoteOf(ArgumentRecord a, IReadOnlyList<(string? Group, double Value)> side)
    {
        var k = Live.ReleaseThreshold.K;
        var groupNamed = GroupShown(a);
        var sameValue = side.Count(r => r.Value == a.Value);
        var sameGroup = side.Count(r => r.Group == a.Group);
        var both = side.Count(r => r.Value == a.Value && r.Group == a.Group);
        var group = GroupName(a.Group);
        if (groupNamed && both >= k) return new Quote(a, a.Value, group);
        if (sameValue >= k) return new Quote(a, a.Value, null);
        if (groupNamed && sameGroup >= k) return new Quote(a, null, group);
        return new Quote(a, null, null);
    }

    /// <summary>True when the group had at least 3 answers to the item in the round, so naming it reveals no one.</summary>
    public bool GroupShown(ArgumentRecord a) =>
        Record.Aggregates.FirstOrDefault(x => x.Item.Id == a.ItemId && x.Round == a.Round && x.Basis == "current")?.Analysis?.Groups
            .TryGetValue(a.Group, out var g) == true && g.N >= 3;

    /// <summary>One step of the flow of rounds: who was invited and answered, which items were asked, added, kept and retired.</summary>
    public sealed record FlowStep(Round Round, int Invited, int Answered, int Asked, int Added, int Kept, int Retired);

    /// <summary>The flow chart's figures (CREDES: flow chart of the rounds), from the same records as the rest of the report.</summary>
    public IReadOnlyList<FlowStep> Flow()
    {
        var steps = new List<FlowStep>();
        HashSet<long>? before = null;
        var numbered = Record.Rounds.Where(r => !r.IsIdeas).OrderBy(r => r.Number).ToList();
        foreach (var round in numbered)
        {
            var asked = Record.Asked[round.Id].Select(a => a.ItemId).ToHashSet();
            var response = Record.Response.FirstOrDefault(x => x.RoundId == round.Id);
            var retired = Record.Items.Count(i => i.RetiredAfterRound == round.Number && asked.Contains(i.Id));
            var next = numbered.FirstOrDefault(r => r.Number > round.Number);
            var kept = next is null ? asked.Count - retired : asked.Count(id => Record.Asked[next.Id].Any(a => a.ItemId == id));
            steps.Add(new FlowStep(round, response?.Invited ?? 0, response?.Answered ?? 0, asked.Count,
                before is null ? asked.Count : asked.Count(id => !before.Contains(id)), kept, retired));
            before = asked;
        }
        return steps;
    }

    /// <summary>Verdicts people should read with care: a consensus resting on one answer or one group, and results that depend on who left.</summary>
    public (int Fragile, int DependsOnDropouts) Warnings() =>
        (Convergence.Items.Count(v => v.Latest?.Fragility is not null), Convergence.Items.Count(v => v.Latest?.DependsOnDropouts == true));

    /// <summary>Facts the reader needs to judge the study's limits (CREDES: discussion of limitations).</summary>
    public IReadOnlyList<string> Limitations()
    {
        var facts = new List<string>();
        var numbered = Record.Response.Where(r => r.Kind == RoundKinds.Rating).ToList();
        if (numbered.Count > 0)
        {
            var lowest = numbered.MinBy(r => r.Rate)!;
            facts.Add(T("report.limit.response", lowest.Number, ConvergenceCharts.Percent(lowest.Rate), ConvergenceCharts.Percent(numbered.Average(r => r.Rate))));
            var groupLow = numbered.SelectMany(r => r.Groups.Select(g => (r.Number, g))).Where(x => x.g.Invited > 0).MinBy(x => x.g.Rate);
            if (groupLow.g is not null)
                facts.Add(T("report.limit.groupResponse", GroupName(groupLow.g.Slug), groupLow.Number, ConvergenceCharts.Percent(groupLow.g.Rate)));
        }
        if (Record.Changes.Count > 0) facts.Add(T("report.limit.reworded", Record.Changes.Select(c => c.ItemId).Distinct().Count()));
        var retired = Statements.Count(i => i.IsRetired);
        if (retired > 0) facts.Add(T("report.limit.retired", retired));
        var open = Statements.Count(i => Record.LastVerdict(i.Id)?.Verdict == Verdicts.Continue);
        if (open > 0) facts.Add(T("report.limit.noOutcome", open));
        if (Record.Numbered.Any(r => r.Mode == RoundModes.Live)) facts.Add(T("report.limit.live"));
        var (fragile, dropouts) = Warnings();
        if (fragile > 0) facts.Add(T("report.limit.fragile", fragile));
        if (dropouts > 0) facts.Add(T("report.limit.dropouts", dropouts));
        facts.Add(T("report.limit.smallGroups", Math.Max(3, Record.Study.Rules.MinGroupSize)));
        facts.Add(Record.Study.CriteriaLocked ? T("report.limit.locked") : T("report.limit.notLocked"));
        return facts;
    }

    private string T(string key, params object[] args) => t[key, args];
}

/// <summary>The model of <c>_ReportOrganisations</c>: the study (its unit of voice and whether its organisations are public), groups, organisations with their response, rounds.</summary>
public sealed record ReportOrganisationsView(
    Study Study, IReadOnlyList<StakeholderGroup> Groups, IReadOnlyList<DelphiRounds.Answers.OrganisationResponse> Organisations,
    IReadOnlyList<DelphiRounds.Answers.RoundResponse> Rounds, bool English);
