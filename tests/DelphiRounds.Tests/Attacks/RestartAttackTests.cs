using System.Net;
using System.Text.Json;
using DelphiRounds.Live;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Attacks;

/// <summary>
/// Issue 15: threshold release across a restart. A participant who read the figures before the service restarted
/// reads them again after: had the new process released what the database holds, the difference would be the
/// answers held back before the restart — one or two people's. It must go on from the last release instead.
/// </summary>
public sealed class RestartAttackTests
{
    private const int K = ReleaseThreshold.K;

    [Fact]
    public async Task After_a_restart_the_figures_are_the_last_ones_released_and_move_only_by_at_least_three_answers()
    {
        var app = new DelphiApp();
        try
        {
            // Everyone who answers is a grid operator (ten of them), so the group moves with the panel.
            var s = await Scenario.CreateAsync(app, perGroup: 10);
            var reader = s.Participants[29];
            for (var i = 0; i < 5; i++) await Answer(app, s, i, value: 2);
            // The publisher may have released at 3, 4 or 5 answers (it ticks while they come in).
            var before = await FiguresAsync(app, s, reader.Token);
            var shown = before.GetProperty("overall").GetProperty("n").GetInt32();
            Assert.InRange(shown, K, 5);
            // Answers up to two past the release: held back (fewer than k since the last release).
            var answered = 5;
            for (; answered < shown + 2; answered++) await Answer(app, s, answered, value: 7);
            Assert.Equal(before.GetRawText(), (await FiguresAsync(app, s, reader.Token)).GetRawText());

            app = app.Restart();
            var after = await FiguresAsync(app, s, reader.Token);
            // The same figures as before the restart, not the database's (which would give the two held answers away).
            Assert.Equal(before.GetProperty("overall").GetRawText(), after.GetProperty("overall").GetRawText());
            Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
            // The facilitator sees the same.
            Assert.Equal(shown, (await FiguresAsync(app, s, s.FacilitatorToken)).GetProperty("overall").GetProperty("n").GetInt32());

            // The two held answers count towards the next release: one more makes three people.
            await Answer(app, s, answered, value: 7);
            var next = await FiguresAsync(app, s, reader.Token);
            Assert.Equal(shown + K, next.GetProperty("overall").GetProperty("n").GetInt32());
            Assert.True(next.GetProperty("version").GetInt64() > after.GetProperty("version").GetInt64());

            // Restarted again right away: still the last release.
            app = app.Restart();
            Assert.Equal(next.GetProperty("overall").GetRawText(), (await FiguresAsync(app, s, reader.Token)).GetProperty("overall").GetRawText());
        }
        finally
        {
            app.Dispose();
        }
    }

    private static async Task Answer(DelphiApp app, Scenario s, int participant, int value) =>
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[participant].Token, s.RoundId, new { itemId = s.SevenPointItem, value }), HttpStatusCode.Created);

    private static async Task<JsonElement> FiguresAsync(DelphiApp app, Scenario s, string token) =>
        Scenario.ItemStats(await Scenario.Expect(await app.Client(token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK), s.SevenPointItem);
}
