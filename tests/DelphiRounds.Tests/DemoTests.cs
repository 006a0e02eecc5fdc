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
        // Issue 18: fifteen fictional organisations, three in each of the five organised groups, the larger sending two or three people;
        // residents speak for themselves. The finished study has the same table.
        foreach (var studyId in new[] { access.StudyId, access.Finished!.StudyId })
        {
            Assert.Equal(15, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM organisations WHERE study_id = {studyId}"));
            Assert.Equal(5, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(DISTINCT group_id) FROM organisations WHERE study_id = {studyId}"));
            Assert.Equal(33, DatabaseDump.Count(app.DatabasePath,
                $"SELECT COUNT(*) FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id JOIN participants p ON p.id = m.participant_id AND p.group_id = o.group_id WHERE o.study_id = {studyId}"));
            Assert.Equal(0, DatabaseDump.Count(app.DatabasePath,
                $"SELECT COUNT(*) FROM organisations o WHERE o.study_id = {studyId} AND (SELECT COUNT(*) FROM organisation_members m WHERE m.organisation_id = o.id) NOT BETWEEN 1 AND 3"));
            Assert.Equal(0, DatabaseDump.Count(app.DatabasePath,
                $"SELECT COUNT(*) FROM organisations o JOIN stakeholder_groups g ON g.id = o.group_id WHERE o.study_id = {studyId} AND g.slug = 'residents'"));
        }
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
