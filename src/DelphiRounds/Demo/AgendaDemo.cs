using System.Globalization;
using DelphiRounds.Agenda;
using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;

namespace DelphiRounds.Demo;

/// <summary>What the demo's agenda holds after its two years (for the printed links and the tests).</summary>
public sealed record AgendaDemoResult(long StudyId, IReadOnlyList<long> Indicators, IReadOnlyList<long> Commitments, IReadOnlyList<long> Experiments,
    DateOnly SignedOn);

/// <summary>
/// The demo after the signature (issue 21): two years of work on the signed vision, through the same services as the web
/// app (so every measurement, commitment and "done" is a ledger entry that verifies). Three indicators measured every
/// quarter — homes on the heat network on the straight path to the signed target, port heat delivered to the city behind
/// it, new homes on the network ahead of it —; six commitments by signing organisations (one done, one late, one due in
/// about ten days so the reminders have something to send); two experiments with dated notes of what they taught.
/// The clock walks through the two years: the demo's finished study is signed <see cref="YearsAfterSigning"/> years and
/// a few weeks before today (see <see cref="DemoSeeder"/>), and this step ends on today. Only with the
/// <c>delphi demo</c> command's <see cref="DemoClock"/>; without a clock to move there is nothing to seed.
/// </summary>
public sealed class AgendaDemo(AgendaService agenda, EndorsementStore endorsements, TimeProvider time)
{
    public const int YearsAfterSigning = 2;

    /// <summary>How long before today the finished study's vision is signed: two years and three weeks.</summary>
    public static readonly TimeSpan SignedBeforeToday = TimeSpan.FromDays(365 * YearsAfterSigning + 21);

    /// <summary>Indicator names, in the order of <see cref="AgendaDemoResult.Indicators"/> (on track, behind, ahead).</summary>
    public static readonly string[] IndicatorNames = ["Woningen op het warmtenet", "Restwarmte uit de haven naar de stad", "Nieuwbouwwoningen op het warmtenet"];

    /// <summary>
    /// The organisations that commit, with what, on which statements, due how many months after signing (none: ten days from
    /// today, so a reminder is due), and by whom.
    /// </summary>
    private static readonly (string Organisation, string Text, int[] Statements, int? DueMonths, string OwnerRole)[] Commitments =
    [
        ("Gemeente (demo)", "Een warmteplan per wijk voor de eerste tien wijken, met de volgorde waarin zij aansluiten.", [5], 12, "Programmamanager warmtetransitie"),
        ("Netbeheerder Stad (demo)", "Een capaciteitsplan voor het aansluiten van 20.000 woningen op het warmtenet.", [5], 18, "Manager netstrategie"),
        ("Provincie (demo)", "Elk jaar een vergelijking van de warmteprijs met aardgas voor huurders, openbaar.", [3], null, "Beleidsadviseur energie"),
        ("Havenbedrijf (demo)", "Tracé en vergunningaanvraag voor de transportleiding tussen haven en stad.", [2], 30, "Projectdirecteur transportleiding"),
        ("Warmtebedrijf Maas (demo)", "Een back-upcentrale die een derde van de vraag op de koudste dag kan leveren.", [4], 42, "Directeur productie"),
        ("Woonstichting Zuidoever (demo)", "1.500 bestaande huurwoningen aansluiten op het warmtenet.", [3, 5], 48, "Directeur vastgoed"),
    ];

    /// <summary>
    /// Walks the two years after the signature of the finished study's vision; null when the clock cannot be moved
    /// (a host without the demo clock) or the vision is not frozen.
    /// </summary>
    public async Task<AgendaDemoResult?> SeedAsync(ProcessDemoResult finished)
    {
        if (time is not DemoClock clock) return null;
        // The ledger's statements are in the language of whoever acts; the demo's organisations work in Dutch.
        var culture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("nl");
        try
        {
            return await WalkAsync(finished, clock);
        }
        finally
        {
            CultureInfo.CurrentUICulture = culture;
        }
    }

    private async Task<AgendaDemoResult?> WalkAsync(ProcessDemoResult finished, DemoClock clock)
    {
        var studyId = finished.StudyId;
        var view = await agenda.ViewAsync(studyId);
        if (view is null) return null;
        var signedAt = clock.GetUtcNow();
        var signedOn = DateOnly.FromDateTime(signedAt.UtcDateTime);
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        // Moves the clock to a day after signing (mid-morning), never back.
        void On(DateOnly day)
        {
            var moment = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 30)), TimeSpan.Zero);
            if (moment > clock.GetUtcNow()) clock.Travel(moment);
        }
        static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        // Indicators on the targets of the statement about the heat network (items 2: share of homes, %, and 3: port heat, PJ).
        On(signedOn.AddDays(3));
        var homes = view.Targets.First(t => t.ItemId == finished.Items[2]);
        var heat = view.Targets.First(t => t.ItemId == finished.Items[3]);
        var indicators = new List<(long Id, double Start, double Goal, double Pace)>();
        foreach (var (target, name, unit, source, start, pace) in new[]
                 {
                     (homes, IndicatorNames[0], "%", "CBS StatLine, woningen naar energievoorziening", 0.5, 1.0),
                     (heat, IndicatorNames[1], "PJ/jaar", "Havenbedrijf, jaarcijfers warmtelevering", 0.3, 0.55),
                     (homes, IndicatorNames[2], "%", "Gemeente, opleveringen nieuwbouw", 0.6, 1.5),
                 })
        {
            var (errors, indicator) = await agenda.AddIndicatorAsync(studyId, target.Statement, target.ItemId, name, unit, source, Directions.Higher);
            if (indicator is null) throw new InvalidOperationException($"Demo indicator refused: {string.Join("; ", errors!.Select(e => $"{e.Key}: {e.Value[0]}"))}");
            var goal = target.Median ?? throw new InvalidOperationException($"The demo target of item {target.ItemId} has no median.");
            indicators.Add((indicator.Id, Math.Round(goal * start, 1), goal, pace));
        }

        // Everything after signing, in the order it happened; the clock walks along.
        var events = new List<(DateOnly On, Func<Task> Act)>();
        var commitmentIds = new List<long>();
        var experimentIds = new List<long>();
        var signatories = await endorsements.ListAsync(studyId);
        for (var i = 0; i < Commitments.Length; i++)
        {
            var (organisation, text, statements, dueMonths, ownerRole) = Commitments[i];
            var signatory = signatories.FirstOrDefault(s => s.Organisation == organisation && s.Signed && s.WithdrawnAt is null)
                ?? throw new InvalidOperationException($"The demo organisation {organisation} did not sign.");
            var due = dueMonths is { } months ? signedOn.AddMonths(months) : today.AddDays(10);
            events.Add((signedOn.AddDays(5 + 4 * i), async () =>
            {
                var (problem, token) = await agenda.IssueCommitmentLinkAsync(studyId, signatory.Id);
                if (token is null) throw new InvalidOperationException($"Demo commitment link refused: {problem}");
                var (errors, outcome, commitment) = await agenda.CommitAsync(token, text, statements, Day(due), ownerRole);
                if (commitment is null) throw new InvalidOperationException($"Demo commitment refused: {outcome} {errors?.Keys.FirstOrDefault()}");
                commitmentIds.Add(commitment.Id);
            }));
        }
        // The municipality's district plans are done a month early.
        events.Add((signedOn.AddMonths(11), async () =>
        {
            var (errors, _, progress) = await agenda.MarkDoneAsync(studyId, commitmentIds[0], Day(signedOn.AddMonths(11)),
                "De warmteplannen voor de eerste tien wijken zijn door de gemeenteraad vastgesteld.");
            if (progress is null) throw new InvalidOperationException($"Demo 'done' refused: {errors?.Keys.FirstOrDefault()}");
        }));

        // A measurement every quarter, from two weeks after signing to two years after it.
        var quarters = Enumerable.Range(0, 4 * YearsAfterSigning + 1).Select(q => q == 0 ? signedOn.AddDays(14) : signedOn.AddMonths(3 * q)).ToList();
        var horizon = new DateOnly(view.Vision.HorizonYear ?? signedOn.Year + 6, 12, 31);
        for (var q = 0; q < quarters.Count; q++)
        {
            var measuredOn = quarters[q];
            var wobble = q is 0 || q == quarters.Count - 1 ? 0 : (q % 2 == 0 ? 0.01 : -0.01);
            events.Add((measuredOn.AddDays(2), async () =>
            {
                var lines = indicators.Select((ind, n) =>
                {
                    // Along the straight path from the first value to the signed median at the horizon, at the indicator's pace.
                    var share = (measuredOn.DayNumber - quarters[0].DayNumber) / (double)(horizon.DayNumber - quarters[0].DayNumber);
                    var value = ind.Start + (ind.Goal - ind.Start) * (share * ind.Pace + wobble);
                    var input = new MeasurementInput(ind.Id.ToString(CultureInfo.InvariantCulture), Day(measuredOn),
                        Math.Round(value, 2).ToString(CultureInfo.InvariantCulture), n == 1 ? "Havenbedrijf, kwartaalcijfers" : "CBS StatLine");
                    return ($"line {n + 2}", input);
                }).ToList();
                var (errors, _) = await agenda.AddMeasurementsAsync(studyId, lines, keyIsLine: true);
                if (errors is not null) throw new InvalidOperationException($"Demo measurements refused: {string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value[0]}"))}");
            }));
        }

        // Two front-runner experiments, with what they taught on the way.
        (string Organisation, string Title, string Tried, int[] Statements, int StartMonths, (int Months, string Text)[] Notes)[] experiments =
        [
            ("Woningcorporatie Noordrand (demo)", "Proefwijk Bloemhof: 200 huurwoningen op lage-temperatuurwarmte",
                "Bestaande huurwoningen zonder grote verbouwing aansluiten op warmte van 70 °C, met bewoners die meebeslissen over de planning.", [3, 5], 2,
                [(7, "Na de eerste winter: de woningen bleven warm genoeg, maar in 30 woningen waren extra radiatoren nodig."),
                 (14, "Bewoners die zelf de planning mochten kiezen, stemden vaker in (82% tegen 61%)."),
                 (21, "De kosten per woning vielen 12% lager uit dan begroot; de aanpak gaat naar drie nieuwe wijken.")]),
            ("Raffinaderij West (demo)", "Warmtebuffer bij de Botlek voor koude dagen",
                "Een buffer van 5.000 m³ die restwarmte opslaat, zodat de stad warmte houdt als de raffinaderij onderhoud heeft.", [4], 5,
                [(9, "De buffer hield de levering 36 uur op peil tijdens gepland onderhoud."),
                 (20, "Voor een storing van meer dan twee dagen is de buffer te klein; een tweede bron blijft nodig.")]),
        ];
        for (var x = 0; x < experiments.Length; x++)
        {
            var e = experiments[x];
            var slot = x;
            events.Add((signedOn.AddMonths(e.StartMonths), async () =>
            {
                var (errors, _, experiment) = await agenda.AddExperimentAsync(studyId, e.Organisation, e.Title, e.Tried, e.Statements,
                    Day(signedOn.AddMonths(e.StartMonths)));
                if (experiment is null) throw new InvalidOperationException($"Demo experiment refused: {errors?.Keys.FirstOrDefault()}");
                experimentIds.Add(experiment.Id);
            }));
            foreach (var (months, note) in e.Notes)
                events.Add((signedOn.AddMonths(months), async () =>
                {
                    var (errors, _, added) = await agenda.AddExperimentNoteAsync(studyId, experimentIds[slot], Day(signedOn.AddMonths(months)), note);
                    if (added is null) throw new InvalidOperationException($"Demo experiment note refused: {errors?.Keys.FirstOrDefault()}");
                }));
        }

        foreach (var (on, act) in events.Select((e, i) => (e, i)).OrderBy(x => x.e.On).ThenBy(x => x.i).Select(x => x.e))
        {
            if (on > today) continue; // nothing happens after today
            On(on);
            await act();
        }
        return new AgendaDemoResult(studyId, indicators.Select(i => i.Id).ToList(), commitmentIds, experimentIds, signedOn);
    }
}
