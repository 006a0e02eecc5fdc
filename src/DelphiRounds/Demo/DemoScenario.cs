using DelphiRounds.Items;

namespace DelphiRounds.Demo;

/// <summary>
/// "Warmtevisie Rotterdam 2030": modelled on Rotterdam's heat vision built with the Delphi method from
/// port residual heat. Organisations are fictional, named by type: the demo must not put words in real
/// organisations' mouths.
/// </summary>
public static class DemoScenario
{
    public const string Title = "Warmtevisie Rotterdam 2030";
    public const string Question = "Hoe kan een gezamenlijke warmte- en koudevoorziening voor Rotterdam er in 2030 uitzien, met restwarmte uit de haven?";
    public const string Organiser = "Gemeente Rotterdam (demo)";
    public const int HorizonYear = 2030;

    /// <summary>Stakeholder groups: slug, Dutch and English name, number of participants.</summary>
    public static readonly (string Slug, string Nl, string En, int Size)[] Groups =
    [
        ("grid-operators", "Netbeheerders", "Grid operators", 6),
        ("energy-producers", "Energieproducenten en warmtebedrijven", "Energy producers and heat companies", 7),
        ("housing-corporations", "Woningcorporaties", "Housing corporations", 7),
        ("port-industry", "Havenbedrijf en havenindustrie", "Port authority and port industry", 7),
        ("government", "Gemeente, provincie en omgevingsdienst", "Municipality, province and environmental agency", 6),
        ("residents", "Bewoners en gebruikers", "Residents and users", 7),
    ];

    /// <summary>
    /// A rating statement with, per stakeholder group, where its answers centre (1–7) and how much they spread.
    /// </summary>
    public sealed record RatingStatement(LocalizedText Text, IReadOnlyDictionary<string, (double Centre, double Spread)> Tendency);

    private static Dictionary<string, (double, double)> All(double centre, double spread) =>
        Groups.ToDictionary(g => g.Slug, _ => (centre, spread));

    private static Dictionary<string, (double, double)> With(Dictionary<string, (double, double)> d, params (string Slug, double Centre, double Spread)[] overrides)
    {
        foreach (var o in overrides) d[o.Slug] = (o.Centre, o.Spread);
        return d;
    }

    public static readonly RatingStatement[] Statements =
    [
        new(new("In 2030 is restwarmte uit de haven de belangrijkste bron voor het Rotterdamse warmtenet.",
                "In 2030 port residual heat is the main source of the city's heat network."), All(5.6, 0.9)),
        new(new("Het warmtenet wordt een open net met één onafhankelijke beheerder.",
                "The heat network becomes an open network with one independent operator."),
            With(All(4.8, 1.2), ("housing-corporations", 6.3, 0.6), ("energy-producers", 2.6, 0.8))),
        new(new("Huurders betalen voor warmte niet meer dan bij aardgas.",
                "Tenants pay no more for heat than they would for natural gas."), All(6.0, 0.8)),
        new(new("Woningcorporaties sluiten hun bestaande woningen als eersten aan.",
                "Housing corporations connect their existing homes first."),
            With(All(4.5, 1.3), ("housing-corporations", 2.8, 0.8), ("energy-producers", 6.2, 0.6))),
        new(new("Er is een back-up als een industriële warmtebron wegvalt.",
                "There is back-up when an industrial heat source stops."), All(6.2, 0.7)),
        new(new("Koude uit de haven wordt benut voor zorg en kantoren.",
                "Cold from the port is used for hospitals and offices."), All(4.6, 1.4)),
        new(new("Gemeente en provincie regelen samen en snel de vergunningen voor de transportleiding.",
                "Municipality and province arrange the permits for the transport pipeline together and quickly."), All(5.4, 1.0)),
        new(new("Bewoners beslissen mee over de aanleg van het warmtenet in hun wijk.",
                "Residents have a say in building the heat network in their neighbourhood."),
            With(All(4.4, 1.2), ("residents", 6.4, 0.6))),
    ];

    /// <summary>Scale labels of the 1–7 statements.</summary>
    public static readonly IReadOnlyDictionary<int, LocalizedText> SevenPointLabels = new Dictionary<int, LocalizedText>
    {
        [1] = new("Helemaal oneens", "Strongly disagree"),
        [4] = new("Neutraal", "Neutral"),
        [7] = new("Helemaal eens", "Strongly agree"),
    };
}
