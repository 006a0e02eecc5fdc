using DelphiRounds.Organisations;

namespace DelphiRounds.Demo;

/// <summary>
/// The organisations at the demo's table (issue 18): fifteen, fictional and named by type, in the five organised
/// groups of the seed case — three per group, the larger ones sending two or three people. The residents and users
/// speak for themselves: they belong to no organisation.
/// </summary>
public static class DemoOrganisations
{
    /// <summary>Per group slug: the organisations in the order their members are dealt out, and how many people each sends.</summary>
    public static readonly IReadOnlyDictionary<string, (string Name, string Kvk, int People)[]> ByGroup = new Dictionary<string, (string, string, int)[]>
    {
        ["grid-operators"] = [("Netbeheerder Stad (demo)", "90000011", 3), ("Netbeheerder Regio (demo)", "90000012", 2), ("Transportnet Zuid (demo)", "90000013", 1)],
        ["energy-producers"] = [("Warmtebedrijf Maas (demo)", "90000021", 3), ("Energiecentrale Botlek (demo)", "90000022", 2), ("Afvalenergie Rijnmond (demo)", "90000023", 2)],
        ["housing-corporations"] = [("Woonstichting Zuidoever (demo)", "90000031", 3), ("Woningcorporatie Noordrand (demo)", "90000032", 2), ("Wooncoöperatie De Kade (demo)", "90000033", 2)],
        ["port-industry"] = [("Havenbedrijf (demo)", "90000041", 3), ("Raffinaderij West (demo)", "90000042", 2), ("Chemiecluster Europoort (demo)", "90000043", 2)],
        ["government"] = [("Gemeente (demo)", "90000051", 3), ("Provincie (demo)", "90000052", 2), ("Omgevingsdienst (demo)", "90000053", 1)],
    };

    /// <summary>
    /// Adds the organisations to the study and deals each group's members out to them in order (the first three to the
    /// first organisation, …). <paramref name="members"/> is the panel in the order it was added: (participant id, group slug).
    /// </summary>
    public static async Task AddAsync(OrganisationStore organisations, long studyId, IReadOnlyDictionary<string, long> groupIds, IEnumerable<(long ParticipantId, string Slug)> members)
    {
        var bySlug = members.GroupBy(m => m.Slug).ToDictionary(g => g.Key, g => g.Select(m => m.ParticipantId).ToList());
        foreach (var (slug, list) in ByGroup)
        {
            if (!groupIds.TryGetValue(slug, out var groupId)) continue;
            var people = bySlug.GetValueOrDefault(slug) ?? [];
            var next = 0;
            foreach (var (name, kvk, count) in list)
            {
                var email = $"contact@{Kernel.Slug.From(name.Replace(" (demo)", ""))}.example.org";
                var (organisation, _) = await organisations.AddAsync(studyId, groupId, name, kvk, email);
                foreach (var participantId in people.Skip(next).Take(count))
                    await organisations.AddMemberAsync(studyId, organisation!.Id, participantId);
                next += count;
            }
        }
    }
}
