using System.Text.RegularExpressions;
using DelphiRounds.Organisations;
using DelphiRounds.Panel;
using DelphiRounds.Studies;

namespace DelphiRounds.Answers;

/// <summary>A word or phrase that would point to the author of a text, and what it is (<see cref="IdentifyingText"/>'s kinds).</summary>
public sealed record AuthorTerm(string Kind, string Term);

/// <summary>
/// Finds what in a participant's free text (a rationale, which the panel reads as an argument) looks like it
/// names its author (issue 15, item 6): their own name, their own stakeholder group, their organisation, or any
/// e-mail address. The participant is warned before it is published, not stopped; what was found is kept with
/// the text for the facilitator, who can hide it.
/// </summary>
public static partial class IdentifyingText
{
    public const string Name = "name";
    public const string Email = "email";
    public const string Group = "group";
    public const string Organisation = "organisation";

    /// <summary>Name parts shorter than this are not looked for alone ("de", "van", "Li"): too many false alarms.</summary>
    private const int MinPartLength = 4;

    [GeneratedRegex(@"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailAddress();

    /// <summary>The kinds found in <paramref name="text"/> (in the order name, email, group, organisation), empty when none.</summary>
    public static IReadOnlyList<string> Find(string? text, IEnumerable<AuthorTerm> terms)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (EmailAddress().IsMatch(text)) found.Add(Email);
        foreach (var term in terms)
            if (!found.Contains(term.Kind) && Contains(text, term.Term)) found.Add(term.Kind);
        return new[] { Name, Email, Group, Organisation }.Where(found.Contains).ToList();
    }

    /// <summary>True when <paramref name="term"/> stands in <paramref name="text"/> as a word or words of its own (any case).</summary>
    private static bool Contains(string text, string term)
    {
        term = term.Trim();
        if (term.Length == 0) return false;
        return Regex.IsMatch(text, @"(?<![\p{L}\p{N}])" + Regex.Escape(term) + @"(?![\p{L}\p{N}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// The terms to look for from a person's identity and group: the full name and each of its parts of at least
    /// four letters, the e-mail address and its part before the @, and the group's name in both languages.
    /// Further kinds (the organisation's name, when the panel records one) are added by the caller.
    /// </summary>
    public static IEnumerable<AuthorTerm> TermsOf(string? name, string? email, StakeholderGroup? group)
    {
        if (!string.IsNullOrWhiteSpace(name))
        {
            yield return new AuthorTerm(Name, name);
            foreach (var part in name.Split([' ', '-', '\''], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (part.Length >= MinPartLength && part.Any(char.IsLetter)) yield return new AuthorTerm(Name, part);
        }
        if (!string.IsNullOrWhiteSpace(email))
        {
            yield return new AuthorTerm(Email, email);
            var local = email.Split('@')[0];
            if (local.Length >= MinPartLength) yield return new AuthorTerm(Email, local);
        }
        if (group is not null)
            foreach (var groupName in new[] { group.NameNl, group.NameEn })
                if (!string.IsNullOrWhiteSpace(groupName)) yield return new AuthorTerm(Group, groupName);
    }
}

/// <summary>
/// The terms that would point to one participant (<see cref="IdentifyingText.TermsOf"/>): their identity from the
/// panel, their own group from the study and the name of the organisation they belong to (issue 18).
/// </summary>
public sealed class AuthorTerms(ParticipantStore participants, StudyStore studies, OrganisationStore organisations)
{
    public async Task<IReadOnlyList<AuthorTerm>> ForAsync(Answerer who)
    {
        var (name, email) = await participants.IdentityAsync(who.ParticipantId);
        var group = (await studies.GroupsAsync(who.StudyId)).FirstOrDefault(g => g.Id == who.GroupId);
        var terms = IdentifyingText.TermsOf(name, email, group).ToList();
        if (await organisations.NameOfMemberAsync(who.ParticipantId) is { } organisation && !string.IsNullOrWhiteSpace(organisation))
            terms.Add(new AuthorTerm(IdentifyingText.Organisation, organisation));
        return terms;
    }
}
