using DelphiRounds.Demo;
using DelphiRounds.Rounds;
using Microsoft.Extensions.DependencyInjection;

using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

public sealed class DemoTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task The_demo_seeds_the_Rotterdam_study_with_round_one_open_and_about_70_percent_answered()
    {
        var seeder = app.Services.GetRequiredService<DemoSeeder>();
        Assert.True(await seeder.IsEmptyAsync());
        var access = await seeder.SeedAsync();
        Assert.False(await seeder.IsEmptyAsync());

        Assert.Equal(3, access.ParticipantLinks.Count);
        Assert.All(access.ParticipantLinks, l => Assert.Matches("/p/dlp_[A-Za-z0-9_-]{43}$", l.Url));
        Assert.StartsWith("dlf_", access.ApiToken);
        Assert.Equal(6, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM stakeholder_groups WHERE study_id = {access.StudyId}"));
        var participants = DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM participants WHERE study_id = {access.StudyId}");
        Assert.InRange(participants, 36, 44);
        Assert.Equal(8, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM items WHERE study_id = {access.StudyId}"));
        var round = (await app.Services.GetRequiredService<RoundStore>().CurrentAsync(access.StudyId))!;
        Assert.Equal(RoundStates.Open, round.State);
        var answered = DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(DISTINCT participant_id) FROM answers WHERE round_id = {round.Id}");
        Assert.InRange(answered / (double)participants, 0.6, 0.8);

        // The printed links work and lead to a questionnaire not yet filled in.
        var browser = app.Client();
        Assert.All(access.ParticipantLinks, l => Assert.StartsWith(app.Address.ToString(), l.Url));
        var page = await browser.GetStringAsync(access.ParticipantLinks[0].Url);
        Assert.Contains("Warmtevisie Rotterdam 2030", page);
        Assert.Contains("0 van 8 beantwoord", page);
    }
}
