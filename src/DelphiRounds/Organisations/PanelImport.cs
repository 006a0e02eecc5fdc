using System.ComponentModel.DataAnnotations;
using CsvHelper;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Studies;

namespace DelphiRounds.Organisations;

/// <summary>One line of a panel import: the person, their organisation and its stakeholder group.</summary>
public sealed record PanelLine(int Line, string Organisation, string Group, string? Name, string? Email, string? Language);

/// <summary>
/// What is wrong with one line of an import: <see cref="Field"/> is the column (<c>organisation</c>, <c>group</c>,
/// <c>name</c>, <c>email</c>, <c>language</c>) or <c>line</c> for the line as a whole; <see cref="Code"/> names the
/// problem (the page's text is <c>orgs.import.error.{Code}</c>); <see cref="Value"/> is what the line says.
/// </summary>
public sealed record ImportProblem(int Line, string Field, string Code, string Value = "")
{
    /// <summary>The problem in English, for the API.</summary>
    public string Message => Code switch
    {
        "columns" => "give organisation, group, name, e-mail and (optionally) language, separated by commas or semicolons.",
        "quotes" => "a quote (\") is not closed on this line.",
        "required" => $"{Field} is empty.",
        "tooLong" => $"{Field} is longer than 200 characters.",
        "controls" => $"{Field} contains direction overrides or zero-width characters.",
        "group" => $"this study has no stakeholder group '{Value}'.",
        "otherGroup" => $"organisation '{Value}' is in another stakeholder group.",
        "email" => $"'{Value}' is not an e-mail address (for example name@example.org).",
        "duplicateEmail" => $"'{Value}' is on the panel already or on an earlier line (a person belongs to one organisation).",
        "language" => $"'{Value}' is not a language: use nl (Dutch) or en (English).",
        "empty" => "there is no line to import.",
        "tooMany" => $"at most {PanelImport.MaxLines} lines at once.",
        _ => Code,
    };

    /// <summary>The field as the API's problem details name it: <c>csv[3].email</c> is the e-mail on line 3.</summary>
    public string Key => Field == "line" ? $"csv[{Line}]" : $"csv[{Line}].{Field}";
}

/// <summary>The outcome of an import: the people added (with their one-time links' tokens) or the problems, per line.</summary>
public sealed record PanelImportResult(
    IReadOnlyList<ImportProblem> Problems,
    IReadOnlyList<(PanelLine Line, Invitation Invitation, long OrganisationId)> Added,
    int OrganisationsCreated);

/// <summary>
/// The panel as a CSV paste or file: <c>organisation, group, name, e-mail, language</c> per line (comma, semicolon
/// or tab; a header line is recognised and skipped). Every line is checked first; one wrong line stores nothing.
/// An organisation not yet in the study is created in the group its first line names.
/// </summary>
public sealed class PanelImport(StudyStore studies, OrganisationStore organisations, ParticipantStore participants)
{
    public const int MaxLines = 2000;
    private static readonly string[] HeaderWords = ["organisation", "organisatie", "organization"];

    /// <summary>Reads the lines of the text (CsvHelper); problems of form (quotes, too few columns) per line.</summary>
    public static (IReadOnlyList<PanelLine> Lines, IReadOnlyList<ImportProblem> Problems) Parse(string text)
    {
        var lines = new List<PanelLine>();
        var problems = new List<ImportProblem>();
        var options = new CsvReaderOptions
        {
            HasHeader = false,
            TrackLineNumbers = true,
            TrimWhitespace = true,
            AllowLineBreaksInQuotes = false,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        using var reader = CsvReader.FromText(text.TrimStart('\uFEFF'), options);
        while (true)
        {
            try
            {
                if (!reader.Read()) break;
            }
            catch (CsvFormatException e)
            {
                problems.Add(new ImportProblem((int)Math.Max(1, e.LineNumber), "line", "quotes"));
                break;
            }
            var line = (int)reader.LineNumber;
            string Field(int i) => i < reader.FieldCount ? (reader.GetString(i) ?? "").Trim() : "";
            if (lines.Count == 0 && problems.Count == 0 && HeaderWords.Contains(Field(0).ToLowerInvariant())) continue;
            if (Enumerable.Range(0, reader.FieldCount).All(i => Field(i).Length == 0)) continue;
            if (reader.FieldCount < 4)
            {
                problems.Add(new ImportProblem(line, "line", "columns"));
                continue;
            }
            if (lines.Count + problems.Count >= MaxLines)
            {
                problems.Add(new ImportProblem(line, "line", "tooMany"));
                break;
            }
            static string? Null(string s) => s.Length == 0 ? null : s;
            lines.Add(new PanelLine(line, Field(0), Field(1), Null(Field(2)), Null(Field(3)), Null(Field(4))));
        }
        if (lines.Count == 0 && problems.Count == 0) problems.Add(new ImportProblem(1, "line", "empty"));
        return (lines, problems);
    }

    /// <summary>Times an import is checked again when the panel changed between its check and its store.</summary>
    private const int MaxChecks = 5;

    /// <summary>
    /// Checks every line against the study (groups, organisations, the panel's e-mail addresses), then stores all or nothing.
    /// When another import or form added an organisation or e-mail address between the check and the store, nothing is
    /// stored and the lines are checked again against the panel as it is now: a line then joins the organisation that was
    /// added, or is refused for its line (its e-mail address on the panel already, its organisation in another group).
    /// </summary>
    public async Task<PanelImportResult> ImportAsync(long studyId, string text)
    {
        for (var check = 1; ; check++)
        {
            if (await CheckAndStoreAsync(studyId, text) is { } result) return result;
            if (check == MaxChecks) throw new InvalidOperationException($"The panel of study {studyId} kept changing during {MaxChecks} checks of an import.");
        }
    }

    private async Task<PanelImportResult?> CheckAndStoreAsync(long studyId, string text)
    {
        var (lines, problems) = Parse(text);
        var problemList = problems.ToList();
        var groups = await studies.GroupsAsync(studyId);
        var existing = (await organisations.ListAsync(studyId)).ToDictionary(o => OrganisationStore.NameKey(o.Name));
        var emails = (await participants.PanelAsync(studyId)).Where(m => m.Email is not null).Select(m => m.Email!.ToLowerInvariant()).ToHashSet();
        var newOrganisations = new Dictionary<string, (long GroupId, string Name)>();
        var people = new List<(string, long, string?, string?, string?)>();
        var email = new EmailAddressAttribute();
        foreach (var l in lines)
        {
            var before = problemList.Count;
            void Problem(string field, string code, string value = "") => problemList.Add(new ImportProblem(l.Line, field, code, value));
            void Text(string field, string? value, bool required)
            {
                if (string.IsNullOrEmpty(value)) { if (required) Problem(field, "required"); }
                else if (value.Length > 200) Problem(field, "tooLong");
                else if (DisplayText.HasControls(value)) Problem(field, "controls");
            }
            Text("organisation", l.Organisation, true);
            var group = groups.FirstOrDefault(g => string.Equals(g.Slug, l.Group, StringComparison.OrdinalIgnoreCase)
                || string.Equals(g.NameNl, l.Group, StringComparison.OrdinalIgnoreCase) || string.Equals(g.NameEn, l.Group, StringComparison.OrdinalIgnoreCase));
            if (l.Group.Length == 0) Problem("group", "required");
            else if (group is null) Problem("group", "group", l.Group);
            Text("name", l.Name, true);
            if (l.Email is { } e)
            {
                if (e.Length > 320 || !email.IsValid(e)) Problem("email", "email", e);
                else if (!emails.Add(e.ToLowerInvariant())) Problem("email", "duplicateEmail", e);
            }
            if (l.Language is { } lang && lang.ToLowerInvariant() is not ("nl" or "en")) Problem("language", "language", lang);
            if (group is not null && l.Organisation.Length > 0)
            {
                var key = OrganisationStore.NameKey(l.Organisation);
                var organisationGroup = existing.TryGetValue(key, out var o) ? o.GroupId : newOrganisations.TryGetValue(key, out var n) ? n.GroupId : (long?)null;
                if (organisationGroup is { } og && og != group.Id) Problem("group", "otherGroup", l.Organisation);
                else if (organisationGroup is null) newOrganisations[key] = (group.Id, l.Organisation.Trim());
            }
            if (problemList.Count == before)
                people.Add((OrganisationStore.NameKey(l.Organisation), group!.Id, l.Name, l.Email, l.Language?.ToLowerInvariant() == "en" ? "en" : null));
        }
        if (problemList.Count > 0)
            return new PanelImportResult(problemList.OrderBy(p => p.Line).ToList(), [], 0);
        if (await organisations.ImportAsync(studyId, newOrganisations.Values.ToList(), people) is not { } added) return null;
        return new PanelImportResult([], lines.Zip(added, (l, a) => (l, a.Invitation, a.OrganisationId)).ToList(), newOrganisations.Count);
    }
}
