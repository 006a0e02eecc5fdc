using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using DelphiRounds.Data;
using DelphiRounds.Panel;
using DelphiRounds.Privacy;
using DelphiRounds.Rounds;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Tests.Trust;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// Anonymity and personal data: answers point to pseudonyms, identities never reach pushes or exports,
/// group figures below 3 are never pushed, a person can be erased on request, and identities are
/// purged after the retention period once a study has ended.
/// </summary>
public sealed class PrivacyTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Pushes_never_carry_a_group_with_fewer_than_3_answers_nor_anything_that_identifies_a_participant()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3);
        var secrets = Identities(s.StudyId, withPseudonyms: true);
        var raw = Channel.CreateUnbounded<string>();
        await using var participantHub = app.Hub(s.Participants[0].Token);
        await using var facilitatorHub = app.Hub(s.FacilitatorToken);
        foreach (var hub in new[] { participantHub, facilitatorHub })
        {
            hub.On<JsonElement>("StatsUpdated", u => raw.Writer.TryWrite(u.GetRawText()));
            await hub.StartAsync();
            await hub.InvokeAsync("JoinRound", s.RoundId);
        }

        // One answer in each group, then a second in each: every group has 1–2 answers the whole time. Each wave
        // is three answers, released together (threshold release), before the next begins.
        var payloads = new List<string>();
        foreach (var wave in new[] { 0, 1 })
        {
            foreach (var group in new[] { "grid-operators", "housing", "residents" })
            {
                var p = s.Participants.Where(x => x.Group == group).ElementAt(wave);
                await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 2 + wave, rationale = "Mijn reden" }), HttpStatusCode.Created);
            }
            payloads.AddRange(await ReadUntilAsync(raw, seen => seen.Count(j => OverallN(j, s.SevenPointItem) == 3 * (wave + 1)) == 2));
        }
        Assert.True(payloads.Count >= 4);

        foreach (var json in payloads)
        {
            var update = JsonDocument.Parse(json).RootElement;
            foreach (var item in update.GetProperty("items").EnumerateArray())
            {
                AssertNoSmallGroupFigures(item, json);
                Assert.True(item.GetProperty("overall").GetProperty("n").GetInt32() <= 6);
            }
            foreach (var secret in secrets) Assert.DoesNotContain(secret, json);
            foreach (var field in new[] { "\"name\"", "\"email\"", "\"pseudonym\"", "\"participantId\"", "\"participant\"", "\"rationale\"" })
                Assert.DoesNotContain(field, json);
        }
        // Groups left out are not named at all (a page says "too few answers to show" for any group it has no figures of).
        Assert.DoesNotContain(payloads, j => j.Contains("hiddenGroups", StringComparison.Ordinal) || j.Contains("\"housing\"", StringComparison.Ordinal));

        // With a third answer a group's figures are shown: the filter is the threshold, not a blanket ban. Three
        // changes make a release: housing's and grid's third answers and a resident's revision (residents stay at 2).
        foreach (var (group, nth) in new[] { ("housing", 2), ("grid-operators", 2), ("residents", 0) })
        {
            var p = s.Participants.Where(x => x.Group == group).ElementAt(nth);
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4 }), HttpStatusCode.Created);
        }
        var shown = (await ReadUntilAsync(raw, seen => seen.Any(j => OverallN(j, s.SevenPointItem) == 8))).First(j => OverallN(j, s.SevenPointItem) == 8);
        var housing = Item(shown, s.SevenPointItem).GetProperty("groups").GetProperty("housing");
        Assert.Equal(3, housing.GetProperty("n").GetInt32());
        Assert.False(Item(shown, s.SevenPointItem).GetProperty("groups").TryGetProperty("residents", out _));
    }

    /// <summary>
    /// No group with fewer than 3 answers, and no way to work one out: the panel's count minus the groups shown is
    /// 0 or at least 3 when any group is shown (else the panel's figures minus the groups' would be the figures of the 1 or 2 answers left).
    /// </summary>
    internal static void AssertNoSmallGroupFigures(JsonElement stats, string context)
    {
        if (!stats.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Object) return;
        var shown = 0;
        foreach (var g in groups.EnumerateObject())
        {
            var n = g.Value.GetProperty("n").GetInt32();
            Assert.True(n >= 3, $"group {g.Name} with n = {n} was sent: {context}");
            shown += n;
        }
        if (shown == 0) return; // no group shown: the panel's figures are only the panel's
        var rest = stats.TryGetProperty("overall", out var overall) ? overall.GetProperty("n").GetInt32() - shown : stats.GetProperty("n").GetInt32() - shown;
        Assert.True(rest == 0 || rest >= 3, $"the panel minus the groups shown leaves {rest} answer(s) to work out: {context}");
    }

    [Theory]
    [InlineData("residents:2 housing:3", "")] // housing beside the panel would give residents away
    [InlineData("residents:2 housing:3 grid:1", "housing")] // left out: 3 together
    [InlineData("residents:1 housing:4 grid:3", "housing")] // the smallest shown goes with residents
    [InlineData("residents:3 housing:4 grid:5", "grid housing residents")]
    [InlineData("residents:0 housing:3 grid:3", "grid housing")]
    [InlineData("residents:2", "")]
    public void A_group_is_shown_only_when_neither_it_nor_the_groups_left_out_are_under_3(string counts, string expected)
    {
        var answers = counts.Split(' ').Select(c => c.Split(':')).Select(c => KeyValuePair.Create(c[0], int.Parse(c[1])));
        Assert.Equal(expected, string.Join(' ', Live.GroupSuppression.Shown(answers, 3).Order()));
    }

    [Fact]
    public async Task Blind_and_numeric_pushes_and_the_frozen_vision_never_let_a_group_under_3_be_worked_out()
    {
        // Housing answers with 3, residents with 1: beside the panel, housing's figures would give that one resident away.
        var s = await Scenario.CreateAsync(app, perGroup: 3, open: false, mode: "blind");
        var numeric = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/items", new
        {
            kind = "numeric", text = new { nl = "Aandeel" }, unit = "%", rangeMin = 0, rangeMax = 100,
        }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        var raw = Channel.CreateUnbounded<string>();
        var housing = s.Participants.Where(p => p.Group == "housing").ToList();
        var resident = s.Participants.First(p => p.Group == "residents");
        await using var facilitatorHub = app.Hub(s.FacilitatorToken);
        await using var participantHub = app.Hub(housing[0].Token);
        foreach (var hub in new[] { facilitatorHub, participantHub })
        {
            hub.On<JsonElement>("StatsUpdated", u => raw.Writer.TryWrite(u.GetRawText()));
            await hub.StartAsync();
            await hub.InvokeAsync("JoinRound", s.RoundId);
        }
        foreach (var (p, value) in housing.Select((p, i) => (p, 4 + i)).Append((resident, 1)))
        {
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = numeric, value = 10.0 * value }), HttpStatusCode.Created);
        }
        await participantHub.InvokeAsync("RevealItem", s.RoundId, s.SevenPointItem);
        // Released at three answers (or four, when the resident's came before the publisher's tick).
        var payloads = await ReadUntilAsync(raw, seen => seen.Any(j => OverallN(j, s.SevenPointItem) >= 3) && seen.Any(j => OverallN(j, numeric) >= 3));
        foreach (var json in payloads)
            foreach (var item in JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray())
                AssertNoSmallGroupFigures(item, json);
        var stats = await Scenario.Expect(await app.Client(housing[0].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        foreach (var item in stats.GetProperty("items").EnumerateArray()) AssertNoSmallGroupFigures(item, stats.GetRawText());

        // Closed and frozen: the public document holds the same figures, no more.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/vision/drafts", new
        {
            title = "Visie", statements = new[] { new { text = "Samen.", itemIds = new[] { s.SevenPointItem, numeric } } },
        }), HttpStatusCode.Created);
        // Statements on items without consensus stay in the vision as written (issue 18 would move them to the open questions).
        await VisionScenario.FreezeKeepingEveryStatementAsync(s);
        var document = await Scenario.Expect(await app.Client().GetAsync($"/api/v1/studies/{s.StudyId}/vision/document"), HttpStatusCode.OK);
        var linked = document.GetProperty("vision").GetProperty("statements")[0].GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, linked.Count);
        foreach (var item in linked)
        {
            var statistics = item.GetProperty("statistics");
            Assert.Equal(4, statistics.GetProperty("n").GetInt32());
            AssertNoSmallGroupFigures(statistics, document.GetRawText());
            Assert.False(statistics.GetProperty("groups").TryGetProperty("housing", out _));
        }
        // The facilitator's own analysis keeps every group (the analyze contract), residents' single answer included.
        var convergence = await (await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence")).Content.ReadAsStringAsync();
        Assert.Contains("\"residents\"", convergence);
    }

    [Fact]
    public async Task Arguments_the_vision_its_review_and_the_ledger_never_carry_a_participants_name_or_email_nor_a_signatorys_email()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3);
        for (var i = 0; i < s.Participants.Count; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId,
                new { itemId = s.SevenPointItem, value = 5 + i % 2, rationale = $"Argument {i}" }), HttpStatusCode.Created);
        var outputs = new Dictionary<string, string>();
        async Task Take(string name, HttpClient client, string url) =>
            outputs[name] = await (await client.GetAsync(url)).Content.ReadAsStringAsync();
        await Take("arguments (participant)", app.Client(s.Participants[0].Token), $"/api/v1/rounds/{s.RoundId}/arguments");
        await Take("arguments (facilitator)", s.Facilitator, $"/api/v1/rounds/{s.RoundId}/arguments");
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var draft = await Scenario.Expect(await VisionScenario.SaveFirstDraftAsync(s), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/vision/review/open", null), HttpStatusCode.OK);
        await Scenario.Expect(await app.Client(s.Participants[1].Token).PostJsonAsync("/api/v1/vision/review/answers",
            new { statementId = draft.GetProperty("statements")[0].GetProperty("id").GetInt64(), position = "object", reason = "Te vaag" }), HttpStatusCode.Created);
        await Take("review (participant)", app.Client(s.Participants[1].Token), "/api/v1/vision/review");
        await Take("vision (facilitator)", s.Facilitator, $"/api/v1/studies/{s.StudyId}/vision");
        await Take("vision page (participant)", app.Client(s.Participants[1].Token), "/p/vision");
        // Statements on items without consensus stay in the vision as written (issue 18 would move them to the open questions).
        await VisionScenario.FreezeKeepingEveryStatementAsync(s);
        var signer = await VisionScenario.RegisterAsync(s, "Haven (test)", "Anna Ondertekenaar", "anna.signer@example.org");
        var other = await VisionScenario.RegisterAsync(s, "Net (test)", "Bert Ondertekenaar", "bert.signer@example.org");
        var cast = await TrustCast.CreateAsync(app);
        await cast.SignAsync(signer.Token);
        await Take("export.json", s.Facilitator, $"/api/v1/studies/{s.StudyId}/export.json");
        await Take("convergence", s.Facilitator, $"/api/v1/studies/{s.StudyId}/convergence");
        await Take("vision document", app.Client(), $"/api/v1/studies/{s.StudyId}/vision/document");
        await Take("ledger", app.Client(), $"/api/v1/studies/{s.StudyId}/ledger");
        await Take("verification page", app.Client(), $"/verify/{s.StudyId}");
        await Take("signing page of another signatory", app.Client(), $"/sign/{other.Token}");
        await Take("key", app.Client(), "/api/v1/endorsement/key");

        var participantSecrets = Identities(s.StudyId, withPseudonyms: false);
        foreach (var (name, text) in outputs)
        {
            foreach (var secret in participantSecrets) Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{name} holds {secret}");
            Assert.DoesNotContain("anna.signer@example.org", text);
            Assert.DoesNotContain("bert.signer@example.org", text);
        }
        // Arguments come without pseudonym or group; the export names answers by pseudonym only.
        foreach (var name in new[] { "arguments (participant)", "arguments (facilitator)" })
            foreach (var field in new[] { "\"pseudonym\"", "\"participant", "\"group\"", "\"name\"", "\"email\"" })
                Assert.DoesNotContain(field, outputs[name]);
        Assert.Contains(DatabaseDump.Text(app.DatabasePath, $"SELECT pseudonym FROM participants WHERE id = {s.Participants[0].Id}"), outputs["export.json"]);
        // A signatory's name is published in the ledger by design (with its own salt), the e-mail address never.
        Assert.Contains("Anna Ondertekenaar", outputs["ledger"]);
        Assert.DoesNotContain("Bert Ondertekenaar", outputs["ledger"]); // not signed: not in the record
    }

    [Fact]
    public async Task Exports_and_participant_pages_never_carry_names_or_email_addresses()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 3);
        foreach (var p in s.Participants)
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var export = await (await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/export.json")).Content.ReadAsStringAsync();
        var convergence = await (await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/convergence")).Content.ReadAsStringAsync();
        var stats = await (await app.Client(s.Participants[0].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats")).Content.ReadAsStringAsync();
        var browser = app.Client();
        var page = await browser.GetStringAsync($"/p/{s.Participants[0].Token}");
        foreach (var secret in Identities(s.StudyId, withPseudonyms: false))
        {
            Assert.DoesNotContain(secret, export);
            Assert.DoesNotContain(secret, convergence);
            Assert.DoesNotContain(secret, stats);
            Assert.DoesNotContain(secret, page);
        }
        // The answers in the export are there under their pseudonyms.
        var pseudonym = DatabaseDump.Text(app.DatabasePath, $"SELECT pseudonym FROM participants WHERE id = {s.Participants[0].Id}");
        Assert.Contains(pseudonym, export);
    }

    [Fact]
    public async Task Erasing_a_person_removes_name_and_email_and_keeps_their_answers()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[0];
        await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        var answersBefore = DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}");
        var figuresBefore = Scenario.ItemStats(await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK), s.SevenPointItem).GetRawText();
        var pseudonym = DatabaseDump.Text(app.DatabasePath, $"SELECT pseudonym FROM participants WHERE id = {p.Id}");

        var erased = await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{p.Id}/erase", null), HttpStatusCode.OK);
        // The answer names the panel's reference, never the pseudonym the answers keep (that would join the names to the exports).
        Assert.Equal($"#{p.Id}", erased.GetProperty("reference").GetString());
        Assert.DoesNotContain(pseudonym, erased.GetRawText());
        var erasedAt = erased.GetProperty("erasedAt").GetDateTimeOffset();

        Assert.Equal("", DatabaseDump.Text(app.DatabasePath, $"SELECT COALESCE(name, '') || COALESCE(email, '') FROM participant_identities WHERE participant_id = {p.Id}"));
        Assert.Equal(answersBefore, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}"));
        var panel = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/participants"), HttpStatusCode.OK);
        var member = panel.EnumerateArray().Single(m => m.GetProperty("id").GetInt64() == p.Id);
        Assert.Equal(JsonValueKind.Null, member.GetProperty("name").ValueKind);
        Assert.Equal(JsonValueKind.Null, member.GetProperty("email").ValueKind);
        // Others are untouched; the figures are unchanged.
        Assert.Equal("housing 0", DatabaseDump.Text(app.DatabasePath, $"SELECT name FROM participant_identities WHERE participant_id = {s.Participants[3].Id}"));
        var stats = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        Assert.Equal(figuresBefore, Scenario.ItemStats(stats, s.SevenPointItem).GetRawText());

        // Twice is harmless; another facilitator cannot; a participant of another study is not found.
        var again = await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{p.Id}/erase", null), HttpStatusCode.OK);
        Assert.Equal(erasedAt, again.GetProperty("erasedAt").GetDateTimeOffset());
        var other = await Scenario.CreateAsync(app);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{s.Participants[1].Id}/erase", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{other.Participants[0].Id}/erase", null)).StatusCode);
        Assert.Equal("housing 0", DatabaseDump.Text(app.DatabasePath, $"SELECT name FROM participant_identities WHERE participant_id = {s.Participants[3].Id}"));
    }

    [Fact]
    public async Task The_panel_page_erases_a_person_after_an_explicit_confirmation()
    {
        var cast = await TrustCast.CreateAsync(app);
        var own = await cast.StudyAsync(cast.A);
        var target = own.Participants[1];
        var browser = cast.Client((TrustCast.CookieName, cast.A.Cookie));

        var panel = await browser.GetStringAsync($"/f/studies/{own.StudyId}/panel");
        Assert.Contains($"/f/studies/{own.StudyId}/panel/{target.Id}/erase", panel);
        var confirm = await browser.GetStringAsync($"/f/studies/{own.StudyId}/panel/{target.Id}/erase");
        Assert.Contains("Naam housing", confirm); // the name being erased is shown before
        Assert.Contains("housing@example.org", confirm);
        Assert.Equal("Naam housing", DatabaseDump.Text(app.DatabasePath, $"SELECT name FROM participant_identities WHERE participant_id = {target.Id}"));

        var posted = await browser.PostAsync($"/f/studies/{own.StudyId}/panel/{target.Id}/erase",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = TrustCast.Antiforgery(confirm)! }));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal($"/f/studies/{own.StudyId}/panel", posted.Headers.Location!.OriginalString);
        var after = await browser.GetStringAsync($"/f/studies/{own.StudyId}/panel");
        Assert.Contains("zijn gewist", after);
        Assert.Contains("Gewist op", after);
        Assert.DoesNotContain("housing@example.org", after);
        Assert.NotEqual("", DatabaseDump.Text(app.DatabasePath, $"SELECT erased_at FROM participant_identities WHERE participant_id = {target.Id}"));
    }

    [Fact]
    public async Task Identities_are_purged_once_the_retention_period_after_the_last_closed_round_has_passed()
    {
        var ended = await Scenario.CreateAsync(app);
        await Scenario.Expect(await ended.Facilitator.PostAsync($"/api/v1/rounds/{ended.RoundId}/close", null), HttpStatusCode.OK);
        var running = await Scenario.CreateAsync(app); // round 1 still open
        var nextRoundPlanned = await Scenario.CreateAsync(app);
        await Scenario.Expect(await nextRoundPlanned.Facilitator.PostAsync($"/api/v1/rounds/{nextRoundPlanned.RoundId}/close", null), HttpStatusCode.OK);
        await Scenario.Expect(await nextRoundPlanned.Facilitator.PostJsonAsync($"/api/v1/studies/{nextRoundPlanned.StudyId}/rounds", new { }), HttpStatusCode.Created);

        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var db = app.Services.GetRequiredService<Database>();
        var service = new IdentityRetentionService(new IdentityStore(db, clock), new RoundStore(db, clock),
            Options.Create(new PrivacyOptions { RetainIdentitiesDays = 30 }), clock, NullLogger<IdentityRetentionService>.Instance);

        clock.Now = DateTimeOffset.UtcNow.AddDays(29);
        Assert.Equal(0, await service.PurgeOnceAsync());
        Assert.Equal(0, Erased(ended.StudyId));

        clock.Now = DateTimeOffset.UtcNow.AddDays(31);
        Assert.Equal(ended.Participants.Count, await service.PurgeOnceAsync());
        Assert.Equal(ended.Participants.Count, Erased(ended.StudyId));
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM participant_identities i JOIN participants p ON p.id = i.participant_id WHERE (i.name IS NOT NULL OR i.email IS NOT NULL) AND p.study_id = {ended.StudyId}"));
        Assert.Equal(0, Erased(running.StudyId));
        Assert.Equal(0, Erased(nextRoundPlanned.StudyId));
        // Answers and pseudonyms stay; a second run finds nothing more.
        Assert.Equal(ended.Participants.Count, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM participants WHERE study_id = {ended.StudyId}"));
        Assert.Equal(0, await service.PurgeOnceAsync());
    }

    [Fact]
    public void The_retention_purge_runs_as_a_background_service_of_the_app()
    {
        Assert.Contains(app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is IdentityRetentionService);
        Assert.Equal(180, app.Services.GetRequiredService<IOptions<PrivacyOptions>>().Value.RetainIdentitiesDays);
    }

    private long Erased(long studyId) => DatabaseDump.Count(app.DatabasePath,
        $"SELECT COUNT(*) FROM participant_identities i JOIN participants p ON p.id = i.participant_id WHERE p.study_id = {studyId} AND i.erased_at IS NOT NULL");

    /// <summary>Names and e-mail addresses of a study's panel and their invitation tokens' hashes (and, if asked, their pseudonyms).</summary>
    private List<string> Identities(long studyId, bool withPseudonyms)
    {
        var list = new List<string>();
        using var c = DatabaseDump.Open(app.DatabasePath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT i.name, i.email, p.pseudonym, p.token_hash FROM participants p JOIN participant_identities i ON i.participant_id = p.id WHERE p.study_id = {studyId}";
        using var r = cmd.ExecuteReader();
        while (r.Read())
            for (var i = 0; i < 4; i++)
                if (!r.IsDBNull(i) && (withPseudonyms || i != 2)) list.Add(r.GetString(i));
        Assert.NotEmpty(list);
        return list;
    }

    private static async Task<List<string>> ReadUntilAsync(Channel<string> channel, Func<List<string>, bool> enough)
    {
        using var cts = new CancellationTokenSource(Patience);
        var seen = new List<string>();
        while (!enough(seen)) seen.Add(await channel.Reader.ReadAsync(cts.Token));
        return seen;
    }

    private static JsonElement Item(string update, long itemId) =>
        JsonDocument.Parse(update).RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == itemId);

    private static int OverallN(string update, long itemId) =>
        JsonDocument.Parse(update).RootElement.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("itemId").GetInt64() == itemId).Select(i => i.GetProperty("overall").GetProperty("n").GetInt32()).FirstOrDefault();
}
