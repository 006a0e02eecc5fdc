using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Outbox;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 19, anchoring outside the service: every entry a signatory appends queues a receipt e-mail (in the same transaction)
/// that carries the frozen document's hash, the entry and the head signed right after it; the outbox sender delivers it over
/// SMTP; erasing the signatory cancels what was not sent. Sending is off in this app, so the test decides when the sender runs.
/// </summary>
public sealed partial class ReceiptMailTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static string Antiforgery(string html) => AntiforgeryField().Match(html).Groups[1].Value;

    private static async Task SignAsync(HttpClient browser, SignatoryLink link)
    {
        var page = await browser.GetStringAsync($"/sign/{link.Token}");
        var signed = await browser.PostAsync($"/sign/{link.Token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Antiforgery(page), ["Confirm"] = "true", ["Mandate"] = "Statutair directeur",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, signed.StatusCode);
    }

    /// <summary>Runs the outbox sender once for the study, over SMTP to a test server; returns what that server received.</summary>
    private async Task<IReadOnlyList<Mail>> SendOverSmtpAsync(long studyId)
    {
        using var smtp = new FakeSmtpServer();
        var delivery = new MailDelivery(Options.Create(new MailOptions
        {
            Enabled = true, SmtpHost = "127.0.0.1", SmtpPort = smtp.Port, EnableSsl = false, From = "Gemeente Rotterdam <delphi@example.nl>",
        }));
        await app.Services.GetRequiredService<OutboxSender>().SendPendingAsync(studyId, delivery);
        return smtp.Messages.Select(m => Mailbox.Parse(m.Data)).ToList();
    }

    private static async Task<JsonElement> ReceiptJsonAsync(HttpClient browser, SignatoryLink link) =>
        JsonDocument.Parse(await browser.GetStringAsync($"/sign/{link.Token}/receipt.json")).RootElement;

    private static void AssertCarries(Mail mail, string documentHash, JsonElement entry, JsonElement head)
    {
        Assert.Contains(documentHash, mail.Text);
        Assert.Contains(entry.GetProperty("hash").GetString()!, mail.Text);
        Assert.Contains(head.GetProperty("headHash").GetString()!, mail.Text);
        Assert.Contains(head.GetProperty("keyFingerprint").GetString()!, mail.Text);
        Assert.Contains(entry.GetProperty("hash").GetString()!, mail.Html);
        Assert.Contains(head.GetProperty("headHash").GetString()!, mail.Html);
    }

    [Fact]
    public async Task A_signature_and_its_withdrawal_each_send_one_receipt_with_the_ledgers_fingerprints()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var browser = app.Client(followRedirects: false);
        await SignAsync(browser, v.Signatories[0]);
        await SignAsync(browser, v.Signatories[1]);
        var receipt = await ReceiptJsonAsync(browser, v.Signatories[0]);

        var first = await SendOverSmtpAsync(v.StudyId);
        Assert.Equal(2, first.Count);
        var mail = first.Single(m => m.To == "signatory1@example.org");
        Assert.Equal("receipt-endorsement", mail.Purpose);
        Assert.StartsWith("Beste Ondertekenaar 1,", mail.Text);
        AssertCarries(mail, v.DocumentHash, receipt.GetProperty("entry"), receipt.GetProperty("head"));
        Assert.Contains($"/verify/{v.StudyId}", mail.Text);
        // The head in the mail is the one signed right after this entry, as in the public ledger.
        var ledger = JsonDocument.Parse(await browser.GetStringAsync($"/api/v1/studies/{v.StudyId}/ledger")).RootElement;
        Assert.Equal(ledger.GetProperty("document").GetProperty("sha256").GetString(), v.DocumentHash);
        Assert.Contains(ledger.GetProperty("entries")[0].GetProperty("hash").GetString()!, mail.Text);
        Assert.Equal(1, receipt.GetProperty("head").GetProperty("sequence").GetInt64());
        // Sent once: another run of the sender sends nothing.
        Assert.Empty(await SendOverSmtpAsync(v.StudyId));

        var page = await browser.GetStringAsync($"/sign/{v.Signatories[0].Token}/receipt");
        var withdrawn = await browser.PostAsync($"/sign/{v.Signatories[0].Token}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ConfirmWithdraw"] = "true", ["Reason"] = "Besluit uitgesteld.", ["__RequestVerificationToken"] = Antiforgery(page),
        }));
        Assert.Equal(HttpStatusCode.SeeOther, withdrawn.StatusCode);
        var withdrawal = (await ReceiptJsonAsync(browser, v.Signatories[0])).GetProperty("withdrawal");

        var second = Assert.Single(await SendOverSmtpAsync(v.StudyId));
        Assert.Equal("signatory1@example.org", second.To);
        Assert.Equal("receipt-withdrawal", second.Purpose);
        AssertCarries(second, v.DocumentHash, withdrawal.GetProperty("entry"), withdrawal.GetProperty("head"));
        Assert.Equal(3, withdrawal.GetProperty("head").GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Nothing_is_sent_to_a_signatory_who_was_erased()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var browser = app.Client(followRedirects: false);
        await SignAsync(browser, v.Signatories[0]);
        await SignAsync(browser, v.Signatories[1]);
        await Scenario.Expect(await v.Study.Facilitator.PostAsync($"/api/v1/studies/{v.StudyId}/signatories/{v.Signatories[1].Id}/erase", null), HttpStatusCode.OK);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(*) FROM receipt_mails WHERE signatory_id = {v.Signatories[1].Id} AND cancelled_at IS NOT NULL AND sent_at IS NULL"));

        var sent = Assert.Single(await SendOverSmtpAsync(v.StudyId));
        Assert.Equal("signatory1@example.org", sent.To);
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM receipt_mails WHERE signatory_id = {v.Signatories[1].Id} AND sent_at IS NOT NULL"));
    }
}
