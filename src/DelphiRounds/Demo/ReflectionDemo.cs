using System.Globalization;
using DelphiRounds.Agenda;
using DelphiRounds.Answers;
using DelphiRounds.Endorsement;
using DelphiRounds.Items;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using DelphiRounds.Vision;

namespace DelphiRounds.Demo;

/// <summary>
/// After the signed vision of the demo's finished study (issue 21): a reflection round — the same items again, the locked rules
/// unchanged — in which the panel expects the port–city pipeline (the year item) later than it signed for; that drift leads to vision 2,
/// drafted, frozen and signed by twelve of the fourteen organisations that still endorse vision 1, chained to vision 1 in the same ledger. Runs after <see cref="VisionDemo"/>
/// (and after the agenda's demo data, when there is any), through the same services as the web app.
/// </summary>
public sealed class ReflectionDemo(StudyStore studies, ParticipantStore participants, ItemStore items, RoundService rounds, RoundStore roundStore,
    AnswerService answers, AnswerStore answerStore,
    VisionStore visions, VisionService vision, ReflectionService reflections, EndorsementStore endorsement, EndorsementService endorsements,
    Organisations.OrganisationStore organisations)
{
    /// <summary>
    /// The share of the drifting item's range by which the panel's view of it moves (a year item first: the agenda's demo
    /// indicators follow the numeric targets, and moving those would change whether they are on track).
    /// </summary>
    public const double DriftShare = 0.15;

    /// <summary>Organisations that signed vision 1 and have not signed vision 2 yet.</summary>
    public const int NotYetOnVision2 = 2;

    /// <summary>Runs the reflection round and signs vision 2; returns the drifting item's id (null when the vision has no year or numeric target).</summary>
    public async Task<long?> SeedAsync(long studyId, int seed)
    {
        var culture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("nl");
        try
        {
            var study = (await studies.FindAsync(studyId))!;
            var started = await reflections.StartAsync(study, new ReflectionRoundRequest { Mode = RoundModes.Classic });
            if (started.Started is not { } round) throw new InvalidOperationException($"demo: reflection round refused: {started.Field}: {started.Message}");
            var document = (await visions.DocumentAsync(studyId))!;
            var signed = FrozenVision.Parse(document.CanonicalJson, document.DocumentHash);
            var all = (await items.ListAsync(studyId)).ToDictionary(i => i.Id);
            var targets = signed.Statements.SelectMany(s => s.Items)
                .Where(i => i.Median is not null && !VisionService.WithoutConsensus(i) && all.ContainsKey(i.ItemId)).ToList();
            var drifting = (targets.FirstOrDefault(i => all[i.ItemId].Kind == ItemKinds.Year)
                ?? targets.FirstOrDefault(i => all[i.ItemId].Kind == ItemKinds.Numeric))?.ItemId;
            // Everyone gives the answer they gave in the last Delphi round, except on the drifting target, which they now put higher (later).
            var last = (await roundStore.ListAsync(studyId)).Where(r => r.State == RoundStates.Closed && r.Kind == RoundKinds.Rating && r.Id != round.RoundId)
                .MaxBy(r => r.Number)!;
            foreach (var p in await participants.ListAsync(studyId))
            {
                foreach (var before in (await answerStore.MineAsync(last.Id, p.Id)).Values)
                {
                    if (!all.TryGetValue(before.ItemId, out var item)) continue;
                    // Someone who left the panel cannot answer; the others carry the round.
                    await answers.SubmitAsync(new Answerer(p.Id, studyId, p.GroupId), round.RoundId, Again(item, before, before.ItemId == drifting));
                }
            }
            if (await rounds.CloseAsync(round.RoundId) != RoundChange.Done) throw new InvalidOperationException("demo: the reflection round did not close");
            await DraftFreezeAndSignAsync(studyId, signed, drifting);
            return drifting;
        }
        finally
        {
            CultureInfo.CurrentUICulture = culture;
        }
    }

    /// <summary>The same answer again; on the drifting item moved up by <see cref="DriftShare"/> of its range (within it).</summary>
    private static AnswerRequest Again(Item item, Answer before, bool drifts)
    {
        var detail = before.Detail;
        var shift = drifts && item.RangeMin is { } min && item.RangeMax is { } max ? DriftShare * (max - min) : 0;
        if (item.Kind == ItemKinds.Year) shift = Math.Round(shift); // a year stays a whole year
        double? Moved(double? x) => x is { } v ? Math.Clamp(Math.Round(v + shift, 1), item.RangeMin ?? double.MinValue, item.RangeMax ?? double.MaxValue) : null;
        return new AnswerRequest
        {
            ItemId = item.Id, Value = Moved(before.Value), Low = Moved(detail?.Low), High = Moved(detail?.High),
            Ranks = detail?.Ranks?.ToDictionary(r => r.Key, r => r.Value), Text = detail?.Text, DontKnow = detail?.DontKnow,
            Expertise = detail?.Expertise, PublishAnyway = true,
        };
    }

    private async Task DraftFreezeAndSignAsync(long studyId, FrozenVision signed, long? drifting)
    {
        var statements = signed.Statements.Select(s => (
            Text: s.Items.Any(i => i.ItemId == drifting)
                ? s.Text + " Na twee jaar meten schat het panel dit anders in dan bij de ondertekening."
                : s.Text,
            ItemIds: (IReadOnlyList<long>)s.Items.Select(i => i.ItemId).ToList())).ToList();
        statements.Add(("De partijen kijken elk jaar samen naar de metingen en stellen de visie bij als het panel verschuift.", []));
        var (change, _) = await visions.SaveDraftAsync(studyId, signed.Title + " — versie 2", signed.Preamble, statements,
            "Na de reflectieronde: het panel schat één doel anders in dan bij de ondertekening; een afspraak over jaarlijkse reflectie is toegevoegd.");
        if (change != VisionChange.Done) throw new InvalidOperationException($"demo: vision 2 draft refused: {change}");
        var check = await vision.CheckAsync(studyId);
        var keep = check.WithoutConsensus.ToDictionary(u => u.Number,
            _ => "De uitspraak blijft staan zoals in visie 1; het panel was het er al niet over eens.");
        var frozen = await vision.FreezeAsync(studyId, new FreezeDecisions(
            check.Objections.Count > 0 ? "De bezwaren zijn besproken; de partijen houden vast aan deze versie." : null, keep));
        if (frozen.Document is null) throw new InvalidOperationException($"demo: vision 2 not frozen: {frozen.Blocker} {frozen.Refusal?.Code}");
        // The organisations of the panel that did not withdraw sign vision 2, each under a stated mandate — all but the last
        // two, which have not signed it yet (so /verify shows who endorses the version in force and who only an earlier one).
        var withdrew = (await endorsements.LedgerAsync(studyId))!.Withdrawals.Select(w => w.Organisation).ToHashSet();
        var staying = (await organisations.ListAsync(studyId)).Where(o => !withdrew.Contains(o.Name)).ToList();
        var n = 0;
        foreach (var o in staying.Take(staying.Count - NotYetOnVision2))
        {
            var registered = await endorsement.RegisterAsync(studyId, $"Ondertekenaar visie 2 nummer {++n}", null, o.Id, "Directeur",
                $"visie2.{n}@{Kernel.Slug.From(o.Name.Replace("(demo)", ""))}.example.org", "Directeur, bevoegd volgens de statuten", null);
            if (registered.Refusal != SignatoryRefusal.None) throw new InvalidOperationException($"demo: vision 2 signatory refused: {registered.Refusal}");
            var result = await endorsements.SignAsync(registered.Token!);
            if (result.Outcome != LedgerOutcome.Appended) throw new InvalidOperationException($"demo: vision 2 signature refused: {result.Outcome}");
        }
    }
}
