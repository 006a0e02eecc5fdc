using System.Text.Json;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Convergence;
using DelphiRounds.Demo;
using DelphiRounds.Items;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 18, item 3 on the demo's own seed case: the finished Rotterdam study's last round, judged on the same answers
/// with one voice per person (its locked rules) and with one voice per organisation — side by side. Each unit gives its
/// own figures and verdict: with organisations, n counts the organisations that answered (a resident in none speaks
/// for themselves), never more than the people.
/// </summary>
public sealed class DemoVoiceUnitTests(DelphiApp app, ITestOutputHelper output) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task The_demo_study_judged_per_person_and_per_organisation_on_the_same_answers_side_by_side()
    {
        var access = await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        var studyId = access.Finished!.StudyId;
        var study = (await app.Services.GetRequiredService<StudyStore>().FindAsync(studyId))!;
        var rounds = app.Services.GetRequiredService<RoundStore>();
        var answers = app.Services.GetRequiredService<AnswerStore>();
        var items = (await app.Services.GetRequiredService<ItemStore>().ListAsync(studyId)).ToDictionary(i => i.Id);
        var closed = (await rounds.ListAsync(studyId)).Where(r => r.State == RoundStates.Closed && r.Kind == RoundKinds.Rating).OrderBy(r => r.Number).ToList();
        var last = closed[^1];
        var previous = await answers.CurrentAsync(closed[^2].Id);
        var current = await answers.CurrentAsync(last.Id);
        var perPerson = study.Rules;
        Assert.Equal(VoiceUnit.Person, perPerson.VoiceUnit);
        var perOrganisation = perPerson.WithUnit(VoiceUnit.Organisation);

        var lines = new List<string> { $"{"item",-6} {"person: n, median, verdict",-40} organisation: n, median, verdict" };
        var differ = 0;
        var judged = 0;
        foreach (var ri in await rounds.ItemsAsync(last.Id))
        {
            var item = items[ri.ItemId];
            if (!ItemKinds.IsNumberLike(item.Kind)) continue;
            var byPerson = ConvergenceService.Judge(item, perPerson, current, previous, last.Number, null);
            var byOrganisation = ConvergenceService.Judge(item, perOrganisation, current, previous, last.Number, null);
            Assert.NotNull(byPerson);
            Assert.NotNull(byOrganisation);
            var p = JsonDocument.Parse(byPerson.Value.Json).RootElement;
            var o = JsonDocument.Parse(byOrganisation.Value.Json).RootElement;
            // The units' n: people with a value, and the distinct organisations (or lone people) among them.
            var valued = current.Where(a => a.ItemId == item.Id && a.Value is not null).ToList();
            Assert.Equal(valued.Count, p.GetProperty("n").GetInt32());
            Assert.Equal(valued.Select(AnalysisInputs.OrganisationKey).Distinct().Count(), o.GetProperty("n").GetInt32());
            Assert.True(o.GetProperty("n").GetInt32() < p.GetProperty("n").GetInt32(), $"item {item.Id}: the demo's organisations send more than one person");
            judged++;
            if (byPerson.Value.Verdict != byOrganisation.Value.Verdict || Figure(p, "median") != Figure(o, "median")
                || Figure(p, "agreement") != Figure(o, "agreement") || Figure(p, "iqr") != Figure(o, "iqr"))
                differ++;
            lines.Add($"{item.Id,-6} {$"{p.GetProperty("n")}, {p.GetProperty("median")}, {byPerson.Value.Verdict}",-40} {o.GetProperty("n")}, {o.GetProperty("median")}, {byOrganisation.Value.Verdict}");
        }
        output.WriteLine($"Demo study {studyId}, round {last.Number}, the same answers judged per person and per organisation:");
        foreach (var line in lines) output.WriteLine(line);
        Assert.True(judged >= 5, $"only {judged} items judged");
        // Counting organisations instead of people changes the figures of at least one item: the units are not the same.
        Assert.True(differ > 0, string.Join("\n", lines));
    }

    private static double? Figure(JsonElement analysis, string name) =>
        analysis.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
