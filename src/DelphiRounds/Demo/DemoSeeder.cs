using Bogus;
using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Demo;

/// <summary>What a newcomer needs to try the demo: how to log in, a token for scripts, a few participant links.</summary>
public sealed record DemoAccess(
    string FacilitatorEmail, string? FacilitatorPassword, string ApiToken, long StudyId,
    IReadOnlyList<(string Group, string Url)> ParticipantLinks)
{
    /// <summary>The public verification page of the finished study whose vision was endorsed (issue 6).</summary>
    public string? VerificationUrl { get; init; }
    /// <summary>The public agenda page of that study: two years of measurements, commitments and experiments (issue 21).</summary>
    public string? AgendaUrl { get; init; }
    public AgendaDemoResult? Agenda { get; init; }
    /// <summary>The finished study of the Delphi-process demo (round 0 and numbered rounds, all closed), if seeded.</summary>
    public ProcessDemoResult? Finished { get; init; }
}

/// <summary>
/// Seeds the demo study on an empty database with Bogus and a fixed seed: six stakeholder groups,
/// about forty participants, eight statements, round 1 open and about 70% answered.
/// </summary>
public sealed class DemoSeeder(
    FacilitatorStore facilitators, StudyStore studies, ParticipantStore participants, ItemStore items,
    RoundStore rounds, AnswerStore answers, IOptions<DemoOptions> options, SiteUrls site,
    IOptions<AccountOptions> accounts, ProcessDemo process, VisionDemo visionDemo, Organisations.OrganisationStore organisations,
    AgendaDemo agendaDemo, TimeProvider time, ReflectionDemo reflectionDemo)
{
    /// <summary>True when the database holds no study yet.</summary>
    public async Task<bool> IsEmptyAsync() => await studies.CountAsync() == 0;

    /// <summary>
    /// Seeds the open study and, beside it, a finished study of <paramref name="finishedRounds"/> rounds
    /// (none when 0); <paramref name="progress"/> gets a line per step of the finished study.
    /// </summary>
    public async Task<DemoAccess> SeedAsync(int finishedRounds = ProcessDemo.DefaultRounds, Action<string>? progress = null)
    {
        var faker = new Faker("nl") { Random = new Randomizer(options.Value.Seed) };

        var (account, password) = await DemoFacilitatorAsync();
        var apiToken = await facilitators.CreateApiTokenAsync(account.Id, "demo");

        var study = await studies.CreateAsync(account.Id, DemoScenario.Title, DemoScenario.Question, DemoScenario.Organiser,
            DemoScenario.HorizonYear, DemoScenario.Groups.Select(g => (g.Slug, g.Nl, g.En)));
        var groups = (await studies.GroupsAsync(study.Id)).ToDictionary(g => g.Slug);

        var panel = new List<(Participant Participant, string Token, string Slug)>();
        foreach (var g in DemoScenario.Groups)
        {
            for (var i = 0; i < g.Size; i++)
            {
                var first = faker.Name.FirstName();
                var last = faker.Name.LastName();
                var email = $"{Slug.From(first)}.{Slug.From(last)}.{panel.Count + 1}@example.org";
                var invitation = await participants.AddAsync(study.Id, groups[g.Slug].Id, $"{first} {last}", email);
                panel.Add((invitation.Participant, invitation.Token, g.Slug));
            }
        }
        await DemoOrganisations.AddAsync(organisations, study.Id, groups.ToDictionary(g => g.Key, g => g.Value.Id), panel.Select(p => (p.Participant.Id, p.Slug)));

        var statementItems = new List<(Item Item, DemoScenario.RatingStatement Statement)>();
        foreach (var statement in DemoScenario.Statements)
            statementItems.Add((await items.AddRatingAsync(study.Id, statement.Text, new RatingScale(1, 7), DemoScenario.SevenPointLabels), statement));

        var round = await rounds.CreateAsync(study.Id, RoundModes.Live, closesAt: null);
        await rounds.OpenAsync(round.Id);

        // About 70% of the panel has answered; the first participant of each group has not, so the
        // printed links show a questionnaire still to be filled in.
        var firstOfGroup = panel.GroupBy(p => p.Slug).Select(g => g.First().Participant.Id).ToHashSet();
        foreach (var (participant, _, slug) in panel)
        {
            if (firstOfGroup.Contains(participant.Id) || !faker.Random.Bool(0.8f)) continue;
            foreach (var (item, statement) in statementItems)
            {
                var (centre, spread) = statement.Tendency[slug];
                var value = Math.Clamp(Math.Round(centre + spread * Gaussian(faker.Random)), 1, 7);
                var rationale = faker.Random.Bool(0.15f) ? Rationale(faker, value) : null;
                await answers.AppendAsync(round.Id, item.Id, participant.Id, value, rationale, idempotencyKey: null);
            }
        }

        var baseUrl = site.BaseUrl(null);
        var links = panel.Where(p => firstOfGroup.Contains(p.Participant.Id)).Take(3)
            .Select(p => (groups[p.Slug].NameEn, PanelEndpoints.InvitationUrl(baseUrl, p.Token))).ToList();
        // The finished study comes after the open one (and has its own random generator), so the open study stays as it was.
        // With the demo clock the finished study is signed two years ago, so its agenda has two years behind it.
        var clock = time as DemoClock;
        clock?.Travel(time.GetUtcNow() - AgendaDemo.SignedBeforeToday);
        AgendaDemoResult? agenda;
        ProcessDemoResult? finished;
        long? endorsed;
        try
        {
            finished = finishedRounds > 0 ? await process.RunAsync(account.Id, finishedRounds, options.Value.Seed + 1, progress) : null;
            // The finished study ends as the real one did: a joint vision, endorsed (and once withdrawn from).
            endorsed = finished is null ? null : await visionDemo.SeedAsync(finished, options.Value.Seed);
            // And goes on after the signature: two years of measurements, commitments and experiments (issue 21).
            agenda = finished is null ? null : await agendaDemo.SeedAsync(finished);
        }
        finally
        {
            clock?.Return();
        }
        // Then, today, a reflection round on it, whose drift leads to a signed vision 2 (issue 21).
        if (endorsed is { } reflected) await reflectionDemo.SeedAsync(reflected, options.Value.Seed);
        return new DemoAccess(account.Email, password, apiToken, study.Id, links)
        {
            Finished = finished,
            VerificationUrl = endorsed is null ? null : $"{baseUrl}/verify/{endorsed}",
            AgendaUrl = agenda is null ? null : $"{baseUrl}/agenda/{agenda.StudyId}",
            Agenda = agenda,
        };
    }

    /// <summary>Adds only a finished study of <paramref name="rounds"/> rounds (to a database that already has studies), for the demo facilitator.</summary>
    public async Task<(Facilitator Account, string? Password, ProcessDemoResult Finished)> SeedFinishedAsync(int rounds, Action<string>? progress = null)
    {
        var (account, password) = await DemoFacilitatorAsync();
        return (account, password, await process.RunAsync(account.Id, rounds, options.Value.Seed + 1, progress));
    }

    /// <summary>The first facilitator's account, made (with a password shown once) when it does not exist.</summary>
    private async Task<(Facilitator Account, string? Password)> DemoFacilitatorAsync()
    {
        var account = await facilitators.FindByEmailAsync(accounts.Value.FirstFacilitatorEmail);
        if (account is not null) return (account, null);
        var created = await facilitators.CreateAsync(accounts.Value.FirstFacilitatorEmail, "Demo facilitator");
        return (created.Account, created.Password);
    }

    private static double Gaussian(Randomizer random)
    {
        // Box–Muller on the seeded generator, so the demo is the same on every machine.
        var u1 = 1.0 - random.Double();
        var u2 = random.Double();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static string Rationale(Faker faker, double value) => value >= 5
        ? faker.PickRandom(
            "Dit past bij de plannen van onze organisatie.",
            "Zonder dit komt de warmtetransitie in de wijken niet op gang.",
            "De restwarmte is er al; het zou zonde zijn die niet te gebruiken.")
        : faker.PickRandom(
            "De kosten en risico's zijn nog te onzeker.",
            "Wij zijn afhankelijk van bedrijven die over tien jaar misschien weg zijn.",
            "Eerst moet duidelijk zijn wie betaalt.");
}
