using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DelphiRounds.Demo;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 21, done when: the demo continues past the signature — on the <c>delphi demo</c> command's clock the finished study
/// is signed two years ago, and its agenda holds two years of quarterly measurements for three indicators (one on track,
/// one behind, one ahead of the straight path to the signed target), six commitments by signing organisations (one late,
/// one done) and two experiments with dated notes; all appended through the services, so the whole ledger verifies and
/// any changed entry makes it fail.
/// </summary>
public sealed class AgendaDemoTests(DemoClockApp app) : IClassFixture<DemoClockApp>
{
    [Fact]
    public async Task The_demo_agenda_has_two_years_of_measurements_six_commitments_and_two_experiments_in_a_ledger_that_verifies()
    {
        var access = await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        var agenda = Assert.IsType<AgendaDemoResult>(access.Agenda);
        var studyId = agenda.StudyId;
        Assert.Equal(access.Finished!.StudyId, studyId);
        Assert.EndsWith($"/agenda/{studyId}", access.AgendaUrl);
        Assert.Contains("After signing, public agenda page:         " + access.AgendaUrl,
            DelphiRounds.Cli.Admin.DemoCommand.Describe(access, app.Address.ToString().TrimEnd('/')));
        // The clock is back on today, and the vision was signed a little over two years before it.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.InRange(today.DayNumber - agenda.SignedOn.DayNumber, 2 * 365, 2 * 365 + 30);
        Assert.InRange(app.Services.GetRequiredService<TimeProvider>().GetUtcNow(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        var ledger = JsonNode.Parse(await app.Client().GetStringAsync($"/api/v1/studies/{studyId}/ledger"))!.AsObject();
        var result = LedgerVerifier.Verify(ledger);
        Assert.True(result.Verifies, result.Message);
        var entries = ledger["entries"]!.AsArray();
        string Kind(JsonNode? e) => e!["kind"]!.GetValue<string>();
        Assert.Equal(27, entries.Count(e => Kind(e) == "measurement")); // three indicators, nine quarters
        Assert.Equal(6, entries.Count(e => Kind(e) == "commitment"));
        Assert.Equal(1, entries.Count(e => Kind(e) == "progress"));
        // The agenda's entries come after the signatures, in the order they happened.
        var lastSignature = entries.Select((e, i) => (e, i)).Last(x => Kind(x.e) is "endorsement" or "withdrawal" or "confirmation").i;
        Assert.All(entries.Skip(lastSignature + 1), e => Assert.Contains(Kind(e), new[] { "measurement", "commitment", "progress" }));
        // Any entry changed: the ledger no longer verifies.
        var firstMeasurement = entries.Select((e, i) => (e, i)).First(x => Kind(x.e) == "measurement").i;
        var tampered = LedgerTampering.Copy(ledger);
        tampered["entries"]![firstMeasurement]!["statement"] = tampered["entries"]![firstMeasurement]!["statement"]!.GetValue<string>() + " ";
        Assert.False(LedgerVerifier.Verify(tampered).Verifies);

        var facilitator = app.Client(access.ApiToken);
        var commitments = await Scenario.Expect(await facilitator.GetAsync($"/api/v1/studies/{studyId}/agenda/commitments"), System.Net.HttpStatusCode.OK);
        var statuses = commitments.EnumerateArray().Select(c => c.GetProperty("status").GetString()).ToList();
        Assert.Equal(6, statuses.Count);
        Assert.Equal(1, statuses.Count(s => s == "done"));
        Assert.Equal(1, statuses.Count(s => s == "late"));
        Assert.Equal(4, statuses.Count(s => s == "open"));
        // Six different signing organisations, none of them the one that withdrew.
        Assert.Equal(6, commitments.EnumerateArray().Select(c => c.GetProperty("organisation").GetString()).Distinct().Count());

        var page = await app.Client().GetStringAsync($"/agenda/{studyId}");
        Assert.Equal(3, Regex.Count(page, "<svg class=\"agenda-chart\""));
        Assert.Equal(new[] { "OnTrack", "Behind", "Ahead" }, Regex.Matches(page, "data-progress=\"(\\w+)\"").Select(m => m.Groups[1].Value));
        Assert.Equal(2, Regex.Count(page, "data-experiment=\""));
        Assert.Equal(5, Regex.Count(page, "data-experiment-note"));
        Assert.Contains("Proefwijk Bloemhof", page);
        // The due dates of the four open commitments are in the calendar feed.
        var calendar = await app.Client().GetStringAsync($"/agenda/{studyId}/due-dates.ics");
        Assert.True(Regex.Count(calendar, "BEGIN:VEVENT") >= 4, calendar);
    }
}
