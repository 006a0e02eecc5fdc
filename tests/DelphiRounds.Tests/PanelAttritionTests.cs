using System.Net;
using System.Text.RegularExpressions;
using DelphiRounds.Kernel;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 5, panel and attrition: everyone is invited to every round (also who skipped one), reminders
/// reach only the non-responders of the chosen groups, each with a personal link that signs in and that
/// "new link" revokes; response per group and round on the dashboard.
/// </summary>
public sealed class PanelAttritionTests(MailingApp app) : IClassFixture<MailingApp>
{
    private IReadOnlyList<Mail> MailOf(long studyId, string purpose, int? round = null) =>
        Mailbox.Read(app.OutboxFolder).Where(m => m.StudyId == studyId && m.Purpose == purpose && (round is null || m.Round == round)).ToList();

    private static string Email(string group, int i) => $"{group}.{i}@example.org";

    [Fact]
    public async Task Every_round_invites_everyone_with_an_address_also_those_who_skipped_a_round()
    {
        var s = await Scenario.CreateAsync(app);
        await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        var everyone = s.Participants.Select(p => Email(p.Group, s.Participants.Where(q => q.Group == p.Group).ToList().IndexOf(p))).Order().ToList();
        Assert.Equal(everyone, MailOf(s.StudyId, "invitation", 1).Select(m => m.To).Order().ToList());
        // Issue 19, anchoring: the locked criteria's fingerprint goes out with every round-1 invitation (a copy outside the service).
        var criteriaHash = DatabaseDump.Text(app.DatabasePath, $"SELECT criteria_hash FROM studies WHERE id = {s.StudyId}");
        Assert.Matches("^[0-9a-f]{64}$", criteriaHash);
        Assert.All(MailOf(s.StudyId, "invitation", 1), m => Assert.Contains($"Hun vingerafdruk (SHA-256) is {criteriaHash}.", m.Text));

        // Everyone but the last resident answers round 1.
        var skipper = s.Participants[^1];
        foreach (var p in s.Participants.SkipLast(1))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var round2 = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "classic" }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/open", null), HttpStatusCode.OK);
        var counts = await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        Assert.Equal(18, counts.GetProperty("sent").GetInt32());

        var invitations = MailOf(s.StudyId, "invitation", 2);
        Assert.Equal(everyone, invitations.Select(m => m.To).Order().ToList());
        var toSkipper = invitations.Single(m => m.To == Email("residents", 2));
        Assert.Contains("Ronde 2", toSkipper.Text);
        Assert.Contains("overgeslagen", toSkipper.Text); // the invitation tells a skipper they are welcome back
        Assert.DoesNotContain(criteriaHash, toSkipper.Text); // only round 1's invitation carries the fingerprint
        Assert.Contains("Uitnodiging voor ronde 2", toSkipper.Subject);
        Assert.Contains(toSkipper.Link, toSkipper.Html);
        // Issue 16: the e-mail has no request to take a host from; its link is the address the server serves.
        Assert.StartsWith(app.Address.ToString(), toSkipper.Link);

        // The link in the skipper's invitation works for answering round 2.
        await Scenario.Expect(await Scenario.AnswerAsync(app, toSkipper.Token, round2, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE round_id = {round2} AND participant_id = {skipper.Id}"));

        // Every message carries its own link; only hashes are stored.
        var tokens = MailOf(s.StudyId, "invitation").Select(m => m.Token).ToList();
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        var dump = DatabaseDump.Take(app.DatabasePath);
        Assert.All(tokens, t => Assert.DoesNotContain(t, dump));
        Assert.All(tokens, t => Assert.Contains(Secrets.Hash(t), dump));
    }

    [Fact]
    public async Task Reminders_reach_only_the_non_responders_of_the_chosen_groups_and_their_link_signs_in_until_a_new_link_is_made()
    {
        var s = await Scenario.CreateAsync(app);
        var noEmail = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/participants", new { group = "housing", name = "Zonder adres" }), HttpStatusCode.Created);
        var erased = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/participants", new { group = "residents", name = "Gewist", email = "gewist@example.org" }), HttpStatusCode.Created);
        using (var c = DatabaseDump.Open(app.DatabasePath, write: true))
        {
            // Erasing a person removes the identity: no address, so no e-mail any more.
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"UPDATE participant_identities SET name = NULL, email = NULL, erased_at = '2030-01-01T00:00:00Z' WHERE participant_id = {erased.GetProperty("id")}";
            cmd.ExecuteNonQuery();
        }
        await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        // The first member of every group answers; housing 1 and 2, residents 0–2 and grid-operators 1 and 2 do not.
        foreach (var p in s.Participants.Where(p => s.Participants.First(q => q.Group == p.Group) == p && p.Group != "residents"))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.FivePointItem, value = 3 }), HttpStatusCode.Created);

        var accepted = await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/reminders", new { groups = new[] { "housing", "residents" } });
        var body = await Scenario.Expect(accepted, HttpStatusCode.Accepted);
        Assert.Equal($"/api/v1/studies/{s.StudyId}/outbox", accepted.Headers.Location!.OriginalString);
        Assert.Equal(5, body.GetProperty("queued").GetInt32());
        var housing = body.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("slug").GetString() == "housing");
        Assert.Equal(3, housing.GetProperty("notAnswered").GetInt32());
        Assert.Equal(2, housing.GetProperty("queued").GetInt32());
        Assert.Equal(1, housing.GetProperty("withoutEmail").GetInt32());
        var residents = body.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("slug").GetString() == "residents");
        Assert.Equal((4, 3, 1), (residents.GetProperty("notAnswered").GetInt32(), residents.GetProperty("queued").GetInt32(), residents.GetProperty("withoutEmail").GetInt32()));

        await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        var reminders = MailOf(s.StudyId, "reminder");
        Assert.Equal(new[] { Email("housing", 1), Email("housing", 2), Email("residents", 0), Email("residents", 1), Email("residents", 2) },
            reminders.Select(m => m.To).Order().ToArray());
        Assert.All(reminders, m => Assert.Equal(1, m.Round));
        Assert.DoesNotContain(DatabaseDump.Text(app.DatabasePath, $"SELECT pseudonym FROM participants WHERE id = {noEmail.GetProperty("id").GetInt64()}"), string.Concat(reminders.Select(m => m.Text)));

        // The reminder's link signs in (cookie) and answers (bearer).
        var reminder = reminders.Single(m => m.To == Email("housing", 1));
        var member = s.Participants.Where(p => p.Group == "housing").ElementAt(1);
        var browser = app.Client(followRedirects: false);
        var enter = await browser.GetAsync(new Uri(reminder.Link).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, enter.StatusCode);
        Assert.Equal("/p", enter.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/p")).StatusCode);
        await Scenario.Expect(await Scenario.AnswerAsync(app, reminder.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);

        // "New link" revokes it: the session opened with it ends, the link and the invitation's link stop working.
        var invitation = MailOf(s.StudyId, "invitation").Single(m => m.To == Email("housing", 1));
        var fresh = await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{member.Id}/invitation", null), HttpStatusCode.OK);
        var afterwards = await browser.GetAsync("/p");
        Assert.Equal(HttpStatusCode.Redirect, afterwards.StatusCode);
        Assert.Equal("/p/welcome-back", afterwards.Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client().GetAsync(new Uri(reminder.Link).PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client().GetAsync(new Uri(invitation.Link).PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scenario.AnswerAsync(app, reminder.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scenario.AnswerAsync(app, member.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5 })).StatusCode);
        await Scenario.Expect(await Scenario.AnswerAsync(app, fresh.GetProperty("token").GetString()!, s.RoundId, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_session_opened_with_an_invitation_link_stays_valid_while_that_link_is_not_revoked()
    {
        var s = await Scenario.CreateAsync(app);
        await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        var invitation = MailOf(s.StudyId, "invitation").Single(m => m.To == Email("grid-operators", 0));
        var browser = app.Client(followRedirects: false);
        await browser.GetAsync(new Uri(invitation.Link).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/p")).StatusCode);
        // Another participant's new link changes nothing for this one.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/studies/{s.StudyId}/participants/{s.Participants[1].Id}/invitation", null), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/p")).StatusCode);
        // The original link made when the participant was added still works beside it.
        Assert.Equal(HttpStatusCode.Redirect, (await app.Client(followRedirects: false).GetAsync($"/p/{s.Participants[0].Token}")).StatusCode);
    }

    [Fact]
    public async Task Reminder_requests_name_what_is_wrong_and_change_nothing()
    {
        var s = await Scenario.CreateAsync(app);
        await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        var before = DatabaseDump.Take(app.DatabasePath);

        var unknown = await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/reminders", new { groups = new[] { "housing", "farmers" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("farmers", (await unknown.ReadAsync()).GetProperty("errors").GetProperty("groups")[0].GetString());
        var empty = await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/reminders", new { groups = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.True((await empty.ReadAsync()).GetProperty("errors").TryGetProperty("groups", out _));
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        var other = await Scenario.CreateAsync(app);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/reminders", new { groups = new[] { "housing" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/outbox")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Client(s.Participants[0].Token).GetAsync($"/api/v1/studies/{s.StudyId}/outbox")).StatusCode);
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM outbox WHERE study_id = {s.StudyId} AND purpose = 'reminder'"));

        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var closed = await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/reminders", new { groups = new[] { "housing" } });
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.True((await closed.ReadAsync()).GetProperty("errors").TryGetProperty("studyId", out _));
    }

    [Fact]
    public async Task The_panel_page_sends_reminders_to_the_ticked_groups_and_shows_the_sending()
    {
        var s = await Scenario.CreateAsync(app);
        await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        var browser = await FacilitatorBrowserAsync(s);
        var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}/panel");
        Assert.Contains("id=\"remind-housing\"", page);
        Assert.Contains("data-outbox=\"sent\">9<", page);

        var noGroup = await browser.PostAsync($"/f/studies/{s.StudyId}/panel?handler=Remind", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Antiforgery(page),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, noGroup.StatusCode);
        Assert.Contains("id=\"remind-error\">Kies minstens één groep.", await noGroup.Content.ReadAsStringAsync());

        var posted = await browser.PostAsync($"/f/studies/{s.StudyId}/panel?handler=Remind", new FormUrlEncodedContent(
        [
            new("RemindGroups", "grid-operators"), new("__RequestVerificationToken", Antiforgery(page)),
        ]));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("3 herinneringen staan klaar voor ronde 1", await posted.Content.ReadAsStringAsync());
        await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        Assert.Equal(3, MailOf(s.StudyId, "reminder").Count);
        var progress = await browser.GetStringAsync($"/f/studies/{s.StudyId}/panel?handler=Outbox");
        Assert.Contains("data-outbox=\"sent\">12<", progress);
        Assert.Contains("data-outbox=\"pending\">0<", progress);
    }

    [Fact]
    public async Task Response_per_group_and_round_is_on_the_dashboard_and_in_the_api()
    {
        var s = await Scenario.CreateAsync(app);
        // Round 1: all three grid operators, one housing member, no residents.
        foreach (var p in s.Participants.Where(p => p.Group == "grid-operators").Append(s.Participants.First(p => p.Group == "housing")))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4 }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var round2 = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/rounds", new { mode = "live" }), HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{round2}/open", null), HttpStatusCode.OK);
        // Round 2: the residents who skipped round 1 answer now; one grid operator drops out.
        foreach (var p in s.Participants.Where(p => p.Group == "residents").Concat(s.Participants.Where(p => p.Group == "grid-operators").Take(2)))
            await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, round2, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);

        var response = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}/response"), HttpStatusCode.OK);
        var rounds = response.EnumerateArray().ToList();
        Assert.Equal([1, 2], rounds.Select(r => r.GetProperty("number").GetInt32()));
        int Answered(int round, string group) => rounds[round - 1].GetProperty("groups").EnumerateArray()
            .Single(g => g.GetProperty("slug").GetString() == group).GetProperty("answered").GetInt32();
        Assert.Equal([3, 1, 0], new[] { "grid-operators", "housing", "residents" }.Select(g => Answered(1, g)));
        Assert.Equal([2, 0, 3], new[] { "grid-operators", "housing", "residents" }.Select(g => Answered(2, g)));
        Assert.Equal(4, rounds[0].GetProperty("answered").GetInt32());
        Assert.Equal(9, rounds[1].GetProperty("invited").GetInt32());

        var browser = await FacilitatorBrowserAsync(s);
        var page = await browser.GetStringAsync($"/f/studies/{s.StudyId}/dashboard");
        var table = Regex.Match(page, "<table class=\"utrecht-table response-by-round\".*?</table>", RegexOptions.Singleline).Value;
        Assert.Contains("<caption", table);
        Assert.Matches("data-group=\"residents\">.*?data-round=\"1\" data-answered=\"0\" data-invited=\"3\".*?data-round=\"2\" data-answered=\"3\" data-invited=\"3\"", Regex.Replace(table, @"\s+", " "));
        Assert.Contains("3 van 3 (100%)", table);
    }

    private static string Antiforgery(string html) => Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;

    /// <summary>A browser logged in as the scenario's facilitator.</summary>
    private async Task<HttpClient> FacilitatorBrowserAsync(Scenario s) => await LoggedInAsync(app, s.FacilitatorToken);

    /// <summary>A browser logged in as the facilitator who owns <paramref name="apiToken"/> (test accounts share one password).</summary>
    internal static async Task<HttpClient> LoggedInAsync(DelphiApp app, string apiToken)
    {
        var account = (await app.Services.GetRequiredService<DelphiRounds.Accounts.FacilitatorStore>().FindByApiTokenAsync(apiToken))!;
        var browser = app.Client();
        await AgreementOfFiguresTests.LogInAsync(browser, account.Email, "correct horse battery staple");
        return browser;
    }
}
