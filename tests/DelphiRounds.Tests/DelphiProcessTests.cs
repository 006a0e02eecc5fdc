using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace DelphiRounds.Tests;

/// <summary>The Delphi process over several rounds: item kinds, round 0, changelog, retirement, modes, arguments.</summary>
public sealed class DelphiProcessTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static async Task<long> AddItemAsync(Scenario s, object body) =>
        (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items", body), HttpStatusCode.Created))
        .GetProperty("id").GetInt64();

    private static async Task<long> NextRoundAsync(Scenario s, string mode = "live", bool open = true)
    {
        var round = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode }), HttpStatusCode.Created))
            .GetProperty("id").GetInt64();
        if (open) await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round}/open", null), HttpStatusCode.OK);
        return round;
    }

    private static Task Close(Scenario s, long roundId) =>
        Scenario.Expect(s.Facilitator.PostAsync($"/api/v1/rounds/{roundId}/close", null).Result, HttpStatusCode.OK);

    [Fact]
    public async Task Every_item_kind_validates_its_answers_with_a_message_naming_the_field()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var share = await AddItemAsync(s, new { kind = "numeric", text = new { nl = "Aandeel woningen op een warmtenet in 2030" }, unit = "%", rangeMin = 0, rangeMax = 100, threePoint = true });
        var pj = await AddItemAsync(s, new { kind = "numeric", text = new { nl = "Restwarmte geleverd aan de stad" }, unit = "PJ/jaar", rangeMin = 0, rangeMax = 50 });
        var year = await AddItemAsync(s, new { kind = "year", text = new { nl = "Jaar waarin de leiding in gebruik is" }, rangeMin = 2025, rangeMax = 2045 });
        var rank = await AddItemAsync(s, new { kind = "ranking", text = new { nl = "Wie financiert de ruggengraat?" },
            options = new[] { new { key = "municipality", nl = "Gemeente" }, new { key = "grid", nl = "Netbeheerder" }, new { key = "state", nl = "Rijk/EU" } } });
        var open = await AddItemAsync(s, new { kind = "text", text = new { nl = "Wat moet er geregeld zijn?" } });
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var p = s.Participants[0].Token;

        async Task Refused(object body, string field)
        {
            var before = DatabaseDump.Take(app.DatabasePath);
            var r = await Scenario.AnswerAsync(app, p, s.RoundId, body);
            var json = await r.ReadAsync();
            Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{body}: {json}");
            Assert.True(json.GetProperty("errors").TryGetProperty(field, out _), $"{field} not named: {json}");
            Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        }
        await Refused(new { itemId = share, value = 30 }, "low");
        await Refused(new { itemId = share, value = 30, low = 40, high = 50 }, "low");
        await Refused(new { itemId = share, value = 30, low = 20, high = 25 }, "high");
        await Refused(new { itemId = share, value = 130, low = 20, high = 140 }, "value");
        await Refused(new { itemId = pj, value = 12, low = 10 }, "low");
        await Refused(new { itemId = pj, value = -1 }, "value");
        await Refused(new { itemId = year, value = 2031.5 }, "value");
        await Refused(new { itemId = year, value = 2050 }, "value");
        await Refused(new { itemId = rank, ranks = new Dictionary<string, int> { ["municipality"] = 1, ["grid"] = 2 } }, "ranks.state");
        await Refused(new { itemId = rank, ranks = new Dictionary<string, int> { ["municipality"] = 1, ["grid"] = 1, ["state"] = 3 } }, "ranks");
        await Refused(new { itemId = rank, ranks = new Dictionary<string, int> { ["municipality"] = 1, ["grid"] = 2, ["state"] = 3, ["moon"] = 4 } }, "ranks.moon");
        await Refused(new { itemId = open, text = "  " }, "text");

        await Scenario.Expect(await Scenario.AnswerAsync(app, p, s.RoundId, new { itemId = share, low = 20, value = 30.5, high = 45 }), HttpStatusCode.Created);
        await Scenario.Expect(await Scenario.AnswerAsync(app, p, s.RoundId, new { itemId = pj, value = 12.5 }), HttpStatusCode.Created);
        await Scenario.Expect(await Scenario.AnswerAsync(app, p, s.RoundId, new { itemId = year, value = 2031 }), HttpStatusCode.Created);
        var ranked = await Scenario.Expect(await Scenario.AnswerAsync(app, p, s.RoundId,
            new { itemId = rank, ranks = new Dictionary<string, int> { ["municipality"] = 2, ["grid"] = 1, ["state"] = 3 } }), HttpStatusCode.Created);
        Assert.Equal(1, ranked.GetProperty("ranks").GetProperty("grid").GetInt32());
        await Scenario.Expect(await Scenario.AnswerAsync(app, p, s.RoundId, new { itemId = open, text = "Een betaalbare aansluiting." }), HttpStatusCode.Created);

        // Two more give the same answers: figures are shown from three answers on (threshold release).
        foreach (var q in s.Participants.Skip(1).Take(2).Select(x => x.Token))
        {
            await Scenario.Expect(await Scenario.AnswerAsync(app, q, s.RoundId, new { itemId = share, low = 20, value = 30.5, high = 45 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, q, s.RoundId, new { itemId = year, value = 2031 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, q, s.RoundId,
                new { itemId = rank, ranks = new Dictionary<string, int> { ["municipality"] = 2, ["grid"] = 1, ["state"] = 3 } }), HttpStatusCode.Created);
        }

        var stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        Assert.Equal(30.5, Scenario.ItemStats(stats, share).GetProperty("overall").GetProperty("median").GetDouble());
        Assert.Equal(3, Scenario.ItemStats(stats, rank).GetProperty("ranking").GetProperty("m").GetInt32());
        Assert.Equal(2031, Scenario.ItemStats(stats, year).GetProperty("overall").GetProperty("median").GetDouble());
    }

    [Fact]
    public async Task Round_zero_ideas_become_items_that_remember_where_they_came_from()
    {
        var (_, token, _, _) = await app.FacilitatorAsync();
        var f = app.Client(token);
        var study = await Scenario.Expect(await f.PostJsonAsync("/api/v1/studies", new { title = "Ideeën", groups = new[] { new { name = "Bewoners" } } }), HttpStatusCode.Created);
        var studyId = study.GetProperty("id").GetInt64();
        var question = (await Scenario.Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/items", new { kind = "text", text = new { nl = "Wat moet er geregeld zijn om mee te doen?" } }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var p = (await Scenario.Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/participants", new { group = "bewoners" }), HttpStatusCode.Created)).GetProperty("token").GetString()!;
        var round0 = (await Scenario.Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { kind = "ideas" }), HttpStatusCode.Created));
        Assert.Equal(0, round0.GetProperty("number").GetInt32());
        var round0Id = round0.GetProperty("id").GetInt64();
        await Scenario.Expect(await f.PostAsync($"/api/v1/rounds/{round0Id}/open", null), HttpStatusCode.OK);
        // Round 0 does not lock the criteria: only round 1 does.
        var criteria = await Scenario.Expect(await f.GetAsync($"/api/v1/studies/{studyId}/criteria"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, criteria.GetProperty("lockedAt").ValueKind);
        var idea = (await Scenario.Expect(await Scenario.AnswerAsync(app, p, round0Id, new { itemId = question, text = "Zekerheid over de prijs." }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await f.PostAsync($"/api/v1/rounds/{round0Id}/close", null), HttpStatusCode.OK);

        var refused = await f.PostJsonAsync($"/api/v1/studies/{studyId}/items", new { kind = "rating", text = new { nl = "x" }, scale = new { min = 1, max = 7 }, sourceAnswerIds = new[] { 999999L } });
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.True((await refused.ReadAsync()).GetProperty("errors").TryGetProperty("sourceAnswerIds", out _));

        var merged = await AddItemAsync(new Scenario(f, token, studyId, 0, [], []), new
        {
            kind = "rating", text = new { nl = "De warmteprijs ligt vast voor tien jaar." }, scale = new { min = 1, max = 7 }, sourceAnswerIds = new[] { idea },
        });
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM item_sources WHERE item_id = {merged} AND answer_id = {idea}"));

        var round1 = (await Scenario.Expect(await f.PostJsonAsync($"/api/v1/studies/{studyId}/rounds", new { mode = "live" }), HttpStatusCode.Created));
        Assert.Equal(1, round1.GetProperty("number").GetInt32());
        var round1Id = round1.GetProperty("id").GetInt64();
        await Scenario.Expect(await f.PostAsync($"/api/v1/rounds/{round1Id}/open", null), HttpStatusCode.OK);
        // Round 1 asks the new item, not round 0's open question.
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM round_items WHERE round_id = {round1Id}"));
        Assert.Equal(merged, DatabaseDump.Count(app.DatabasePath, $"SELECT item_id FROM round_items WHERE round_id = {round1Id}"));
        criteria = await Scenario.Expect(await f.GetAsync($"/api/v1/studies/{studyId}/criteria"), HttpStatusCode.OK);
        Assert.NotEqual(JsonValueKind.Null, criteria.GetProperty("lockedAt").ValueKind);
    }

    [Fact]
    public async Task A_reworded_item_carries_its_changelog_into_the_next_round()
    {
        var s = await Scenario.CreateAsync(app);
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[0].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4 }), HttpStatusCode.Created);
        // Not while the round that asks it is open.
        var early = await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SevenPointItem}/reword",
            new { text = new { nl = "Nieuwe tekst" }, reason = new { nl = "Verduidelijkt" } });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        await Close(s, s.RoundId);
        var missingReason = await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SevenPointItem}/reword", new { text = new { nl = "Nieuwe tekst" } });
        Assert.Equal(HttpStatusCode.BadRequest, missingReason.StatusCode);
        Assert.True((await missingReason.ReadAsync()).GetProperty("errors").TryGetProperty("reason", out _));

        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items/{s.SevenPointItem}/reword",
            new { text = new { nl = "Bestaande huurwoningen worden als eerste aangesloten.", en = "Existing rented homes are connected first." },
                  reason = new { nl = "Verduidelijkt: het gaat om bestaande huurwoningen.", en = "Clarified: this is about existing rented homes." } }), HttpStatusCode.OK);
        var changelog = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/items/changelog"), HttpStatusCode.OK);
        var change = Assert.Single(changelog.EnumerateArray());
        Assert.Equal(1, change.GetProperty("afterRound").GetInt32());
        Assert.Equal("Stelling op een schaal tot 7", change.GetProperty("oldTextNl").GetString());

        var round2 = await NextRoundAsync(s);
        var page = await app.Client().GetStringAsync($"/p/{s.Participants[0].Token}");
        Assert.Contains("Aangepast na ronde 1:", page);
        Assert.Contains("Verduidelijkt: het gaat om bestaande huurwoningen.", page);
        Assert.Contains("Stelling op een schaal tot 7", page); // the old wording, shown for comparison
        Assert.Contains("Bestaande huurwoningen worden als eerste aangesloten.", page);
        Assert.Contains("Uw antwoord in ronde 1: 4.", page);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM round_items WHERE round_id = {round2} AND change_nl IS NOT NULL"));
    }

    [Fact]
    public async Task Only_items_with_consensus_or_stable_dissent_can_retire_and_then_are_no_longer_asked()
    {
        // Consensus already in round 1: version 2 waits for round 2 unless the locked rules say otherwise.
        var s = await Scenario.CreateAsync(app, open: false);
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new { minRoundForConsensus = 1 }), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        for (var i = 0; i < s.Participants.Count; i++)
        {
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 + i % 2 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.FivePointItem, value = i % 2 == 0 ? 1 : 5 }), HttpStatusCode.Created);
        }
        await Close(s, s.RoundId);
        var refused = await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/items/{s.FivePointItem}/retire", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var retired = await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/items/{s.SevenPointItem}/retire", null), HttpStatusCode.OK);
        Assert.Equal(1, retired.GetProperty("retiredAfterRound").GetInt32());
        var round2 = await NextRoundAsync(s);
        Assert.Equal(s.FivePointItem, DatabaseDump.Count(app.DatabasePath, $"SELECT item_id FROM round_items WHERE round_id = {round2}"));
    }

    [Fact]
    public async Task No_round_beyond_the_locked_round_limit()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        await Scenario.Expect(await s.Facilitator.PutAsJsonAsync($"/api/v1/studies/{s.StudyId}/criteria", new { maxIqr = 1.0, minGroupSize = 3, maxRounds = 2, quantileMethod = 7, minAgreement = 0.7, agreementTopCategories = 2, maxChangedFraction = 0.15 }), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        await Close(s, s.RoundId);
        var round2 = await NextRoundAsync(s);
        await Close(s, round2);
        var third = await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" });
        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
        var convergence = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence"), HttpStatusCode.OK);
        Assert.True(convergence.GetProperty("stops").GetBoolean());
    }

    [Fact]
    public async Task Classic_round_shows_participants_nothing_until_it_closes()
    {
        var s = await Scenario.CreateAsync(app, mode: "classic");
        var classic = s.RoundId;
        var (a, b) = (s.Participants[0], s.Participants[1]);
        await using var hub = app.Hub(b.Token);
        // What B's connection receives, in order: pushes, and the close announced after every push of the round.
        var received = Channel.CreateUnbounded<(string Message, JsonElement Body)>();
        hub.On<JsonElement>("StatsUpdated", u => received.Writer.TryWrite(("StatsUpdated", u)));
        hub.On<JsonElement>("RoundStateChanged", c => received.Writer.TryWrite(("RoundStateChanged", c)));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", classic);
        // The facilitator follows the round too: its push shows the answer went out to the round's groups.
        await using var facilitatorHub = app.Hub(s.FacilitatorToken);
        var facilitatorPushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        facilitatorHub.On<JsonElement>("StatsUpdated", _ => facilitatorPushed.TrySetResult());
        await facilitatorHub.StartAsync();
        await facilitatorHub.InvokeAsync("JoinRound", classic);

        // Three answers, so there are figures to release (threshold release, k = 3).
        foreach (var p in new[] { a, s.Participants[2], s.Participants[3] })
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, classic, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);
        var forParticipant = await Scenario.Expect(await app.Client(b.Token).GetAsync($"/api/v1/rounds/{classic}/stats"), HttpStatusCode.OK);
        Assert.Empty(forParticipant.GetProperty("items").EnumerateArray());
        var forFacilitator = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{classic}/stats"), HttpStatusCode.OK);
        Assert.Equal(3, Scenario.ItemStats(forFacilitator, s.SevenPointItem).GetProperty("overall").GetProperty("n").GetInt32());
        await facilitatorPushed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("pas als de ronde gesloten is", await app.Client().GetStringAsync($"/p/{b.Token}"));

        await Close(s, classic);
        // The app pushes everything accepted before a close and then announces the close, and SignalR hands a
        // connection's messages to the handlers in order: nothing B received before the announcement may be a push.
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (true)
            {
                var (message, body) = await received.Reader.ReadAsync(cts.Token);
                Assert.False(message == "StatsUpdated", "a participant received a push in a classic round");
                if (body.GetProperty("state").GetString() == "closed") break;
            }
        }
        var after = await Scenario.Expect(await app.Client(b.Token).GetAsync($"/api/v1/rounds/{classic}/stats"), HttpStatusCode.OK);
        Assert.Equal(3, Scenario.ItemStats(after, s.SevenPointItem).GetProperty("overall").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Blind_round_reveals_an_item_only_after_answering_and_keeps_first_and_revised_answers()
    {
        var s = await Scenario.CreateAsync(app, mode: "blind");
        var blind = s.RoundId;
        var (a, b, c) = (s.Participants[0], s.Participants[1], s.Participants[2]);
        await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, blind, new { itemId = s.SevenPointItem, value = 2 }), HttpStatusCode.Created);
        // A third answer: a blind round reveals an item only once it has three (threshold release).
        await Scenario.Expect(await Scenario.AnswerAsync(app, c.Token, blind, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);

        var pushes = Channel.CreateUnbounded<JsonElement>();
        await using var hub = app.Hub(b.Token);
        hub.On<JsonElement>("StatsUpdated", u => pushes.Writer.TryWrite(u));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", blind);
        var before = await Scenario.Expect(await app.Client(b.Token).GetAsync($"/api/v1/rounds/{blind}/stats"), HttpStatusCode.OK);
        Assert.Empty(before.GetProperty("items").EnumerateArray());
        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("RevealItem", blind, s.SevenPointItem));
        Assert.Contains("itemId", refused.Message);

        // B answers (first, blind), then sees the item — only that item — and revises.
        await Scenario.Expect(await Scenario.AnswerAsync(app, b.Token, blind, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        await hub.InvokeAsync("RevealItem", blind, s.SevenPointItem);
        var seen = await Scenario.Expect(await app.Client(b.Token).GetAsync($"/api/v1/rounds/{blind}/stats"), HttpStatusCode.OK);
        Assert.Equal([s.SevenPointItem], seen.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetInt64()));
        while (pushes.Reader.TryRead(out _)) { }
        await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, blind, new { itemId = s.FivePointItem, value = 3 }), HttpStatusCode.Created);
        await Scenario.Expect(await Scenario.AnswerAsync(app, b.Token, blind, new { itemId = s.SevenPointItem, value = 4, rationale = "Na het zien van het panel." }), HttpStatusCode.Created);
        // Three revisions make the next release.
        await Scenario.Expect(await Scenario.AnswerAsync(app, c.Token, blind, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);
        await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, blind, new { itemId = s.SevenPointItem, value = 2 }), HttpStatusCode.Created);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var push = await pushes.Reader.ReadAsync(cts.Token);
        Assert.All(push.GetProperty("items").EnumerateArray(), i => Assert.Equal(s.SevenPointItem, i.GetProperty("itemId").GetInt64()));
        // Until the publisher has surely pushed everything: the close pushes what was accepted before it and only
        // then announces itself, and SignalR hands a connection's messages to the handlers in order, so every push B
        // gets in this round is in the channel once B hears of the close. None may be of the five-point item.
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("RoundStateChanged", c => { if (c.GetProperty("state").GetString() == "closed") closed.TrySetResult(); });
        await Close(s, blind);
        await closed.Task.WaitAsync(cts.Token);
        while (pushes.Reader.TryRead(out push))
            Assert.All(push.GetProperty("items").EnumerateArray(), i => Assert.Equal(s.SevenPointItem, i.GetProperty("itemId").GetInt64()));
        var export = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export.json"), HttpStatusCode.OK);
        var item = export.GetProperty("rounds")[0].GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == s.SevenPointItem);
        Assert.Equal(6, item.GetProperty("firstAggregate").GetProperty("median").GetDouble()); // first answers {2, 6, 6}
        Assert.Equal(4, item.GetProperty("aggregate").GetProperty("median").GetDouble());      // revised {2, 4, 5}
    }

    [Fact]
    public async Task Participants_mark_arguments_as_convincing_but_not_their_own_and_never_see_hidden_ones()
    {
        var s = await Scenario.CreateAsync(app);
        var (a, b, c) = (s.Participants[0], s.Participants[1], s.Participants[2]);
        var argument = (await Scenario.Expect(await Scenario.AnswerAsync(app, a.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 7, rationale = "De restwarmte is er al." }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var rude = (await Scenario.Expect(await Scenario.AnswerAsync(app, c.Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 1, rationale = "Jan de Vries van de gemeente liegt." }), HttpStatusCode.Created)).GetProperty("id").GetInt64();

        Assert.True((await Scenario.Expect(await app.Client(b.Token).PostAsync($"/api/v1/arguments/{argument}/convincing", null), HttpStatusCode.OK)).GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await app.Client(a.Token).PostAsync($"/api/v1/arguments/{argument}/convincing", null)).StatusCode);
        var other = await Scenario.CreateAsync(app);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client(other.Participants[0].Token).PostAsync($"/api/v1/arguments/{argument}/convincing", null)).StatusCode);

        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/arguments/{rude}/hide", new { reason = "Noemt een persoon." }), HttpStatusCode.NoContent);
        var seen = await Scenario.Expect(await app.Client(b.Token).GetAsync($"/api/v1/rounds/{s.RoundId}/arguments"), HttpStatusCode.OK);
        var shown = Assert.Single(seen.EnumerateArray());
        Assert.Equal(argument, shown.GetProperty("answerId").GetInt64());
        Assert.Equal(1, shown.GetProperty("convincing").GetInt32());
        Assert.True(shown.GetProperty("markedByMe").GetBoolean());
        Assert.DoesNotContain("pseudonym", shown.GetRawText());
        var facilitatorView = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/arguments"), HttpStatusCode.OK);
        Assert.Equal(2, facilitatorView.GetArrayLength());
        Assert.DoesNotContain("Jan de Vries", await app.Client().GetStringAsync($"/p/{b.Token}"));
    }
}
