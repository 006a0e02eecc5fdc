using System.Globalization;
using Bogus;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Convergence;
using DelphiRounds.Endorsement;
using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using DelphiRounds.Vision;

namespace DelphiRounds.Demo;

/// <summary>
/// The demo's finished study: three closed rounds (real snapshots and verdicts), a vision drafted, reviewed,
/// revised and frozen, endorsed by fifteen fictional organisations of which one withdrew afterwards.
/// Everything goes through the same stores and services as the web app, so the ledger is a real one.
/// </summary>
public sealed class VisionDemo(
    StudyStore studies, ParticipantStore participants, ItemStore items, RoundStore rounds, AnswerStore answers,
    ConvergenceService convergence, VisionStore visions, VisionService vision, VisionReviewService review,
    EndorsementStore endorsement, EndorsementService endorsements)
{
    public const string Title = "Warmtevisie Rotterdam 2030 — vastgestelde visie";
    public const string VisionTitle = "Gezamenlijke warmte- en koudevisie Rotterdam 2030";
    private const int PerGroup = 4;

    /// <summary>Items (by index in <see cref="DemoScenario.Statements"/>) on which one stakeholder group keeps disagreeing.</summary>
    private static readonly Dictionary<int, string> Dissent = new() { [1] = "energy-producers", [3] = "housing-corporations" };

    /// <summary>The organisations that endorse: fictional, named by type.</summary>
    public static readonly (string Organisation, string Role)[] Organisations =
    [
        ("Netbeheerder Zuid-Holland (demo)", "Directeur netontwikkeling"),
        ("Energiebedrijf Maasmond (demo)", "Algemeen directeur"),
        ("Energiebedrijf Rijnmond Power (demo)", "Directeur warmte"),
        ("Warmtebedrijf Rotterdam (demo)", "Directeur"),
        ("Woningcorporatie Nieuwe Maas (demo)", "Bestuurder"),
        ("Woningcorporatie Zuidoever (demo)", "Bestuurder"),
        ("Woonstichting Stad en Haven (demo)", "Directeur vastgoed"),
        ("Havenbedrijf Rotterdam (demo)", "Directeur energietransitie"),
        ("Vereniging Haven-industrie Rijnmond (demo)", "Voorzitter"),
        ("Cleantech-netwerk Zuid-Holland (demo)", "Directeur"),
        ("Raffinaderij Botlek (demo)", "Vestigingsdirecteur"),
        ("Provincie Zuid-Holland (demo)", "Gedeputeerde energie"),
        ("Omgevingsdienst Rijnmond (demo)", "Directeur"),
        ("Gemeente Rotterdam (demo)", "Wethouder energietransitie"),
        ("Huurdersvereniging Rotterdam (demo)", "Voorzitter"),
    ];

    /// <summary>Seeds the finished study for <paramref name="facilitatorId"/>; returns its id.</summary>
    public async Task<long> SeedAsync(long facilitatorId, int seed)
    {
        // The ledger's statements are in the language of whoever signs; the demo's signatories read Dutch.
        var culture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("nl");
        try
        {
            return await SeedInDutchAsync(facilitatorId, new Faker("nl") { Random = new Randomizer(seed + 6) });
        }
        finally
        {
            CultureInfo.CurrentUICulture = culture;
        }
    }

    private async Task<long> SeedInDutchAsync(long facilitatorId, Faker faker)
    {
        var study = await studies.CreateAsync(facilitatorId, Title,
            "Welke gezamenlijke visie op warmte en koude in 2030 willen de partijen samen ondertekenen?",
            DemoScenario.Organiser, DemoScenario.HorizonYear, DemoScenario.Groups.Select(g => (g.Slug, g.Nl, g.En)));
        var groups = (await studies.GroupsAsync(study.Id)).ToDictionary(g => g.Slug);

        var panel = new List<(Participant Participant, string Slug, int Index)>();
        foreach (var g in DemoScenario.Groups)
        {
            for (var i = 0; i < PerGroup; i++)
            {
                var first = faker.Name.FirstName();
                var last = faker.Name.LastName();
                var invitation = await participants.AddAsync(study.Id, groups[g.Slug].Id, $"{first} {last}",
                    $"{Slug.From(first)}.{Slug.From(last)}.v{panel.Count + 1}@example.org");
                panel.Add((invitation.Participant, g.Slug, i));
            }
        }

        var itemList = new List<Item>();
        foreach (var statement in DemoScenario.Statements)
            itemList.Add(await items.AddRatingAsync(study.Id, statement.Text, new RatingScale(1, 7), DemoScenario.SevenPointLabels));

        // Where each answer ends up in round 3, and how it got there: wide in round 1, close in round 2,
        // and in round 3 only two people per item move (stable), so the verdicts are consensus or stable dissent.
        var final = new Dictionary<(long Participant, int Item), int>();
        for (var item = 0; item < itemList.Count; item++)
        {
            foreach (var (p, slug, _) in panel)
            {
                var dissenting = Dissent.TryGetValue(item, out var group) && group == slug;
                final[(p.Id, item)] = dissenting ? faker.Random.Int(2, 3) : faker.Random.Bool(0.6f) ? 7 : 6;
            }
        }
        for (var number = 1; number <= 3; number++)
        {
            var round = await rounds.CreateAsync(study.Id, RoundModes.Live, closesAt: null);
            await rounds.OpenAsync(round.Id);
            for (var item = 0; item < itemList.Count; item++)
            {
                var movers = new[] { (item * 5) % panel.Count, (item * 5 + 11) % panel.Count };
                for (var k = 0; k < panel.Count; k++)
                {
                    var (p, slug, _) = panel[k];
                    var target = final[(p.Id, item)];
                    var value = number switch
                    {
                        3 => target,
                        2 => movers.Contains(k) ? Math.Clamp(target + (target >= 5 ? -1 : 1), 1, 7) : target,
                        _ => Math.Clamp(target + faker.Random.Int(-3, 1), 1, 7),
                    };
                    var rationale = number == 1 && faker.Random.Bool(0.1f)
                        ? (value >= 5 ? "De restwarmte is er al; het zou zonde zijn die niet te gebruiken." : "Eerst moet duidelijk zijn wie betaalt.")
                        : null;
                    await answers.AppendAsync(round.Id, itemList[item].Id, p.Id, value, rationale, idempotencyKey: null);
                }
            }
            await rounds.CloseAsync(round.Id, convergence.SnapshotAsync);
        }

        await DraftReviewAndFreezeAsync(study.Id, itemList, panel, faker);
        await EndorseAsync(study.Id, faker);
        return study.Id;
    }

    private async Task DraftReviewAndFreezeAsync(long studyId, IReadOnlyList<Item> itemList, List<(Participant Participant, string Slug, int Index)> panel, Faker faker)
    {
        const string preamble =
            """
            Van 2025 tot 2026 hebben netbeheerders, energiebedrijven, het warmtebedrijf, woningcorporaties, de haven,
            de provincie, de omgevingsdienst, de gemeente en bewoners in drie anonieme Delphi-rondes gewerkt aan één vraag:
            **hoe ziet een gezamenlijke warmte- en koudevoorziening voor Rotterdam er in 2030 uit?**

            Deze visie bevat de punten waarover de partijen het eens werden. Waar zij het (nog) niet eens zijn, staat dat er eerlijk bij.
            Bij elke uitspraak staat op welke stellingen uit de rondes zij rust, met de cijfers van de laatste ronde.
            """;
        string[] texts =
        [
            "**Restwarmte uit de haven** is in 2030 de belangrijkste bron van het Rotterdamse warmtenet.",
            "Er is altijd **back-up**: valt een industriële bron weg, dan nemen andere bronnen het over.",
            "Huurders betalen voor warmte **niet meer dan bij aardgas**.",
            "Gemeente en provincie regelen de vergunningen voor de transportleiding **samen en snel**.",
            "Koude uit de haven wordt benut voor zorg en kantoren.",
            "Bewoners beslissen mee over de aanleg van het warmtenet in hun wijk.",
            "Over **een open net met één onafhankelijke beheerder** en over **wie als eerste aansluit** zijn de partijen het nog niet eens. Zij werken dit in 2026 samen uit.",
        ];
        int[][] links = [[0], [4], [2], [6], [5], [7], [1, 3]];
        IReadOnlyList<(string, IReadOnlyList<long>)> Statements(string[] t) =>
            t.Select((text, i) => (text, (IReadOnlyList<long>)links[i].Select(k => itemList[k].Id).ToList())).ToList();

        await visions.SaveDraftAsync(studyId, VisionTitle, preamble, Statements(texts), null);
        await ReviewAsync(studyId, panel, faker, objectTo: 2,
            "Dit kan alleen als het Rijk de tarieven regelt; anders kunnen wij het niet waarmaken.");

        texts[2] = "Huurders betalen voor warmte **niet meer dan bij aardgas**. De partijen vragen het Rijk samen om de warmtetarieven daarop af te stemmen.";
        await visions.SaveDraftAsync(studyId, VisionTitle, preamble, Statements(texts),
            "Uitspraak 3 aangevuld: energiebedrijven wezen erop dat de prijs alleen gegarandeerd kan worden als het Rijk de tarieven regelt.");
        await ReviewAsync(studyId, panel, faker, objectTo: null, null);

        var (blocker, _) = await vision.FreezeAsync(studyId);
        if (blocker != FreezeBlocker.None) throw new InvalidOperationException($"The demo vision could not be frozen: {blocker}.");
    }

    private async Task ReviewAsync(long studyId, List<(Participant Participant, string Slug, int Index)> panel, Faker faker, int? objectTo, string? reason)
    {
        await visions.OpenReviewAsync(studyId);
        var draft = (await visions.UnderReviewAsync(studyId))!;
        var statements = await visions.StatementsAsync(draft.Id);
        foreach (var (p, slug, index) in panel.Where(_ => faker.Random.Bool(0.85f)))
        {
            var answersOfOne = statements.Select((s, i) =>
            {
                if (objectTo == i && slug == "energy-producers" && index < 3) return (s.Statement.Id, ReviewPositions.Object, reason);
                return (s.Statement.Id, faker.Random.Bool(0.8f) ? ReviewPositions.Agree : ReviewPositions.LiveWith, (string?)null);
            }).ToList();
            var result = await review.SubmitAsync(studyId, p.Id, answersOfOne);
            if (result.Problem is { } problem) throw new InvalidOperationException($"Demo review refused: {problem.Message}");
        }
        await visions.CloseReviewAsync(studyId);
    }

    private async Task EndorseAsync(long studyId, Faker faker)
    {
        var tokens = new List<string>();
        foreach (var (organisation, role) in Organisations)
        {
            var first = faker.Name.FirstName();
            var last = faker.Name.LastName();
            var (_, token) = await endorsement.RegisterAsync(studyId, $"{first} {last}", organisation, role,
                $"{Slug.From(first)}.{Slug.From(last)}@{Slug.From(organisation.Replace("(demo)", ""))}.example.org");
            tokens.Add(token);
        }
        foreach (var token in tokens)
        {
            var signed = await endorsements.SignAsync(token);
            if (signed.Outcome != LedgerOutcome.Appended) throw new InvalidOperationException($"Demo signature refused: {signed.Outcome}.");
        }
        // Afterwards one organisation withdraws; the withdrawal is appended, the endorsement stays visible.
        var withdrawn = await endorsements.WithdrawAsync(tokens[2],
            "Onze investering in de warmtebron is uitgesteld. Daarom kunnen wij de visie nu niet meer onderschrijven.");
        if (withdrawn.Outcome != LedgerOutcome.Appended) throw new InvalidOperationException($"Demo withdrawal refused: {withdrawn.Outcome}.");
    }
}
