using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 14 item 4, before the close: while a round is open the facilitator's convergence page (which js/convergence.js
/// refreshes on every push) gives each item's full version-2 verdict — consensus for or against, polarised with its
/// poles, stable dissent, continue — judged as the close would judge it, but on the figures released so far (threshold
/// release k), never on answers the release still holds back.
/// </summary>
public sealed class LiveVerdictTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static string Article(string html, long itemId) =>
        Regex.Replace(Regex.Match(html, $"id=\"convergence-item-{itemId}\".*?</article>", RegexOptions.Singleline).Value, @"\s+", " ");

    [Fact]
    public async Task The_open_round_shows_consensus_against_and_a_polarised_item_with_its_poles_from_the_released_figures()
    {
        var s = await Scenario.CreateAsync(app);
        // Participants 0–2 grid operators, 3–5 housing, 6–8 residents. 1–7 item: all in 1–2 (the "no" band).
        // 1–5 item: grid operators 5 5 5, housing 5 5 4, residents 1 1 1: polarised, grid operators and housing for, residents against.
        int[] polarised = [5, 5, 5, 5, 5, 4, 1, 1, 1];
        async Task AnswerAsync(long roundId, int i) =>
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, roundId, new { itemId = s.SevenPointItem, value = 1 + i % 2 }), HttpStatusCode.Created);
        async Task AnswerFiveAsync(long roundId, int i, int value) =>
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, roundId, new { itemId = s.FivePointItem, value }), HttpStatusCode.Created);

        for (var i = 0; i < 9; i++)
        {
            await AnswerAsync(s.RoundId, i);
            await AnswerFiveAsync(s.RoundId, i, polarised[i]);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var round2 = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/open", null), HttpStatusCode.OK);

        // Group by group, three people at a time: each group's three answers are released whole (the stats read releases
        // what may be released), whenever the push ticks.
        for (var g = 0; g < 3; g++)
        {
            for (var i = 3 * g; i < 3 * g + 3; i++)
            {
                await AnswerAsync(round2, i);
                await AnswerFiveAsync(round2, i, polarised[i]);
            }
            await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{round2}/stats"), HttpStatusCode.OK);
        }
        // Two residents now say 5: by the raw answers the 1–5 item would be a consensus for (8 of 9 in 4–5), but two
        // changes are fewer than k, so nobody sees them yet — and the verdict does not count them either.
        await AnswerFiveAsync(round2, 6, 5);
        await AnswerFiveAsync(round2, 7, 5);
        var stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{round2}/stats"), HttpStatusCode.OK);
        var five = Scenario.ItemStats(stats, s.FivePointItem).GetProperty("overall");
        Assert.Equal(9, five.GetProperty("n").GetInt32());
        Assert.Equal(3, five.GetProperty("distribution").GetProperty("1").GetInt32());

        var facilitator = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        foreach (var (culture, reason, camps, soFar) in new[]
        {
            ("nl", "9 van de 9 kozen 1 of 2; 70% was nodig.", "Twee kampen. Eens: Netbeheerders, Woningcorporaties. Oneens: Bewoners.", "tot nu toe: "),
            ("en", "9 of 9 chose 1 or 2; 70 % was needed.", "Two camps. For: Grid operators, Housing corporations. Against: Residents.", "so far: "),
        })
        {
            var html = await facilitator.GetStringAsync($"/f/studies/{s.StudyId}/convergence?culture={culture}");
            var against = Article(html, s.SevenPointItem);
            Assert.Contains("data-live-verdict=\"consensus-against\" data-live-outcome=\"consensus-against\" data-live-round=\"2\" data-live-n=\"9\"", against);
            Assert.Matches($"data-live-verdict=.*?<li data-reason>{Regex.Escape(reason)}</li>", against);
            Assert.Contains(soFar, against);
            // Round 1's verdict stays what its close said: not yet a consensus (no feedback before it).
            Assert.Contains("data-verdict=\"continue\"", against);

            var split = Article(html, s.FivePointItem);
            // Settled as on round 1's released answers (net change 0): stable dissent, read as polarised with its poles.
            Assert.Contains("data-live-verdict=\"stable-dissent\" data-live-outcome=\"polarised\" data-live-round=\"2\" data-live-n=\"9\"", split);
            Assert.Matches($"data-live-verdict=.*?<li data-reason>{Regex.Escape(camps)}</li>", split);
            Assert.Matches("data-live-verdict=.*?data-poles-for=\"grid-operators,housing\" data-poles-against=\"residents\"", split);
            Assert.DoesNotContain("data-live-outcome=\"consensus-for\"", split);
        }

        // Participants' pages never carry a verdict.
        var participant = app.Client();
        Assert.DoesNotContain("data-live-verdict", await participant.GetStringAsync($"/p/{s.Participants[0].Token}"));
    }
    /// <summary>
    /// The facilitator's live push carries each item's verdict on the released figures — the one the convergence page
    /// shows at the same moment — and a participant following the same round gets the same figures without it.
    /// </summary>
    [Fact]
    public async Task The_facilitators_push_carries_the_live_verdict_and_the_participants_push_does_not()
    {
        var s = await Scenario.CreateAsync(app);
        async Task AnswerAsync(long roundId, int i) =>
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, roundId, new { itemId = s.SevenPointItem, value = 1 + i % 2 }), HttpStatusCode.Created);
        for (var i = 0; i < 9; i++) await AnswerAsync(s.RoundId, i);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var round2 = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/open", null), HttpStatusCode.OK);

        var toFacilitator = Channel.CreateUnbounded<JsonElement>();
        var toParticipant = Channel.CreateUnbounded<JsonElement>();
        await using var facilitator = app.Hub(s.FacilitatorToken);
        facilitator.On<JsonElement>("StatsUpdated", u => toFacilitator.Writer.TryWrite(u));
        await using var participant = app.Hub(s.Participants[8].Token);
        participant.On<JsonElement>("StatsUpdated", u => toParticipant.Writer.TryWrite(u));
        await facilitator.StartAsync();
        await participant.StartAsync();
        await facilitator.InvokeAsync("JoinRound", round2);
        await participant.InvokeAsync("JoinRound", round2);

        // Three at a time, each three released before the next come in (the stats read releases what may be released): with
        // k = 3 a release is always a whole three, so the ninth answer is never the one held back (one change alone stays
        // unseen until two more come, or the round closes).
        for (var i = 0; i < 9; i++)
        {
            await AnswerAsync(round2, i);
            if (i % 3 == 2) await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{round2}/stats"), HttpStatusCode.OK);
        }

        static async Task<JsonElement> AllNineAsync(Channel<JsonElement> pushes, long itemId, List<JsonElement> seen)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                JsonElement update;
                try { update = await pushes.Reader.ReadAsync(cts.Token); }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"no push with all nine answers of item {itemId}; seen: " + string.Join(" | ", seen.Select(i => i.GetRawText())));
                    throw;
                }
                foreach (var item in update.GetProperty("items").EnumerateArray())
                {
                    seen.Add(item.Clone());
                    if (item.GetProperty("itemId").GetInt64() == itemId && item.GetProperty("overall").GetProperty("n").GetInt32() == 9) return item.Clone();
                }
            }
        }
        var facilitatorSeen = new List<JsonElement>();
        var participantSeen = new List<JsonElement>();
        var judged = await AllNineAsync(toFacilitator, s.SevenPointItem, facilitatorSeen);
        var figures = await AllNineAsync(toParticipant, s.SevenPointItem, participantSeen);

        var verdict = judged.GetProperty("verdict");
        Assert.Equal(s.SevenPointItem, verdict.GetProperty("itemId").GetInt64());
        Assert.Equal(2, verdict.GetProperty("round").GetInt32());
        Assert.Equal("consensus-against", verdict.GetProperty("verdict").GetString());
        Assert.Equal("consensus-against", verdict.GetProperty("outcome").GetString());
        // The same verdict as the convergence page's live verdict on the same released figures.
        var page = await (await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken)).GetStringAsync($"/f/studies/{s.StudyId}/convergence");
        Assert.Contains("data-live-verdict=\"consensus-against\" data-live-outcome=\"consensus-against\" data-live-round=\"2\" data-live-n=\"9\"", Article(page, s.SevenPointItem));

        // The participant got the same figures, and no verdict in any push.
        Assert.Equal(judged.GetProperty("overall").GetProperty("median").GetDouble(), figures.GetProperty("overall").GetProperty("median").GetDouble());
        Assert.Equal(judged.GetProperty("version").GetInt64(), figures.GetProperty("version").GetInt64());
        Assert.NotEmpty(participantSeen);
        Assert.All(participantSeen, item => Assert.False(item.TryGetProperty("verdict", out _), "a participant's push carried a verdict: " + item));

        // The stats snapshot gives the facilitator the same live verdict (a reconnecting screen starts from it); the participant none.
        var stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{round2}/stats"), HttpStatusCode.OK);
        var snapshot = stats.GetProperty("liveVerdicts").EnumerateArray().Single(v => v.GetProperty("itemId").GetInt64() == s.SevenPointItem);
        Assert.Equal(verdict.GetRawText(), snapshot.GetRawText());
        var participantStats = await Scenario.Expect(await app.Client(s.Participants[8].Token).GetAsync($"/api/v1/rounds/{round2}/stats"), HttpStatusCode.OK);
        Assert.False(participantStats.TryGetProperty("liveVerdicts", out _));
        Assert.False(participantStats.TryGetProperty("verdicts", out _));
        // Once the round is closed its verdicts are the close's, and the live ones are gone.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/close", null), HttpStatusCode.OK);
        var closed = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{round2}/stats"), HttpStatusCode.OK);
        Assert.False(closed.TryGetProperty("liveVerdicts", out _));
        Assert.Equal("consensus-against", closed.GetProperty("verdicts").EnumerateArray().Single(v => v.GetProperty("itemId").GetInt64() == s.SevenPointItem).GetProperty("verdict").GetString());
    }
}
