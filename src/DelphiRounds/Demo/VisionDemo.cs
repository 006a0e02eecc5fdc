using System.Globalization;
using Bogus;
using DelphiRounds.Endorsement;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Studies;
using DelphiRounds.Vision;

namespace DelphiRounds.Demo;

/// <summary>
/// The last step of the demo's finished Delphi study (see <see cref="ProcessDemo"/>): a vision drafted
/// from its items, reviewed by the panel, revised after an objection and frozen, then endorsed by fifteen
/// fictional organisations of which one withdrew afterwards. Everything goes through the same stores and
/// services as the web app, so the ledger is a real one.
/// </summary>
public sealed partial class VisionDemo(
    StudyStore studies, ParticipantStore participants,
    VisionStore visions, VisionService vision, VisionReviewService review,
    EndorsementStore endorsement, EndorsementService endorsements, SiteUrls site, Organisations.OrganisationStore organisations)
{
    public const string VisionTitle = "Gezamenlijke warmte- en koudevisie Rotterdam 2030";

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

    /// <summary>Drafts, reviews, freezes and endorses the vision of the finished study; returns the study's id.</summary>
    public async Task<long> SeedAsync(ProcessDemoResult finished, int seed)
    {
        // The ledger's statements are in the language of whoever signs; the demo's signatories read Dutch.
        var culture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("nl");
        try
        {
            var faker = new Faker("nl") { Random = new Randomizer(seed + 6) };
            var slugs = (await studies.GroupsAsync(finished.StudyId)).ToDictionary(g => g.Id, g => g.Slug);
            // Index: the participant's place within their stakeholder group (the first few energy producers object).
            var panel = (await participants.ListAsync(finished.StudyId))
                .GroupBy(p => p.GroupId)
                .SelectMany(g => g.Select((p, i) => (Participant: p, Slug: slugs[p.GroupId], Index: i))).ToList();
            await DraftReviewAndFreezeAsync(finished.StudyId, finished.Items, panel, faker);
            await EndorseAsync(finished.StudyId, faker);
            return finished.StudyId;
        }
        finally
        {
            CultureInfo.CurrentUICulture = culture;
        }
    }

    private async Task DraftReviewAndFreezeAsync(long studyId, IReadOnlyDictionary<int, long> item, List<(Participant Participant, string Slug, int Index)> panel, Faker faker)
    {
        const string preamble =
            """
            Netbeheerders, energiebedrijven, het warmtebedrijf, woningcorporaties, de haven, de provincie, de
            omgevingsdienst, de gemeente en bewoners hebben in drie anonieme Delphi-rondes gewerkt aan één vraag:
            **hoe ziet een gezamenlijke warmte- en koudevoorziening voor Rotterdam er in 2030 uit?**

            Deze visie bevat de punten waarover de partijen het eens werden. Waar zij het (nog) niet eens zijn, staat dat er eerlijk bij.
            Bij elke uitspraak staat op welke stellingen uit de rondes zij rust, met de cijfers van de laatste ronde.
            """;
        // Statements and the demo items (numbers of shared/data/demo/README.md) they rest on.
        (string Text, int[] Items)[] statements =
        [
            ("**Restwarmte uit de haven** is in 2030 de belangrijkste bron van het Rotterdamse warmtenet.", [1]),
            ("De transportleiding tussen haven en stad is **rond 2030** in gebruik; de partijen plannen hun aansluitingen daarop.", [4]),
            ("Huurders betalen voor warmte **niet meer dan bij aardgas**.", [6]),
            ("Er is altijd **back-up**: valt een industriële bron weg, dan nemen andere bronnen het over.", [8]),
            ("Het aandeel woningen op een warmtenet en de hoeveelheid restwarmte voor de stad groeien stap voor stap; de schattingen van de partijen liggen steeds dichter bij elkaar.", [2, 3]),
            ("Over **een open net met één onafhankelijke beheerder** en over **wie als eerste aansluit** zijn de partijen het nog niet eens. Zij werken dit in 2027 samen uit.", [5, 7]),
        ];
        IReadOnlyList<(string, IReadOnlyList<long>)> Statements() =>
            statements.Select(st => (st.Text, (IReadOnlyList<long>)st.Items.Where(item.ContainsKey).Select(n => item[n]).ToList())).ToList();

        await visions.SaveDraftAsync(studyId, VisionTitle, preamble, Statements(), null);
        await ReviewAsync(studyId, panel, faker, objectTo: 2,
            "Dit kan alleen als het Rijk de tarieven regelt; anders kunnen wij het niet waarmaken.");

        statements[2].Text = "Huurders betalen voor warmte **niet meer dan bij aardgas**. De partijen vragen het Rijk samen om de warmtetarieven daarop af te stemmen.";
        await visions.SaveDraftAsync(studyId, VisionTitle, preamble, Statements(),
            "Uitspraak 3 aangevuld: energiebedrijven wezen erop dat de prijs alleen gegarandeerd kan worden als het Rijk de tarieven regelt.");
        await ReviewAsync(studyId, panel, faker, objectTo: null, null);

        // The facilitator keeps every statement in the vision: where an item has no consensus, the statement itself says so.
        var check = await vision.CheckAsync(studyId);
        var keep = check.WithoutConsensus.ToDictionary(u => u.Number,
            _ => "Deze uitspraak zegt zelf waar de partijen het nog niet eens zijn; zij blijft daarom in de visie.");
        var outcome = await vision.FreezeAsync(studyId, new FreezeDecisions(
            check.Objections.Count > 0 ? "De bezwaren zijn besproken en in de nieuwe versie verwerkt; de partijen gaan verder op deze visie." : null, keep));
        if (!outcome.Frozen) throw new InvalidOperationException($"The demo vision could not be frozen: {outcome.Blocker} {outcome.Refusal?.Code}.");
    }

    /// <summary>The signing links of the demo's organisations: one signatory each, co-signers of some, one second person (four eyes).</summary>
    private sealed record PerOrganisationSigning(IReadOnlyList<string> Signatories, IReadOnlyList<string> CoSigners, IReadOnlyList<string> Confirmers);

    /// <summary>Which of the panel's organisations (in their order) get a co-signer, and which one signs with four eyes.</summary>
    private static readonly int[] CoSigned = [0, 6, 9];
    private const int FourEyes = 4;

    /// <summary>
    /// Signing per organisation (issue 18): a signatory for each of the panel's fifteen organisations, with the mandate they
    /// sign under; a second signatory (co-signer) for three of them; and for one a second person who confirms (four eyes).
    /// </summary>
    private async Task<PerOrganisationSigning> RegisterPerOrganisationAsync(long studyId, Faker faker)
    {
        var panel = await organisations.ListAsync(studyId);
        var (signatories, coSigners, confirmers) = (new List<string>(), new List<string>(), new List<string>());
        var n = 0;
        async Task<SignatoryRegistration> RegisterAsync(Organisations.Organisation o, string role, string mandate, ConfirmerDetails? confirmer = null)
        {
            var first = faker.Name.FirstName();
            var last = faker.Name.LastName();
            var email = $"{Slug.From(first)}.{Slug.From(last)}.{++n}@{Slug.From(o.Name.Replace("(demo)", ""))}.example.org";
            var result = await endorsement.RegisterAsync(studyId, $"{first} {last}", null, o.Id, role, email, mandate, confirmer);
            if (result.Refusal != SignatoryRefusal.None) throw new InvalidOperationException($"Demo signatory refused: {result.Refusal}.");
            return result;
        }
        for (var i = 0; i < panel.Count; i++)
        {
            var o = panel[i];
            var (role, mandate) = RoleOf(o.Name);
            ConfirmerDetails? confirmer = null;
            if (i == FourEyes)
                confirmer = new ConfirmerDetails($"{faker.Name.FirstName()} {faker.Name.LastName()}",
                    $"rvc.{++n}@{Slug.From(o.Name.Replace("(demo)", ""))}.example.org", "Voorzitter raad van commissarissen");
            var registered = await RegisterAsync(o, role, mandate, confirmer);
            signatories.Add(registered.Token!);
            if (registered.ConfirmerToken is { } c) confirmers.Add(c);
            if (CoSigned.Contains(i)) coSigners.Add((await RegisterAsync(o, "Lid van het bestuur", "Tweede bestuurder, tekent mee")).Token!);
        }
        return new PerOrganisationSigning(signatories, coSigners, confirmers);
    }

    /// <summary>The co-signers sign and the second person confirms (after the signatories signed).</summary>
    private async Task CoSignAndConfirmAsync(PerOrganisationSigning signing)
    {
        foreach (var token in signing.CoSigners)
        {
            var signed = await endorsements.SignAsync(token);
            if (signed.Outcome != LedgerOutcome.Appended) throw new InvalidOperationException($"Demo co-signature refused: {signed.Outcome}.");
        }
        foreach (var token in signing.Confirmers)
        {
            var confirmed = await endorsements.ConfirmAsync(token, "Voorzitter van de raad van commissarissen, bevoegd volgens de statuten");
            if (confirmed.Outcome != LedgerOutcome.Appended) throw new InvalidOperationException($"Demo confirmation refused: {confirmed.Outcome}.");
        }
    }

    /// <summary>The role in which the demo's signatory of an organisation signs, and their mandate.</summary>
    private static (string Role, string Mandate) RoleOf(string organisation) => organisation switch
    {
        var o when o.StartsWith("Gemeente", StringComparison.Ordinal) => ("Wethouder energietransitie", "Besluit van het college van burgemeester en wethouders"),
        var o when o.StartsWith("Provincie", StringComparison.Ordinal) => ("Gedeputeerde energie", "Besluit van Gedeputeerde Staten"),
        var o when o.StartsWith("Woon", StringComparison.Ordinal) || o.StartsWith("Woning", StringComparison.Ordinal) => ("Bestuurder", "Statutair bestuurder"),
        _ => ("Directeur", "Statutair directeur"),
    };

    private async Task ReviewAsync(long studyId, List<(Participant Participant, string Slug, int Index)> panel, Faker faker, int? objectTo, string? reason)
    {
        bool Objects(string slug, int index) => objectTo is not null && slug == "energy-producers" && index < 3;
        await visions.OpenReviewAsync(studyId);
        var draft = (await visions.UnderReviewAsync(studyId))!;
        var statements = await visions.StatementsAsync(draft.Id);
        foreach (var (p, slug, index) in panel.Where(x => Objects(x.Slug, x.Index) || faker.Random.Bool(0.85f)))
        {
            var answersOfOne = statements.Select((s, i) =>
            {
                if (objectTo == i && Objects(slug, index)) return (s.Statement.Id, ReviewPositions.Object, reason);
                return (s.Statement.Id, faker.Random.Bool(0.8f) ? ReviewPositions.Agree : ReviewPositions.LiveWith, (string?)null);
            }).ToList();
            var result = await review.SubmitAsync(studyId, p.Id, answersOfOne);
            if (result.Problem is { } problem) throw new InvalidOperationException($"Demo review refused: {problem.Message}");
        }
        await visions.CloseReviewAsync(studyId);
    }

    private async Task EndorseAsync(long studyId, Faker faker)
    {
        var perOrganisation = await RegisterPerOrganisationAsync(studyId, faker);
        var tokens = perOrganisation.Signatories.ToList();
        // Some organisations sign with a passkey of their own (VisionDemo.Passkeys.cs), the others by link.
        using var passkeys = DemoPasskeys();
        foreach (var (token, index) in tokens.Select((t, i) => (t, i)))
        {
            var signed = await endorsements.SignAsync(token, SignsWithPasskey(index) ? passkeys.Check : null);
            if (signed.Outcome != LedgerOutcome.Appended) throw new InvalidOperationException($"Demo signature refused: {signed.Outcome}.");
        }
        await CoSignAndConfirmAsync(perOrganisation);
        // Afterwards one organisation withdraws; the withdrawal is appended, the endorsement stays visible.
        var withdrawn = await endorsements.WithdrawAsync(tokens[2],
            "Onze investering in de warmtebron is uitgesteld. Daarom kunnen wij de visie nu niet meer onderschrijven.");
        if (withdrawn.Outcome != LedgerOutcome.Appended) throw new InvalidOperationException($"Demo withdrawal refused: {withdrawn.Outcome}.");
    }
}
