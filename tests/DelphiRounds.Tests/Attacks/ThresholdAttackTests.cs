using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace DelphiRounds.Tests.Attacks;

/// <summary>
/// A motivated insider tries to learn one person's answer from what the screens show (issue 15): by following
/// a live round over a real SignalR connection while the others answer one by one, by diffing <c>stats</c>
/// snapshots, by revising their own answer to make up the numbers, and by joining the verdict's reasons with the
/// panel's figures. Every attack must come back with nothing finer than k = 3 answers: every change they see in
/// the panel's figures, in a group's, or in the panel's less the groups', rests on none or at least 3 people.
/// </summary>
public sealed class ThresholdAttackTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private const int K = ReleaseThreshold.K;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Following_the_pushes_while_the_others_answer_one_by_one_shows_no_step_under_three_answers()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 5);
        var attacker = s.Participants[0];
        var pushes = Channel.CreateUnbounded<string>();
        await using var hub = app.Hub(attacker.Token);
        hub.On<JsonElement>("StatsUpdated", u => pushes.Writer.TryWrite(u.GetRawText()));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRound", s.RoundId);
        var seen = new List<Figures> { Figures.Of(Scenario.ItemStats(await StatsAsync(attacker.Token, s.RoundId), s.SevenPointItem)) };

        // One by one, slower than the publisher's tick (25 ms in tests): without threshold release each answer
        // would be its own push, and its value the difference between two pushes.
        var random = new Random(15);
        foreach (var p in s.Participants.OrderBy(_ => random.Next()))
        {
            await Answer(p.Token, s.RoundId, s.SevenPointItem, random.Next(1, 8));
            await Task.Delay(60);
        }
        await Task.Delay(300);
        while (pushes.Reader.TryRead(out var json))
            foreach (var item in JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray())
                if (item.GetProperty("itemId").GetInt64() == s.SevenPointItem) seen.Add(Figures.Of(item));

        var steps = AssertNoStepUnderK(seen);
        Assert.True(steps >= 3, $"only {steps} releases seen of 15 answers: the attack saw too little to mean anything");
        Assert.All(seen, f => Assert.True(f.N == 0 || f.N >= K));
    }

    [Fact]
    public async Task Diffing_stats_after_every_answer_as_participant_and_as_facilitator_shows_no_step_under_three_answers()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 5);
        var asParticipant = new List<Figures>();
        var asFacilitator = new List<Figures>();
        var random = new Random(16);
        foreach (var p in s.Participants.OrderBy(_ => random.Next()))
        {
            await Answer(p.Token, s.RoundId, s.SevenPointItem, random.Next(1, 8));
            asParticipant.Add(Figures.Of(Scenario.ItemStats(await StatsAsync(s.Participants[0].Token, s.RoundId), s.SevenPointItem)));
            asFacilitator.Add(Figures.Of(Scenario.ItemStats(await StatsAsync(s.FacilitatorToken, s.RoundId), s.SevenPointItem)));
        }
        Assert.True(AssertNoStepUnderK(asParticipant) >= 3);
        // The facilitator, often a party too, sees the same released figures, not finer ones.
        AssertNoStepUnderK(asFacilitator);
        Assert.Equal(asParticipant.Select(f => f.ToString()), asFacilitator.Select(f => f.ToString()));
    }

    [Fact]
    public async Task Revising_ones_own_answer_cannot_make_up_the_three_and_expose_one_other_answer()
    {
        var s = await Scenario.CreateAsync(app);
        var (attacker, victim) = (s.Participants[0], s.Participants[1]);
        foreach (var p in new[] { attacker, s.Participants[2], s.Participants[3] }) await Answer(p.Token, s.RoundId, s.SevenPointItem, 4);
        var before = Figures.Of(Scenario.ItemStats(await StatsAsync(attacker.Token, s.RoundId), s.SevenPointItem));
        Assert.Equal(3, before.N);

        await Answer(victim.Token, s.RoundId, s.SevenPointItem, 7);
        // The attacker's own revisions (known values) would leave the victim's 7 as the only unknown in the step.
        await Answer(attacker.Token, s.RoundId, s.SevenPointItem, 1);
        await Answer(attacker.Token, s.RoundId, s.SevenPointItem, 2);
        await Task.Delay(200);
        var after = Figures.Of(Scenario.ItemStats(await StatsAsync(attacker.Token, s.RoundId), s.SevenPointItem));
        Assert.Equal(before.ToString(), after.ToString());

        // A third person makes a step of three people: the victim's answer is one of two unknown ones.
        await Answer(s.Participants[4].Token, s.RoundId, s.SevenPointItem, 5);
        var released = Figures.Of(Scenario.ItemStats(await StatsAsync(attacker.Token, s.RoundId), s.SevenPointItem));
        Assert.Equal(5, released.N);
    }

    [Fact]
    public async Task Joining_the_reasons_with_the_panels_figures_names_no_group_that_is_not_shown()
    {
        // Grid operators disagree among themselves (1, 4, 7), housing and residents agree; residents have only two,
        // so grid operators are not shown either (else the panel less grid and housing would be residents').
        var s = await Scenario.CreateAsync(app);
        var values = new Dictionary<string, int[]> { ["grid-operators"] = [1, 4, 7], ["housing"] = [7, 7, 7], ["residents"] = [7, 7] };
        foreach (var (group, answers) in values)
        {
            var members = s.Participants.Where(p => p.Group == group).ToList();
            for (var i = 0; i < answers.Length; i++) await Answer(members[i].Token, s.RoundId, s.SevenPointItem, answers[i]);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);

        foreach (var token in new[] { s.Participants[0].Token, s.FacilitatorToken })
        {
            var item = Scenario.ItemStats(await StatsAsync(token, s.RoundId), s.SevenPointItem);
            Assert.Equal(8, item.GetProperty("overall").GetProperty("n").GetInt32());
            Assert.Equal(["housing"], item.GetProperty("groups").EnumerateObject().Select(g => g.Name));
            // People's words (Dutch by default) and, for machines, the criteria's terse lines: neither names a group not shown.
            var reasons = item.GetProperty("consensus").GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
            var criteria = item.GetProperty("criteriaReasons").EnumerateArray().Select(r => r.GetString()!).ToList();
            Assert.False(item.GetProperty("consensus").GetProperty("reached").GetBoolean());
            Assert.Contains("Niet elke groep is het eens.", reasons);
            Assert.DoesNotContain(reasons, r => r.Contains("Netbeheerders", StringComparison.Ordinal) || r.Contains("Bewoners", StringComparison.Ordinal));
            Assert.Contains(ShownReasons.NotEveryGroup, criteria);
            Assert.DoesNotContain(reasons.Concat(criteria), r => r.Contains("grid-operators", StringComparison.Ordinal) || r.Contains("residents", StringComparison.Ordinal));
            Assert.DoesNotContain("hiddenGroups", item.GetRawText());
        }
        // The facilitator's convergence page says no more about them.
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence");
        Assert.DoesNotContain("group grid-operators", page);
        Assert.DoesNotContain("data-group=\"grid-operators\"", page);
    }

    [Fact]
    public async Task The_stats_endpoints_reasons_are_written_for_people_in_the_requests_language()
    {
        var s = await Scenario.CreateAsync(app);
        var values = new Dictionary<string, int[]> { ["grid-operators"] = [1, 4, 7], ["housing"] = [7, 7, 7], ["residents"] = [7, 7] };
        foreach (var (group, answers) in values)
        {
            var members = s.Participants.Where(p => p.Group == group).ToList();
            for (var i = 0; i < answers.Length; i++) await Answer(members[i].Token, s.RoundId, s.SevenPointItem, answers[i]);
        }
        foreach (var closed in new[] { false, true })
        {
            if (closed) await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
            foreach (var token in new[] { s.Participants[0].Token, s.FacilitatorToken })
            {
                var nl = await ReasonsAsync(token, s.RoundId, s.SevenPointItem, null);
                var en = await ReasonsAsync(token, s.RoundId, s.SevenPointItem, "en");
                // "6 van de 8 kozen 6 of 7; 70% was nodig." — never "agreement 0.75 < 0.8". While the round is open the
                // figures are those released so far (threshold release), so only the words are checked then.
                Assert.Contains(nl, r => Regex.IsMatch(r, @"^\d+ van de \d+ kozen .+; .+ was nodig\.$"));
                Assert.Contains(en, r => Regex.IsMatch(r, @"^\d+ of \d+ chose .+; .+ was needed\.$"));
                Assert.DoesNotContain(nl.Concat(en), r => Regex.IsMatch(r, @"[<>]|\d\.\d{3}|agreement|iqr"));
                Assert.NotEqual(nl, en);
                if (!closed) continue;
                Assert.Contains("Niet elke groep is het eens.", nl);
                Assert.Contains("Not every group agrees.", en);
                Assert.DoesNotContain(en, r => r.Contains("Grid operators", StringComparison.Ordinal) || r.Contains("Residents", StringComparison.Ordinal));
                Assert.DoesNotContain(nl, r => r.Contains("Netbeheerders", StringComparison.Ordinal) || r.Contains("Bewoners", StringComparison.Ordinal));
            }
        }
    }

    private async Task<List<string>> ReasonsAsync(string token, long roundId, long itemId, string? language)
    {
        var client = app.Client(token);
        if (language is not null) client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        var item = Scenario.ItemStats(await Scenario.Expect(await client.GetAsync($"/api/v1/rounds/{roundId}/stats"), HttpStatusCode.OK), itemId);
        return item.GetProperty("consensus").GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
    }

    [Fact]
    public async Task The_vision_document_shows_no_figures_below_three_answers_and_no_reason_about_a_group_not_shown()
    {
        var s = await Scenario.CreateAsync(app);
        var values = new Dictionary<string, int[]> { ["grid-operators"] = [1, 4, 7], ["housing"] = [7, 7, 7], ["residents"] = [7, 7] };
        foreach (var (group, answers) in values)
        {
            var members = s.Participants.Where(p => p.Group == group).ToList();
            for (var i = 0; i < answers.Length; i++) await Answer(members[i].Token, s.RoundId, s.SevenPointItem, answers[i]);
        }
        // The five-point item gets two answers only: never any figures, not even final ones.
        foreach (var p in s.Participants.Take(2)) await Answer(p.Token, s.RoundId, s.FivePointItem, 5);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var before = await (await app.Client(s.Participants[0].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats")).Content.ReadAsStringAsync();
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Visie", statements = new[] { new { text = "Samen.", itemIds = new[] { s.SevenPointItem, s.FivePointItem } } },
        }), HttpStatusCode.Created);
        // Statements on items without consensus stay in the vision as written (issue 18 would move them to the open questions).
        await VisionScenario.FreezeKeepingEveryStatementAsync(s);
        var document = await Scenario.Expect(await app.Client().GetAsync($"/api/v1/studies/{s.StudyId}/vision/document"), HttpStatusCode.OK);
        var linked = document.GetProperty("vision").GetProperty("statements")[0].GetProperty("items").EnumerateArray()
            .ToDictionary(i => i.GetProperty("id").GetInt64());
        var seven = linked[s.SevenPointItem].GetProperty("statistics");
        Assert.Equal(8, seven.GetProperty("n").GetInt32());
        Assert.Equal(["housing"], seven.GetProperty("groups").EnumerateObject().Select(g => g.Name));
        var text = seven.GetRawText();
        Assert.DoesNotContain("grid-operators", text);
        Assert.DoesNotContain("residents", text);
        Assert.Contains(ShownReasons.NotEveryGroup, text);
        Assert.NotEqual(JsonValueKind.Object, linked[s.FivePointItem].GetProperty("statistics").ValueKind);
        // Before and after the vision: the released figures participants saw are the ones the document holds, no finer.
        Assert.Equal(8, Scenario.ItemStats(JsonDocument.Parse(before).RootElement, s.SevenPointItem).GetProperty("overall").GetProperty("n").GetInt32());
        Assert.Equal(0, Scenario.ItemStats(JsonDocument.Parse(before).RootElement, s.FivePointItem).GetProperty("overall").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task The_arguments_of_an_open_round_carry_no_value_a_participant_could_read_one_answer_off()
    {
        var s = await Scenario.CreateAsync(app);
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[1].Token, s.RoundId,
            new { itemId = s.SevenPointItem, value = 7, rationale = "Restwarmte is er al." }), HttpStatusCode.Created);
        var open = await Scenario.Expect(await app.Client(s.Participants[0].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/arguments"), HttpStatusCode.OK);
        var argument = Assert.Single(open.EnumerateArray());
        Assert.Equal(JsonValueKind.Null, argument.GetProperty("value").ValueKind);
        Assert.Equal("Restwarmte is er al.", argument.GetProperty("rationale").GetString());
        // The facilitator moderates and keeps the value.
        var moderated = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/arguments"), HttpStatusCode.OK);
        Assert.Equal(7, Assert.Single(moderated.EnumerateArray()).GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task A_participant_is_told_before_answering_that_the_last_step_at_the_close_may_be_smaller()
    {
        foreach (var mode in new[] { "live", "blind" })
        {
            var s = await Scenario.CreateAsync(app, mode: mode);
            var page = await app.Client().GetStringAsync($"/p/{s.Participants[0].Token}");
            Assert.Contains("data-threshold-note", page);
            Assert.Contains("pas als minstens 3 mensen", page);
            Assert.Contains("1 of 2 antwoorden", page);
        }
        // A classic round shows nothing until the close, so there is no step to tell about.
        var classic = await Scenario.CreateAsync(app, mode: "classic");
        Assert.DoesNotContain("data-threshold-note", await app.Client().GetStringAsync($"/p/{classic.Participants[0].Token}"));
    }

    /// <summary>
    /// Checks every step between consecutive different states: the panel's count, each group's count (shown
    /// before and after), and the panel's less those groups' change by none or at least k; returns the number of steps.
    /// Only new answers are given in these attacks, so a count's change is the number of people behind it.
    /// </summary>
    private static int AssertNoStepUnderK(IReadOnlyList<Figures> states)
    {
        var steps = 0;
        for (var i = 1; i < states.Count; i++)
        {
            var (a, b) = (states[i - 1], states[i]);
            if (a.ToString() == b.ToString()) continue;
            steps++;
            var dn = b.N - a.N;
            Assert.True(a.N == 0 ? b.N >= K : dn >= K, $"the panel moved by {dn} answer(s): {a} → {b}");
            var inBoth = a.Groups.Keys.Intersect(b.Groups.Keys).ToList();
            foreach (var g in inBoth)
            {
                var dg = b.Groups[g].N - a.Groups[g].N;
                Assert.True(dg == 0 || dg >= K, $"group {g} moved by {dg} answer(s): {a} → {b}");
            }
            if (a.N == 0) continue;
            var rest = dn - inBoth.Sum(g => b.Groups[g].N - a.Groups[g].N);
            Assert.True(rest == 0 || rest >= K, $"the panel less the groups shown moved by {rest} answer(s): {a} → {b}");
        }
        return steps;
    }

    private async Task Answer(string token, long roundId, long itemId, int value) =>
        await Scenario.Expect(await Scenario.AnswerAsync(app, token, roundId, new { itemId, value }), HttpStatusCode.Created);

    private async Task<JsonElement> StatsAsync(string token, long roundId) =>
        await Scenario.Expect(await app.Client(token).GetAsync($"/api/v1/rounds/{roundId}/stats"), HttpStatusCode.OK);

    /// <summary>What an attacker reads of one item: the panel's count and distribution, each group's figures.</summary>
    private sealed record Figures(int N, string Distribution, IReadOnlyDictionary<string, (int N, double? Median, double? Q1, double? Q3)> Groups)
    {
        public static Figures Of(JsonElement item)
        {
            var overall = item.GetProperty("overall");
            var distribution = overall.TryGetProperty("distribution", out var d) && d.ValueKind == JsonValueKind.Object
                ? string.Join(",", d.EnumerateObject().Select(c => $"{c.Name}:{c.Value.GetInt32()}")) : "";
            var groups = item.TryGetProperty("groups", out var gs) && gs.ValueKind == JsonValueKind.Object
                ? gs.EnumerateObject().ToDictionary(g => g.Name, g => (g.Value.GetProperty("n").GetInt32(), Num(g.Value, "median"), Num(g.Value, "q1"), Num(g.Value, "q3")))
                : [];
            return new Figures(overall.GetProperty("n").GetInt32(), distribution, groups);
        }

        private static double? Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

        public override string ToString() =>
            $"n={N} [{Distribution}] {string.Join(" ", Groups.OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Value.N}/{g.Value.Median}/{g.Value.Q1}/{g.Value.Q3}"))}";
    }
}
