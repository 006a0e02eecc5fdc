using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using DelphiRounds.Agenda;
using DelphiRounds.Outbox;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 21, reminders: an organisation whose commitment is due gets an e-mail two weeks before the due date, one on it
/// and one when it has passed — in the language it committed in, each exactly once (also after a restart), none for a
/// commitment marked done or of an organisation that withdrew. The reminders' clock is the test's.
/// </summary>
public sealed class CommitmentReminderTests
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private static readonly DateOnly Due = Today.AddDays(40);

    private static DateTimeOffset Noon(DateOnly day) => new(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);

    /// <summary>The organisation of signatory <paramref name="index"/> commits through its link's form, in Dutch or English; returns the id.</summary>
    private static async Task<long> CommitAsync(DelphiApp app, AgendaScenario a, int index, string text, bool english)
    {
        var token = await a.CommitmentLinkAsync(a.Signatories[index].Id);
        var browser = app.Client(followRedirects: false);
        if (english) browser.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("en"));
        var page = await browser.GetStringAsync($"/commit/{token}");
        var made = await browser.PostAsync($"/commit/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(page), ["Text"] = text, ["Statements"] = "2",
            ["Due"] = Due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["OwnerRole"] = "Projectleider",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, made.StatusCode);
        var commitments = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments"), HttpStatusCode.OK);
        return commitments.EnumerateArray().Single(c => c.GetProperty("text").GetString() == text).GetProperty("id").GetInt64();
    }

    private static async Task MarkDoneAsync(DelphiApp app, AgendaScenario a, long commitment) =>
        await Scenario.Expect(await app.Client(a.Study.FacilitatorToken).PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments/{commitment}/done",
            new { date = Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), note = "Klaar." }), HttpStatusCode.Created);

    /// <summary>The reminders (as the background service composes them) on the test's clock at <paramref name="day"/>: (commitment, kind) queued.</summary>
    private static async Task<IReadOnlyList<(long Commitment, string Kind)>> CheckOnAsync(DelphiApp app, DateOnly day)
    {
        var reminders = ActivatorUtilities.CreateInstance<CommitmentReminders>(app.Services, new ManualClock(Noon(day)));
        return (await reminders.QueueDueAsync()).Select(d => (d.CommitmentId, d.Kind)).Order().ToList();
    }

    /// <summary>Runs the outbox sender once into the pickup folder; returns the reminder mails there (all sent so far).</summary>
    private static async Task<IReadOnlyList<Mail>> SendAsync(DelphiApp app, long studyId)
    {
        await app.Services.GetRequiredService<OutboxSender>().SendPendingAsync(studyId, app.Services.GetRequiredService<PickupDelivery>());
        return Mailbox.Read(app.OutboxFolder).Where(m => m.Purpose.StartsWith("commitment-", StringComparison.Ordinal)).ToList();
    }

    /// <summary>The signatory <paramref name="index"/> withdraws their organisation's signature through their receipt page's form.</summary>
    private static async Task WithdrawAsync(DelphiApp app, AgendaScenario a, int index)
    {
        var browser = app.Client(followRedirects: false);
        var receipt = await browser.GetStringAsync($"/sign/{a.Signatories[index].Token}/receipt");
        var withdrawn = await browser.PostAsync($"/sign/{a.Signatories[index].Token}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AgendaScenario.Antiforgery(receipt), ["ConfirmWithdraw"] = "true", ["Reason"] = "test",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, withdrawn.StatusCode);
    }

    private static long CommitmentOf(Mail mail) => long.Parse(mail.Headers["X-Delphi-Commitment"], CultureInfo.InvariantCulture);

    [Fact]
    public async Task Each_due_commitment_is_reminded_before_on_and_after_its_date_once_in_its_language_and_not_when_done_or_withdrawn()
    {
        var app = new DelphiApp();
        try
        {
            var a = await AgendaScenario.SignedAsync(app, signatories: 4, signed: 4);
            var dutch = await CommitAsync(app, a, 0, "Wij sluiten 2.000 woningen aan op het warmtenet.", english: false);
            var english = await CommitAsync(app, a, 1, "We build a second heat source.", english: true);
            var done = await CommitAsync(app, a, 2, "Wij publiceren de warmteprijs.", english: false);
            var withdrawn = await CommitAsync(app, a, 3, "Wij leggen een transportleiding aan.", english: false);
            await MarkDoneAsync(app, a, done);
            await WithdrawAsync(app, a, 3);

            // More than two weeks ahead: nothing.
            Assert.Empty(await CheckOnAsync(app, Due.AddDays(-15)));
            // Two weeks before: the two open commitments, not the one done nor the withdrawn organisation's.
            Assert.Equal(new[] { (dutch, "soon"), (english, "soon") }, await CheckOnAsync(app, Due.AddDays(-14)));
            Assert.Empty(await CheckOnAsync(app, Due.AddDays(-14)));
            var soon = await SendAsync(app, a.StudyId);
            Assert.Equal(2, soon.Count);
            var nl = soon.Single(m => CommitmentOf(m) == dutch);
            Assert.Equal("signatory1@example.org", nl.To);
            Assert.Equal("commitment-soon", nl.Purpose);
            Assert.StartsWith("Herinnering: over twee weken", nl.Subject);
            Assert.StartsWith("Beste Ondertekenaar 1,", nl.Text);
            Assert.Contains("Wij sluiten 2.000 woningen aan op het warmtenet.", nl.Text);
            Assert.Contains(Due.ToString("d MMMM yyyy", CultureInfo.GetCultureInfo("nl")), nl.Text);
            Assert.Contains($"/agenda/{a.StudyId}", nl.Text);
            Assert.Contains($"/agenda/{a.StudyId}", nl.Html);
            var en = soon.Single(m => CommitmentOf(m) == english);
            Assert.Equal("signatory2@example.org", en.To);
            Assert.StartsWith("Reminder: your commitment for", en.Subject);
            Assert.StartsWith("Dear Ondertekenaar 2,", en.Text);
            Assert.Contains(Due.ToString("d MMMM yyyy", CultureInfo.GetCultureInfo("en")), en.Text);
            Assert.Contains("lang=\"en\"", en.Html);

            // A restart forgets nothing: the same day and the days after it send nothing new until the due date.
            app = app.Restart();
            Assert.Empty(await CheckOnAsync(app, Due.AddDays(-14)));
            Assert.Empty(await CheckOnAsync(app, Due.AddDays(-1)));
            Assert.Equal(new[] { (dutch, "due"), (english, "due") }, await CheckOnAsync(app, Due));
            Assert.Empty(await CheckOnAsync(app, Due));
            Assert.Equal(4, (await SendAsync(app, a.StudyId)).Count);
            // A sender that was down past the due date sends the late one, once.
            Assert.Equal(new[] { (dutch, "late"), (english, "late") }, await CheckOnAsync(app, Due.AddDays(3)));
            Assert.Empty(await CheckOnAsync(app, Due.AddDays(30)));
            // Marked done before its late reminder went out: that reminder is cancelled.
            await MarkDoneAsync(app, a, dutch);
            var all = await SendAsync(app, a.StudyId);
            Assert.Equal(5, all.Count);
            Assert.Equal(new[] { "commitment-due", "commitment-soon" }, all.Where(m => CommitmentOf(m) == dutch).Select(m => m.Purpose).Order());
            Assert.Equal(new[] { "commitment-due", "commitment-late", "commitment-soon" }, all.Where(m => CommitmentOf(m) == english).Select(m => m.Purpose).Order());
            Assert.DoesNotContain(all, m => CommitmentOf(m) == done || CommitmentOf(m) == withdrawn);
            Assert.StartsWith("Your commitment for", all.Single(m => m.Purpose == "commitment-late").Subject);
            Assert.StartsWith("Vandaag moet uw toezegging", all.Single(m => m.Purpose == "commitment-due" && CommitmentOf(m) == dutch).Subject);
            // Sent once: the sender has nothing left.
            Assert.Equal(5, (await SendAsync(app, a.StudyId)).Count);
            var stored = await app.Services.GetRequiredService<CommitmentReminderStore>().ListAsync(a.StudyId);
            Assert.Equal(6, stored.Count);
            Assert.Equal(5, stored.Count(r => r.SentAt is not null));
            Assert.Single(stored, r => r.CancelledAt is not null && r.CommitmentId == dutch && r.Kind == "late");
        }
        finally
        {
            app.Dispose();
        }
    }

    [Fact]
    public async Task A_reminder_queued_before_its_organisation_withdrew_is_cancelled_when_the_sender_comes_to_it_not_sent()
    {
        using var app = new DelphiApp();
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2);
        var leaving = await CommitAsync(app, a, 0, "Wij leggen een transportleiding aan.", english: false);
        var staying = await CommitAsync(app, a, 1, "Wij bouwen een tweede warmtebron.", english: false);
        // Both reminders are queued while both signatures stand; then the first organisation withdraws before the sender runs.
        Assert.Equal(new[] { (leaving, "soon"), (staying, "soon") }, await CheckOnAsync(app, Due.AddDays(-14)));
        await WithdrawAsync(app, a, 0);
        var commitments = await Scenario.Expect(await a.Study.Facilitator.GetAsync($"/api/v1/studies/{a.StudyId}/agenda/commitments"), HttpStatusCode.OK);
        Assert.Equal("withdrawn", commitments.EnumerateArray().Single(c => c.GetProperty("id").GetInt64() == leaving).GetProperty("status").GetString());

        var sent = await SendAsync(app, a.StudyId);
        var mail = Assert.Single(sent);
        Assert.Equal(staying, CommitmentOf(mail));
        var stored = await app.Services.GetRequiredService<CommitmentReminderStore>().ListAsync(a.StudyId);
        var cancelled = Assert.Single(stored, r => r.CommitmentId == leaving);
        Assert.Null(cancelled.SentAt);
        Assert.NotNull(cancelled.CancelledAt);
        Assert.Equal(0, cancelled.Attempts);
        Assert.Equal("the organisation withdrew its signature", cancelled.LastError);
        // Cancelled, not postponed: a later run of the sender does not send it either.
        Assert.Single(await SendAsync(app, a.StudyId));
    }

    [Theory]
    [InlineData(-15, null)]
    [InlineData(-14, "soon")]
    [InlineData(-1, "soon")]
    [InlineData(0, "due")]
    [InlineData(1, "late")]
    [InlineData(400, "late")]
    public void The_kind_of_reminder_follows_the_days_to_the_due_date(int days, string? kind) =>
        Assert.Equal(kind, CommitmentReminderKinds.For(Due, Due.AddDays(days)));
}
