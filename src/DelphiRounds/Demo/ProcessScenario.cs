using DelphiRounds.Items;

namespace DelphiRounds.Demo;

/// <summary>
/// The finished demo study: "Warmtevisie Rotterdam 2030" run through round 0 (ideas) and three numbered
/// rounds (shared/data/demo/README.md, items 1–11). How each item behaves over the rounds:
/// converges (1, 4, 6, 8), consensus against (12), polarised between housing corporations and residents on one side and
/// energy producers and the port on the other (5), stable dissent between housing corporations and energy producers (7),
/// numeric estimates whose quartiles narrow round by round (2, 3), a ranking that slowly agrees (9),
/// a statement reworded after round 1 (10) and the open question of round 0 (11).
/// </summary>
public static class ProcessScenario
{
    public const string Title = "Warmtevisie Rotterdam 2030 — de Delphi-rondes";
    public const string Question = DemoScenario.Question;
    public const string Organiser = DemoScenario.Organiser;

    /// <summary>How answers to an item move from round to round.</summary>
    public enum Behaviour
    {
        /// <summary>Answers settle on the panel's view: consensus in the last round.</summary>
        Converges,
        /// <summary>Like <see cref="Converges"/>, but at the other end: nearly everyone ends at 1 or 2 (consensus against).</summary>
        ConvergesAgainst,
        /// <summary>Like <see cref="Converges"/>, but settled already in round 2 (then retired).</summary>
        ConvergesEarly,
        /// <summary>Two stakeholder groups hold opposite views and nobody moves: stable dissent.</summary>
        StableDissent,
        /// <summary>Numbers move halfway to the panel's median each round: the quartiles narrow.</summary>
        Narrows,
        /// <summary>Rankings move one step at a time toward the panel's order.</summary>
        RankingAgrees,
        /// <summary>Round 0's open question.</summary>
        Ideas,
    }

    /// <summary>One item of the scenario, numbered as in the demo README.</summary>
    public sealed record ScenarioItem(int Number, string Kind, LocalizedText Text, Behaviour Behaviour)
    {
        public string? Unit { get; init; }
        public double? RangeMin { get; init; }
        public double? RangeMax { get; init; }
        public bool ThreePoint { get; init; }
        /// <summary>Numbers: where each stakeholder group's estimates centre, and their spread. Ratings: the groups' positions (1–7).</summary>
        public IReadOnlyDictionary<string, (double Centre, double Spread)> Tendency { get; init; } = new Dictionary<string, (double, double)>();
        /// <summary>Round-0 idea tags this item was made from (the facilitator merges those ideas into it).</summary>
        public string? FromIdeas { get; init; }
        /// <summary>Arguments for and against, Dutch and English.</summary>
        public IReadOnlyList<LocalizedText> ArgumentsFor { get; init; } = [];
        public IReadOnlyList<LocalizedText> ArgumentsAgainst { get; init; } = [];
    }

    public static readonly RankingOption[] FinanceOptions =
    [
        new("rijk-eu", "Rijk en EU", "National government and EU"),
        new("netbeheerder", "Netbeheerder", "Grid operator"),
        new("gemeente", "Gemeente", "Municipality"),
        new("energiebedrijven", "Energiebedrijven", "Energy companies"),
        new("gebruikers", "Gebruikers", "Users"),
    ];

    private static Dictionary<string, (double, double)> Centres(params (string Slug, double Centre, double Spread)[] groups) =>
        groups.ToDictionary(g => g.Slug, g => (g.Centre, g.Spread));

    public static readonly ScenarioItem[] Questionnaire =
    [
        new(11, ItemKinds.Text, new("Wat moet er voor uw organisatie geregeld zijn om mee te doen?",
                "What must be in place for your organisation to take part?"), Behaviour.Ideas),
        new(1, ItemKinds.Rating, new("In 2030 is restwarmte uit de haven de belangrijkste bron voor het Rotterdamse warmtenet.",
                "In 2030 port residual heat is the main source of the city's heat network."), Behaviour.Converges)
        {
            ArgumentsFor = [new("De restwarmte is er al; het zou zonde zijn die niet te gebruiken.", "The residual heat is already there; it would be a waste not to use it."),
                   new("Met de leiding naar de stad is dit de goedkoopste duurzame bron.", "With the pipeline to the city this is the cheapest sustainable source.")],
            ArgumentsAgainst = [new("De industrie in de haven verandert snel; over tien jaar is die warmte er misschien niet meer.", "Port industry is changing fast; in ten years that heat may be gone."),
                       new("Aardwarmte en aquathermie verdienen ook een plek.", "Geothermal and aquathermal heat deserve a place too.")],
        },
        new(2, ItemKinds.Numeric, new("Aandeel Rotterdamse woningen op een warmtenet in 2030", "Share of Rotterdam homes on a heat network in 2030"), Behaviour.Narrows)
        {
            Unit = "%", RangeMin = 0, RangeMax = 100, ThreePoint = true,
            Tendency = Centres(("grid-operators", 32, 7), ("energy-producers", 45, 8), ("housing-corporations", 26, 6),
                ("port-industry", 48, 9), ("government", 38, 6), ("residents", 22, 7)),
            ArgumentsFor = [new("De corporaties hebben al veel complexen op de planning staan.", "The housing corporations already have many estates planned.")],
            ArgumentsAgainst = [new("Elke wijk vraagt een eigen aanpak; dat kost tijd.", "Every neighbourhood needs its own approach; that takes time.")],
        },
        new(3, ItemKinds.Numeric, new("Restwarmte uit de haven geleverd aan de stad in 2030", "Port residual heat delivered to the city in 2030"), Behaviour.Narrows)
        {
            Unit = "PJ/jaar", RangeMin = 0, RangeMax = 40,
            Tendency = Centres(("grid-operators", 10, 3), ("energy-producers", 16, 4), ("housing-corporations", 8, 3),
                ("port-industry", 19, 4), ("government", 12, 3), ("residents", 7, 3)),
            ArgumentsFor = [new("De bedrijven in de haven kunnen veel meer leveren dan nu.", "The companies in the port can supply much more than today.")],
            ArgumentsAgainst = [new("De vraag in de stad groeit minder snel dan het aanbod.", "Demand in the city grows more slowly than supply.")],
        },
        new(4, ItemKinds.Year, new("Jaar waarin de transportleiding haven–stad in gebruik is", "Year the port–city transport pipeline comes into use"), Behaviour.Converges)
        {
            RangeMin = 2026, RangeMax = 2040, FromIdeas = "pipeline",
            ArgumentsFor = [new("De vergunningen zijn rond; de aanleg duurt ongeveer vier jaar.", "The permits are in place; construction takes about four years.")],
            ArgumentsAgainst = [new("Grote leidingen lopen bijna altijd vertraging op.", "Large pipelines are nearly always delayed.")],
        },
        new(5, ItemKinds.Rating, new("Het warmtenet wordt een open net met één onafhankelijke beheerder.",
                "The heat network becomes an open network with one independent operator."), Behaviour.StableDissent)
        {
            // Two camps of two groups each, a third of the panel or more on each side: polarised, with its poles named.
            Tendency = Centres(("housing-corporations", 6.5, 0.5), ("residents", 6.3, 0.5), ("energy-producers", 1.6, 0.5), ("port-industry", 1.7, 0.5)),
            ArgumentsFor = [new("Alleen met een open net kunnen huurders kiezen en blijven de prijzen eerlijk.", "Only an open network lets tenants choose and keeps prices fair.")],
            ArgumentsAgainst = [new("Wie de bron en het net samen beheert, kan de investering terugverdienen; een open net schrikt investeerders af.", "Whoever runs source and network together can earn back the investment; an open network scares investors off.")],
        },
        new(6, ItemKinds.Rating, new("Huurders betalen voor warmte niet meer dan bij aardgas.",
                "Tenants pay no more for heat than they would for natural gas."), Behaviour.Converges)
        {
            FromIdeas = "price",
            ArgumentsFor = [new("Zonder deze belofte doen bewoners niet mee.", "Without this promise residents will not take part.")],
            ArgumentsAgainst = [new("Een vaste koppeling aan de gasprijs is op lange termijn niet houdbaar.", "A fixed link to the gas price cannot be sustained in the long run.")],
        },
        new(7, ItemKinds.Rating, new("Woningcorporaties sluiten hun bestaande woningen als eersten aan.",
                "Housing corporations connect their existing homes first."), Behaviour.StableDissent)
        {
            Tendency = Centres(("housing-corporations", 1.8, 0.6), ("energy-producers", 6.5, 0.5)),
            ArgumentsFor = [new("Corporaties hebben grote complexen in één hand: daar is aansluiten het goedkoopst.", "Corporations own large estates: connecting there is cheapest.")],
            ArgumentsAgainst = [new("Onze huurders mogen niet de proefkonijnen zijn zolang de prijs niet vastligt.", "Our tenants must not be the guinea pigs while the price is not fixed.")],
        },
        new(8, ItemKinds.Rating, new("Er is een back-up als een industriële warmtebron wegvalt.",
                "There is back-up when an industrial heat source stops."), Behaviour.ConvergesEarly)
        {
            FromIdeas = "backup",
            ArgumentsFor = [new("Een ziekenhuis of een flat mag nooit zonder warmte zitten.", "A hospital or a block of flats must never be left without heat.")],
            ArgumentsAgainst = [new("Een volledige back-up is duur; een deel is genoeg.", "A full back-up is expensive; part of it is enough.")],
        },
        new(9, ItemKinds.Ranking, new("Wie betaalt de hoofdtransportleiding? Zet in volgorde: 1 = betaalt het meest.",
                "Who pays for the main transport pipeline? Put in order: 1 = pays most."), Behaviour.RankingAgrees)
        {
            FromIdeas = "finance",
            ArgumentsFor = [new("Het is infrastructuur van nationaal belang, net als het elektriciteitsnet.", "It is infrastructure of national importance, like the power grid.")],
            ArgumentsAgainst = [new("Wie de warmte verkoopt, moet ook in de leiding investeren.", "Whoever sells the heat should also invest in the pipeline.")],
        },
        new(10, ItemKinds.Rating, new("Koude uit de haven wordt benut voor zorg en kantoren.",
                "Cold from the port is used for hospitals and offices."), Behaviour.Narrows)
        {
            FromIdeas = "cold",
            ArgumentsFor = [new("Ziekenhuizen koelen het hele jaar; dat is een vaste afnemer.", "Hospitals need cooling all year; that is a steady customer.")],
            ArgumentsAgainst = [new("Een tweede net voor koude is een grote extra investering.", "A second network for cold is a large extra investment.")],
        },
        new(12, ItemKinds.Rating, new("Nieuwe gasgestookte warmtecentrales zijn na 2025 nog nodig.",
                "New gas-fired heat plants are still needed after 2025."), Behaviour.ConvergesAgainst)
        {
            ArgumentsFor = [new("Op de koudste dagen is extra vermogen nodig dat de haven niet levert.", "On the coldest days extra capacity is needed that the port does not supply.")],
            ArgumentsAgainst = [new("Nieuwe gascentrales passen niet bij een stad die van het aardgas af gaat.", "New gas plants do not fit a city that is leaving natural gas."),
                       new("Een back-up kan ook met opslag en elektrische boilers.", "Back-up can also come from storage and electric boilers.")],
        },
    ];

    /// <summary>The new wording of item 10 after round 1, and why.</summary>
    public static readonly (LocalizedText Text, LocalizedText Reason) Reword10 =
    (
        new("Koude uit de haven wordt benut voor ziekenhuizen, verpleeghuizen en kantoren.",
            "Cold from the port is used for hospitals, nursing homes and offices."),
        new("In ronde 1 vroegen deelnemers wat met 'zorg' bedoeld is; nu staat er welke gebouwen het zijn.",
            "In round 1 participants asked what 'care' meant; the statement now names the buildings.")
    );

    /// <summary>Round-0 ideas: a tag (what the facilitator merges them into) and the text in Dutch and English.</summary>
    public static readonly (string Tag, LocalizedText Text)[] Ideas =
    [
        ("pipeline", new("Een duidelijke datum waarop de leiding van de haven naar de stad klaar is.", "A clear date on which the pipeline from the port to the city is ready.")),
        ("pipeline", new("Zekerheid dat de transportleiding er echt komt, anders investeren wij niet.", "Certainty that the transport pipeline will really be built; otherwise we will not invest.")),
        ("price", new("Een warmteprijs die voor huurders niet hoger is dan de gasrekening.", "A heat price for tenants that is no higher than the gas bill.")),
        ("price", new("Afspraken over de tarieven voor twintig jaar.", "Agreements on the tariffs for twenty years.")),
        ("backup", new("Een reservebron voor als een fabriek in de haven stopt.", "A back-up source for when a factory in the port stops.")),
        ("backup", new("Leveringszekerheid, ook in een koude winter.", "Security of supply, also in a cold winter.")),
        ("cold", new("Ook koude leveren aan gebouwen die moeten koelen, zoals ziekenhuizen.", "Also supply cold to buildings that need cooling, such as hospitals.")),
        ("permits", new("Snelle vergunningen van gemeente en provincie samen.", "Fast permits from municipality and province together.")),
        ("say", new("Bewoners moeten meebeslissen over de aanleg in hun wijk.", "Residents must have a say in the works in their neighbourhood.")),
        ("finance", new("Duidelijkheid over wie de hoofdleiding betaalt.", "Clarity about who pays for the main pipeline.")),
    ];
}
