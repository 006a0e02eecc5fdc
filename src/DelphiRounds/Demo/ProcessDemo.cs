using Bogus;
using DelphiRounds.Answers;
using DelphiRounds.Convergence;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Outbox;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using static DelphiRounds.Demo.ProcessScenario;

namespace DelphiRounds.Demo;

/// <summary>What the simulated study consists of, for the command's output and the tests.</summary>
/// <param name="StudyId">The finished study.</param>
/// <param name="Items">Item id by the number of the demo README (1–11).</param>
/// <param name="IdeasRoundId">Round 0.</param>
/// <param name="RoundIds">The numbered rounds, in order.</param>
/// <param name="Invitations">Invitations queued (and written to the pickup folder).</param>
/// <param name="Reminders">Reminders queued.</param>
public sealed record ProcessDemoResult(
    long StudyId, IReadOnlyDictionary<int, long> Items, long IdeasRoundId, IReadOnlyList<long> RoundIds, int Invitations, int Reminders);

/// <summary>
/// Simulates a whole Delphi study with Bogus through the real services: round 0 collects ideas on the
/// open question, the facilitator merges them into items, then numbered rounds are opened (invitations
/// go out), answered in two waves with reminders between them, and closed (snapshots and stopping
/// verdicts). Between rounds one statement is reworded with a reason and an item that reached consensus
/// is retired. Answers follow classic Delphi feedback: on converging items participants move toward the
/// panel's median and settle; on the dissent items housing corporations and energy producers stay where
/// they are; numeric estimates move halfway to the median each round, so their quartiles narrow.
/// With three or more rounds the outcome is fixed by construction, whatever the seed: consensus on
/// items 1, 4, 6 and 8, stable dissent on 5 and 7.
/// </summary>
public sealed class ProcessDemo(
    StudyStore studies, ParticipantStore participants, ItemService itemService, ItemStore itemStore, RoundService roundService,
    AnswerService answerService, ConvergenceStore snapshots, OutboxService outbox, OutboxStore outboxStore, OutboxSender sender,
    PickupDelivery pickup, TimeProvider time, Organisations.OrganisationStore organisations)
{
    public const int DefaultRounds = 3;

    private sealed class Member(Panel.Participant participant, string slug, bool english)
    {
        public Panel.Participant Participant { get; } = participant;
        public string Slug { get; } = slug;
        public bool English { get; } = english;
        /// <summary>Where the member ends up (converging and dissent items).</summary>
        public Dictionary<int, double> Final { get; } = [];
        /// <summary>The member's view before any feedback (their round-1 answer, also when they skipped round 1).</summary>
        public Dictionary<int, double> Opinion { get; } = [];
        /// <summary>The member's last answer per item.</summary>
        public Dictionary<int, double> Last { get; } = [];
        public Dictionary<int, double> Width { get; } = [];
        public List<string> Ranking { get; set; } = [];
        public bool HasRanked { get; set; }
        /// <summary>Items on which the member is the last to settle (one round later than the others).</summary>
        public HashSet<int> Lags { get; } = [];
        /// <summary>Dissent items on which the member's answer shifts by one point late in the study.</summary>
        public HashSet<int> Wobbles { get; } = [];
    }

    private readonly List<Member> _panel = [];
    private readonly SemaphoreSlim _running = new(1, 1);
    private Faker _faker = null!;

    /// <summary>Runs the simulation for <paramref name="roundCount"/> numbered rounds; <paramref name="progress"/> gets a line per step.</summary>
    public async Task<ProcessDemoResult> RunAsync(long facilitatorId, int roundCount, int seed, Action<string>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(roundCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(roundCount, 10);
        progress ??= _ => { };
        await _running.WaitAsync(); // one simulation at a time: the panel below is the run's state
        var clock = time as DemoClock;
        var offset = clock?.Offset ?? TimeSpan.Zero;
        try
        {
            _faker = new Faker("nl") { Random = new Randomizer(seed) };
            _panel.Clear();
            // The study took place over the past weeks: two weeks per round, round 0 first.
            clock?.Travel(time.GetUtcNow() - TimeSpan.FromDays(16 * roundCount + 14));
            return await SimulateAsync(facilitatorId, roundCount, progress, clock);
        }
        finally
        {
            // Back to where the clock stood: today, or the day the demo's agenda starts from (DemoSeeder).
            if (clock is not null) clock.Offset = offset;
            _running.Release();
        }
    }

    private async Task<ProcessDemoResult> SimulateAsync(long facilitatorId, int roundCount, Action<string> progress, DemoClock? clock)
    {
        void Pass(TimeSpan by) => clock?.Advance(by);
        var study = await studies.CreateAsync(facilitatorId, ProcessScenario.Title, ProcessScenario.Question, ProcessScenario.Organiser,
            DemoScenario.HorizonYear, DemoScenario.Groups.Select(g => (g.Slug, g.Nl, g.En)), ConsensusRules.Default with { MaxRounds = roundCount });
        var groups = (await studies.GroupsAsync(study.Id)).ToDictionary(g => g.Slug);
        foreach (var g in DemoScenario.Groups)
        {
            for (var i = 0; i < g.Size; i++)
            {
                var first = _faker.Name.FirstName();
                var last = _faker.Name.LastName();
                // A few members of the port industry read English.
                var english = g.Slug == "port-industry" && i < 2;
                var email = $"{Slug.From(first)}.{Slug.From(last)}.{_panel.Count + 1}@example.org";
                var invitation = await participants.AddAsync(study.Id, groups[g.Slug].Id, $"{first} {last}", email, english ? "en" : null);
                _panel.Add(new Member(invitation.Participant, g.Slug, english));
            }
        }
        await DemoOrganisations.AddAsync(organisations, study.Id, groups.ToDictionary(g => g.Key, g => g.Value.Id), _panel.Select(m => (m.Participant.Id, m.Slug)));
        progress($"  Study {study.Id} \"{study.Title}\": {_panel.Count} participants in {groups.Count} stakeholder groups");

        // Who answers which round: round 0 about 80%; rounds 1 and 2 one member of every group skips
        // (round 2 a different one, so round 1's skippers come back); later rounds every other group one.
        var respondents = new List<HashSet<long>> { _panel.Where(_ => _faker.Random.Bool(0.8f)).Select(m => m.Participant.Id).ToHashSet() };
        for (var r = 1; r <= roundCount; r++)
        {
            var set = new HashSet<long>();
            foreach (var (group, index) in DemoScenario.Groups.Select((g, i) => (g.Slug, i)))
            {
                var members = _panel.Where(m => m.Slug == group).ToList();
                var candidates = r == 1 ? members : members.Where(m => respondents[r - 1].Contains(m.Participant.Id)).ToList();
                var skips = r <= 2 || index % 2 == 0 ? 1 : 0;
                var skippers = skips == 0 ? [] : _faker.PickRandom(candidates, skips).Select(m => m.Participant.Id).ToHashSet();
                foreach (var m in members.Where(m => !skippers.Contains(m.Participant.Id))) set.Add(m.Participant.Id);
            }
            respondents.Add(set);
        }

        // Round 0: the open question, answered with ideas.
        var question = await itemService.AddAsync(study, Request(Questionnaire.Single(i => i.Behaviour == Behaviour.Ideas)));
        var itemIds = new Dictionary<int, long> { [11] = question.Item!.Id };
        var ideasRound = await OpenAsync(study, RoundKinds.Ideas, RoundModes.Classic, 0);
        Pass(TimeSpan.FromDays(1));
        var ideas = new List<(long AnswerId, string Tag)>();
        foreach (var m in _panel.Where(m => respondents[0].Contains(m.Participant.Id)))
        {
            var (tag, text) = _faker.PickRandom(ProcessScenario.Ideas);
            var answer = await SubmitAsync(study, m, ideasRound.Id, new AnswerRequest { ItemId = itemIds[11], Text = text.For(m.English) });
            ideas.Add((answer.Id, tag));
            Pass(TimeSpan.FromMinutes(_faker.Random.Int(20, 400)));
        }
        await RemindAsync(study, ideasRound, progress);
        Pass(TimeSpan.FromDays(2));
        await roundService.CloseAsync(ideasRound.Id);
        Pass(TimeSpan.FromDays(1));

        // The facilitator merges the ideas into the items of round 1.
        foreach (var item in Questionnaire.Where(i => i.Behaviour != Behaviour.Ideas).OrderBy(i => i.Number))
        {
            var sources = item.FromIdeas is null ? [] : ideas.Where(x => x.Tag == item.FromIdeas).Select(x => x.AnswerId).ToList();
            var added = await itemService.AddAsync(study, Request(item) with { SourceAnswerIds = sources });
            itemIds[item.Number] = added.Item!.Id;
        }
        progress($"  Round 0 (ideas): {ideas.Count} ideas, merged into {Questionnaire.Count(i => i.FromIdeas is not null)} of the {itemIds.Count - 1} items");
        Prepare(roundCount, respondents);

        var roundIds = new List<long>();
        var medians = new Dictionary<int, double>();
        var panelOrder = FinanceOptions.Select(o => o.Key).ToList();
        for (var r = 1; r <= roundCount; r++)
        {
            Pass(TimeSpan.FromDays(2));
            var mode = r == 1 ? RoundModes.Classic : r == 3 ? RoundModes.Blind : RoundModes.Live;
            var round = await OpenAsync(study, RoundKinds.Rating, mode, r);
            roundIds.Add(round.Id);
            var asked = (await itemStore.ListAsync(study.Id)).Where(i => !i.IsRetired && i.Kind != ItemKinds.Text).Select(i => i.Id).ToHashSet();
            var items = Questionnaire.Where(i => i.Behaviour != Behaviour.Ideas && asked.Contains(itemIds[i.Number])).ToList();
            var answering = _panel.Where(m => respondents[r].Contains(m.Participant.Id)).ToList();
            var firstWave = _faker.Random.Shuffle(answering).Take((int)Math.Round(answering.Count * 0.7)).ToHashSet();
            var given = new Dictionary<int, List<double>>();
            var rankings = new List<List<string>>();
            var answersGiven = 0;

            foreach (var wave in new[] { answering.Where(firstWave.Contains).ToList(), answering.Where(m => !firstWave.Contains(m)).ToList() })
            {
                Pass(TimeSpan.FromDays(1));
                var revisions = new List<(Member Member, ScenarioItem Item, AnswerRequest Request)>();
                foreach (var m in wave)
                {
                    foreach (var item in items)
                    {
                        var (first, final) = Answer(m, item, r, roundCount, mode == RoundModes.Blind, medians, panelOrder);
                        await SubmitAsync(study, m, round.Id, first with { ItemId = itemIds[item.Number], Rationale = Rationale(m, item, first, r, roundCount) });
                        answersGiven++;
                        if (final is not null) revisions.Add((m, item, final with { ItemId = itemIds[item.Number] }));
                        Remember(m, item, final ?? first, given, rankings);
                        Pass(TimeSpan.FromSeconds(_faker.Random.Int(30, 150)));
                    }
                    Pass(TimeSpan.FromMinutes(_faker.Random.Int(15, 300)));
                }
                // Blind, then reveal: having seen the panel's answer, some revise.
                foreach (var (m, item, request) in revisions)
                {
                    await SubmitAsync(study, m, round.Id, request);
                    answersGiven++;
                    Pass(TimeSpan.FromMinutes(_faker.Random.Int(2, 30)));
                }
                if (wave.Count > 0 && firstWave.Contains(wave[0]))
                {
                    Pass(TimeSpan.FromDays(4));
                    await RemindAsync(study, round, progress);
                }
            }
            Pass(TimeSpan.FromDays(3));
            await roundService.CloseAsync(round.Id);
            foreach (var (number, values) in given) medians[number] = Median(values);
            if (rankings.Count > 0) panelOrder = MeanRankOrder(rankings);

            var verdicts = (await snapshots.ForRoundAsync(round.Id)).GroupBy(s => s.Verdict).ToDictionary(g => g.Key, g => g.Count());
            progress($"  Round {r} ({mode}): {answering.Count} of {_panel.Count} answered ({answersGiven} answers); verdicts: " +
                     $"{verdicts.GetValueOrDefault(Verdicts.ConsensusFor)} consensus for, {verdicts.GetValueOrDefault(Verdicts.ConsensusAgainst)} consensus against, " +
                     $"{verdicts.GetValueOrDefault(Verdicts.StableDissent)} stable dissent, " +
                     $"{verdicts.GetValueOrDefault(Verdicts.Continue)} continue");

            if (r == 1 && roundCount > 1)
            {
                var (text, reason) = Reword10;
                await itemService.RewordAsync(study, itemIds[10], text, reason);
                progress("  Item 10 reworded after round 1: " + reason.En);
            }
            if (r == 2 && roundCount > 2)
            {
                var retired = await itemService.RetireAsync(study, itemIds[8]);
                progress(retired.Item is not null
                    ? "  Item 8 reached consensus in round 2 and is retired: round 3 no longer asks it"
                    : "  Item 8 could not be retired: " + retired.Message);
            }
        }

        var messages = await outboxStore.ListAsync(study.Id);
        return new ProcessDemoResult(study.Id, itemIds, ideasRound.Id, roundIds,
            messages.Count(m => m.Purpose == OutboxPurposes.Invitation), messages.Count(m => m.Purpose == OutboxPurposes.Reminder));
    }

    private async Task<Round> OpenAsync(Study study, string kind, string mode, int number)
    {
        var prepared = await roundService.PrepareAsync(study, kind, mode, time.GetUtcNow() + TimeSpan.FromDays(14));
        var round = prepared.Round ?? throw new InvalidOperationException($"demo: round {number} cannot be prepared: {prepared.Message}");
        var opened = await roundService.OpenAsync(round.Id);
        if (opened != RoundChange.Done) throw new InvalidOperationException($"demo: round {number} cannot be opened: {opened}");
        // Demo e-mail goes to the pickup folder, whatever the settings say.
        await sender.SendPendingAsync(study.Id, pickup);
        return round with { State = RoundStates.Open };
    }

    /// <summary>Reminds the groups where more than a quarter has not answered yet (at least the one lagging most).</summary>
    private async Task RemindAsync(Study study, Round round, Action<string> progress)
    {
        var (_, nonResponse) = await outbox.NonResponseAsync(study.Id);
        var sizes = _panel.GroupBy(m => m.Slug).ToDictionary(g => g.Key, g => g.Count());
        var lagging = nonResponse.Where(g => g.NotAnswered > 0 && g.NotAnswered > 0.25 * sizes[g.Slug]).Select(g => g.Slug).ToList();
        if (lagging.Count == 0 && nonResponse.Where(g => g.NotAnswered > 0).MaxBy(g => g.NotAnswered) is { } most) lagging.Add(most.Slug);
        if (lagging.Count == 0) return;
        var queued = await outbox.RemindAsync(study.Id, lagging);
        await sender.SendPendingAsync(study.Id, pickup);
        progress($"  Round {round.Number}: {queued?.Queued ?? 0} reminders to {string.Join(", ", lagging)}");
    }

    private async Task<Answer> SubmitAsync(Study study, Member m, long roundId, AnswerRequest request)
    {
        // The demo's members publish their rationales as written; one that names its author is flagged for the facilitator.
        var result = await answerService.SubmitAsync(new Answerer(m.Participant.Id, study.Id, m.Participant.GroupId), roundId, request with { PublishAnyway = true });
        return result.Answer ?? throw new InvalidOperationException($"demo: answer refused: {result.Field}: {result.Message}");
    }

    private static AddItemRequest Request(ScenarioItem item) => new()
    {
        Kind = item.Kind,
        Text = new TextRequest { Nl = item.Text.Nl, En = item.Text.En },
        Scale = item.Kind == ItemKinds.Rating ? new ScaleRequest { Min = 1, Max = 7 } : null,
        Labels = item.Kind == ItemKinds.Rating
            ? DemoScenario.SevenPointLabels.ToDictionary(l => l.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), l => new TextRequest { Nl = l.Value.Nl, En = l.Value.En })
            : null,
        Unit = item.Unit,
        RangeMin = item.RangeMin,
        RangeMax = item.RangeMax,
        ThreePoint = item.ThreePoint,
        Options = item.Kind == ItemKinds.Ranking ? FinanceOptions.Select(o => new OptionRequest { Key = o.Key, Nl = o.Nl, En = o.En }).ToList() : null,
    };

    /// <summary>Everyone's opinions before round 1, where they end up, and who lags or wobbles — fixed before the rounds start.</summary>
    private void Prepare(int roundCount, List<HashSet<long>> respondents)
    {
        var slugs = DemoScenario.Groups.Select(g => g.Slug).ToList();
        // Members who answer every numbered round: only they can lag or wobble (their moves are what stability counts).
        var always = _panel.Where(m => Enumerable.Range(1, roundCount).All(r => respondents[r].Contains(m.Participant.Id))).ToList();
        foreach (var item in Questionnaire)
        {
            switch (item.Behaviour)
            {
                case Behaviour.Converges or Behaviour.ConvergesEarly when item.Kind == ItemKinds.Rating:
                {
                    // Most settle on 6 or 7; in a few groups one member stays at 5 (the minority, with arguments).
                    var minorityGroups = _faker.PickRandom(slugs, item.Behaviour == Behaviour.ConvergesEarly ? 1 : 2).ToHashSet();
                    foreach (var slug in slugs)
                    {
                        var members = _faker.Random.Shuffle(_panel.Where(m => m.Slug == slug)).ToList();
                        for (var i = 0; i < members.Count; i++)
                            members[i].Final[item.Number] = i == 0 && minorityGroups.Contains(slug) ? 5 : _faker.Random.Bool(0.4f) ? 7 : 6;
                    }
                    var deviators = item.Behaviour == Behaviour.ConvergesEarly
                        ? slugs.Take(3).Select(slug => _faker.PickRandom(_panel.Where(m => m.Slug == slug && m.Final[item.Number] >= 6))).ToHashSet()
                        : null;
                    foreach (var m in _panel)
                    {
                        var offset = deviators is null ? _faker.Random.WeightedRandom([-3, -2, -1, 0, 1], [0.1f, 0.25f, 0.3f, 0.3f, 0.05f])
                            : deviators.Contains(m) ? -2 : 0;
                        m.Opinion[item.Number] = Math.Clamp(m.Final[item.Number] + offset, 1, 7);
                    }
                    break;
                }
                case Behaviour.ConvergesAgainst:
                {
                    // Nearly everyone ends at 1 or 2; in two groups one member stays at 3 (the minority, with arguments).
                    var minorityGroups = _faker.PickRandom(slugs, 2).ToHashSet();
                    foreach (var slug in slugs)
                    {
                        var members = _faker.Random.Shuffle(_panel.Where(m => m.Slug == slug)).ToList();
                        for (var i = 0; i < members.Count; i++)
                            members[i].Final[item.Number] = i == 0 && minorityGroups.Contains(slug) ? 3 : _faker.Random.Bool(0.5f) ? 1 : 2;
                    }
                    foreach (var m in _panel)
                        m.Opinion[item.Number] = Math.Clamp(m.Final[item.Number] + _faker.Random.WeightedRandom([0, 1, 2, 3], [0.3f, 0.3f, 0.25f, 0.15f]), 1, 7);
                    break;
                }
                case Behaviour.Converges:
                {
                    // The year: nearly everyone settles on 2030, in some groups one member on 2029 or 2031.
                    foreach (var slug in slugs)
                    {
                        var members = _faker.Random.Shuffle(_panel.Where(m => m.Slug == slug)).ToList();
                        for (var i = 0; i < members.Count; i++)
                            members[i].Final[item.Number] = i == 0 && _faker.Random.Bool(0.7f) ? 2031 : i == 1 && _faker.Random.Bool(0.4f) ? 2029 : 2030;
                    }
                    foreach (var m in _panel)
                        m.Opinion[item.Number] = Math.Clamp(m.Final[item.Number] + _faker.Random.WeightedRandom([-2, -1, 0, 1, 2, 3, 5], [0.1f, 0.15f, 0.25f, 0.2f, 0.15f, 0.1f, 0.05f]),
                            item.RangeMin!.Value, item.RangeMax!.Value);
                    break;
                }
                case Behaviour.StableDissent:
                    // One group agrees strongly, the other disagrees strongly; the rest sit in between and never reach the agreement band.
                    foreach (var m in _panel)
                    {
                        var final = item.Tendency.TryGetValue(m.Slug, out var t)
                            ? t.Centre > 4 ? Math.Clamp(Math.Round(t.Centre + t.Spread * Gaussian()), 6, 7) : Math.Clamp(Math.Round(t.Centre + t.Spread * Gaussian()), 1, 2)
                            : _faker.Random.Int(3, 5);
                        m.Final[item.Number] = final;
                        var between = !item.Tendency.ContainsKey(m.Slug);
                        m.Opinion[item.Number] = between && _faker.Random.Bool(0.3f) ? Math.Clamp(final + _faker.PickRandom(-1, 1), 2, 5) : final;
                    }
                    foreach (var m in _faker.PickRandom(always.Where(m => !item.Tendency.ContainsKey(m.Slug)), Math.Min(2, always.Count(m => !item.Tendency.ContainsKey(m.Slug)))))
                        m.Wobbles.Add(item.Number);
                    break;
                case Behaviour.Narrows:
                    foreach (var m in _panel)
                    {
                        var (centre, spread) = item.Tendency.TryGetValue(m.Slug, out var tendency) ? tendency : (4.6, 1.4);
                        m.Opinion[item.Number] = Round(item, centre + spread * Gaussian());
                        if (item.ThreePoint) m.Width[item.Number] = Math.Max(3, Math.Round(spread * _faker.Random.Double(0.8, 1.6)));
                    }
                    break;
                case Behaviour.RankingAgrees:
                    foreach (var m in _panel)
                    {
                        var order = FinanceOptions.Select(o => o.Key).ToList();
                        // Each group puts itself further down the list of who pays.
                        var own = m.Slug switch { "energy-producers" => "energiebedrijven", "grid-operators" => "netbeheerder", "government" => "gemeente", _ => null };
                        if (own is not null) { order.Remove(own); order.Add(own); }
                        for (var s = 0; s < 3; s++)
                        {
                            var i = _faker.Random.Int(0, order.Count - 2);
                            (order[i], order[i + 1]) = (order[i + 1], order[i]);
                        }
                        m.Ranking = order;
                    }
                    break;
            }
            if (item.Behaviour is Behaviour.Converges or Behaviour.ConvergesAgainst)
            {
                // Three members settle one round after the others (never the minority).
                var minority = item.Behaviour == Behaviour.ConvergesAgainst ? 3 : 5;
                var candidates = always.Where(m => m.Final[item.Number] != m.Opinion[item.Number] && m.Final[item.Number] != minority).ToList();
                foreach (var m in _faker.PickRandom(candidates, Math.Min(3, candidates.Count)))
                    m.Lags.Add(item.Number);
            }
        }
    }

    /// <summary>
    /// A member's answer to an item in round <paramref name="r"/>: the first answer and, in a blind round,
    /// the revision made after seeing the panel (null when they keep their first answer).
    /// </summary>
    private (AnswerRequest First, AnswerRequest? Final) Answer(Member m, ScenarioItem item, int r, int roundCount, bool blind,
        IReadOnlyDictionary<int, double> medians, List<string> panelOrder)
    {
        var n = item.Number;
        if (item.Behaviour == Behaviour.RankingAgrees)
        {
            var before = m.Ranking;
            var after = r == 1 ? before : Closer(before, panelOrder);
            return blind && !after.SequenceEqual(before) ? (Ranks(before), Ranks(after)) : (Ranks(after), null);
        }
        var previous = m.Last.TryGetValue(n, out var last) ? last : m.Opinion[n];
        var median = medians.GetValueOrDefault(n, previous);
        double value;
        double? blindFirst = null;
        switch (item.Behaviour)
        {
            case Behaviour.Converges or Behaviour.ConvergesAgainst:
            {
                var settle = Math.Max(2, roundCount);
                value = r == 1 ? m.Opinion[n]
                    : r >= settle ? m.Final[n]
                    : r == settle - 1 && !m.Lags.Contains(n) ? m.Final[n]
                    : Toward(previous, median, item);
                if (blind && r > 1 && value != previous) blindFirst = previous;
                break;
            }
            case Behaviour.ConvergesEarly:
                value = r == 1 ? m.Opinion[n] : m.Final[n];
                break;
            case Behaviour.StableDissent:
                value = r == 1 ? m.Opinion[n] : r >= 3 && m.Wobbles.Contains(n) ? Math.Clamp(m.Final[n] + (m.Final[n] >= 5 ? -1 : 1), 2, 5) : m.Final[n];
                break;
            default: // Narrows: halfway to the median each round (a rating at least one point, so it never sticks).
                value = r == 1 ? m.Opinion[n] : item.Kind == ItemKinds.Rating ? Toward(previous, median, item) : Round(item, previous + 0.5 * (median - previous));
                if (blind && r > 1 && value != previous) blindFirst = Round(item, previous + 0.25 * (median - previous));
                break;
        }
        var request = Numbers(m, item, value, r);
        if (blindFirst is { } first && first != value) return (Numbers(m, item, first, r), request);
        return (request, null);
    }

    private AnswerRequest Numbers(Member m, ScenarioItem item, double value, int r)
    {
        if (!item.ThreePoint) return new AnswerRequest { Value = value };
        var width = m.Width[item.Number] * Math.Pow(0.7, r - 1);
        return new AnswerRequest
        {
            Value = value,
            Low = Math.Max(item.RangeMin!.Value, Math.Round(value - width)),
            High = Math.Min(item.RangeMax!.Value, Math.Round(value + width)),
        };
    }

    private static AnswerRequest Ranks(List<string> order) =>
        new() { Ranks = order.Select((key, i) => (key, rank: (double)(i + 1))).ToDictionary(x => x.key, x => x.rank) };

    private static void Remember(Member m, ScenarioItem item, AnswerRequest answer, Dictionary<int, List<double>> given, List<List<string>> rankings)
    {
        if (answer.Ranks is { } ranks)
        {
            m.Ranking = ranks.OrderBy(x => x.Value).Select(x => x.Key).ToList();
            rankings.Add(m.Ranking);
            return;
        }
        m.Last[item.Number] = answer.Value!.Value;
        if (!given.TryGetValue(item.Number, out var list)) given[item.Number] = list = [];
        list.Add(answer.Value.Value);
    }

    /// <summary>Half a step toward the median, at least one unit, never past it.</summary>
    private static double Toward(double from, double median, ScenarioItem item)
    {
        var step = 0.5 * (median - from);
        if (step == 0) return from;
        var rounded = Math.Sign(step) * Math.Max(1, Math.Round(Math.Abs(step)));
        return Math.Abs(rounded) > Math.Abs(median - from) ? Round(item, median) : from + rounded;
    }

    private static double Round(ScenarioItem item, double v) => item.Kind switch
    {
        ItemKinds.Rating => Math.Clamp(Math.Round(v), 1, 7),
        ItemKinds.Numeric when item.Unit == "%" => Math.Clamp(Math.Round(v), item.RangeMin!.Value, item.RangeMax!.Value),
        _ => Math.Clamp(Math.Round(v, 1), item.RangeMin ?? double.MinValue, item.RangeMax ?? double.MaxValue),
    };

    /// <summary>One or two adjacent swaps that bring a ranking closer to the panel's order.</summary>
    private List<string> Closer(List<string> order, List<string> panel)
    {
        var result = order.ToList();
        var steps = _faker.Random.Int(1, 2);
        for (var s = 0; s < steps; s++)
        {
            var i = Enumerable.Range(0, result.Count - 1).FirstOrDefault(i => panel.IndexOf(result[i]) > panel.IndexOf(result[i + 1]), -1);
            if (i < 0) break;
            (result[i], result[i + 1]) = (result[i + 1], result[i]);
        }
        return result;
    }

    private static List<string> MeanRankOrder(List<List<string>> rankings) =>
        FinanceOptions.Select(o => o.Key).OrderBy(k => rankings.Average(r => r.IndexOf(k))).ToList();

    private string? Rationale(Member m, ScenarioItem item, AnswerRequest answer, int r, int roundCount)
    {
        var minority = item.Kind == ItemKinds.Rating
                       && ((m.Final.GetValueOrDefault(item.Number) == 5 && item.Behaviour is Behaviour.Converges or Behaviour.ConvergesEarly)
                           || (m.Final.GetValueOrDefault(item.Number) == 3 && item.Behaviour == Behaviour.ConvergesAgainst));
        // The minority explains itself in the last round, so the report's dissent annex has their arguments.
        if (!(minority && r == roundCount) && !_faker.Random.Bool(r == 1 ? 0.35f : 0.2f)) return null;
        var against = answer.Value is { } v && item.Kind == ItemKinds.Rating ? v <= 5 : _faker.Random.Bool();
        if (item.Behaviour == Behaviour.StableDissent && item.Tendency.TryGetValue(m.Slug, out var t)) against = t.Centre < 4;
        var pool = against ? item.ArgumentsAgainst : item.ArgumentsFor;
        return pool.Count == 0 ? null : pool[_faker.Random.Int(0, pool.Count - 1)].For(m.English);
    }

    private double Gaussian()
    {
        // Box–Muller on the seeded generator, so the demo is the same on every machine.
        var u1 = 1.0 - _faker.Random.Double();
        var u2 = _faker.Random.Double();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
