using System.Globalization;
using System.Net.Mail;
using System.Net.Mime;
using System.Text;
using System.Text.Encodings.Web;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Outbox;

/// <summary>
/// Writes invitations and reminders in the participant's language (Dutch unless they chose English),
/// as plain text with an HTML alternative, both carrying the participant's personal link; and signatories' receipts and
/// reminders about commitments in the language they signed or committed in. One envelope for all of them.
/// </summary>
public sealed class OutboxMessages(IOptions<MailOptions> options)
{
    private static readonly TimeZoneInfo DutchTime = FindDutchTime();

    /// <summary>The message for one outbox entry; <paramref name="now"/> (from the injected clock) becomes its Date.</summary>
    public MailMessage Compose(OutboxMessage message, Recipient to, Study study, Round? round, string link, DateTimeOffset now)
    {
        var language = to.Language == "en" ? "en" : "nl";
        var culture = CultureInfo.GetCultureInfo(language);
        var texts = JsonStringLocalizerFactory.Table(language);
        string T(string key, params object[] args) => string.Format(culture, texts[key], args);

        var organiser = study.Organiser.Length > 0 ? study.Organiser : T("outbox.mail.theOrganiser");
        var title = study.TitleFor(language == "en");
        var reminder = message.Purpose == OutboxPurposes.Reminder;
        var number = round?.Number ?? 0;
        var ideas = round?.IsIdeas == true;
        var subject = reminder ? T("outbox.mail.reminder.subject", number, title)
            : ideas ? T("outbox.mail.invitation.subjectIdeas", title)
            : T("outbox.mail.invitation.subject", number, title);

        var paragraphs = new List<string>
        {
            reminder ? T("outbox.mail.reminder.body", number, title)
            : ideas ? T("outbox.mail.invitation.bodyIdeas", title, organiser)
            : T("outbox.mail.invitation.body", number, title, organiser),
        };
        if (round?.ClosesAt is { } closes)
            paragraphs.Add(T("outbox.mail.closes", TimeZoneInfo.ConvertTime(closes, DutchTime).ToString(language == "en" ? "dddd d MMMM yyyy, HH:mm" : "dddd d MMMM yyyy 'om' HH:mm", culture)));
        var greeting = string.IsNullOrWhiteSpace(to.Name) ? T("outbox.mail.greetingAnonymous") : T("outbox.mail.greeting", to.Name!);
        var personal = T("outbox.mail.personal", organiser);
        // Anchoring outside the service (issue 19): the locked criteria's fingerprint travels with the round-1 invitation
        // (after the link, so the link stays where it was in the message).
        var anchor = !reminder && !ideas && number == 1 && study.CriteriaHash is { } criteriaHash ? T("outbox.mail.criteriaHash", criteriaHash) : null;
        var signature = T("outbox.mail.signature");

        var text = new StringBuilder();
        text.Append(greeting).Append("\r\n\r\n");
        foreach (var p in paragraphs) text.Append(p).Append("\r\n\r\n");
        text.Append(T("outbox.mail.openLink")).Append("\r\n").Append(link).Append("\r\n\r\n");
        text.Append(personal).Append("\r\n\r\n");
        if (anchor is not null) text.Append(anchor).Append("\r\n\r\n");
        text.Append(signature).Append("\r\n").Append(organiser).Append("\r\n");

        var h = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append("<p>").Append(h.Encode(greeting)).Append("</p>");
        foreach (var p in paragraphs) html.Append("<p>").Append(h.Encode(p)).Append("</p>");
        html.Append("<p>").Append(h.Encode(T("outbox.mail.openLink"))).Append("<br><a href=\"").Append(h.Encode(link)).Append("\">")
            .Append(h.Encode(T("outbox.mail.linkText"))).Append("</a></p>");
        html.Append("<p>").Append(h.Encode(personal)).Append("</p>");
        if (anchor is not null) html.Append("<p>").Append(h.Encode(anchor)).Append("</p>");
        html.Append("<p>").Append(h.Encode(signature)).Append("<br>").Append(h.Encode(organiser)).Append("</p>");

        return Envelope(to.Email!, to.Name, language, subject, text, html, now, message.Purpose, study.Id,
            round is null ? [("X-Delphi-Message", message.Id)] : [("X-Delphi-Round", round.Number), ("X-Delphi-Message", message.Id)]);
    }

    /// <summary>
    /// A signatory's receipt (issue 19): the frozen document's hash, their entry and the head signed right after it, the service
    /// key's fingerprint and the link to check the ledger; in the language they signed in (Dutch otherwise).
    /// </summary>
    public MailMessage ComposeReceipt(ReceiptMail receipt, SignatoryRecipient to, Study study, string verifyUrl, DateTimeOffset now)
    {
        var language = receipt.Language == "en" ? "en" : "nl";
        var culture = CultureInfo.GetCultureInfo(language);
        var texts = JsonStringLocalizerFactory.Table(language);
        string T(string key, params object[] args) => string.Format(culture, texts[key], args);
        var kind = receipt.Kind is "withdrawal" or "confirmation" ? receipt.Kind : "endorsement";
        var title = study.TitleFor(language == "en");
        var organiser = study.Organiser.Length > 0 ? study.Organiser : T("outbox.mail.theOrganiser");
        var subject = T($"outbox.receipt.subject.{kind}", title);
        var greeting = string.IsNullOrWhiteSpace(to.Name) ? T("outbox.mail.greetingAnonymous") : T("outbox.mail.greeting", to.Name!);
        var body = T($"outbox.receipt.body.{kind}", title, to.Organisation);
        var fingerprints = new[]
        {
            T("outbox.receipt.documentHash", receipt.DocumentHash),
            T("outbox.receipt.entry", receipt.EntrySequence, receipt.EntryHash),
            T("outbox.receipt.head", receipt.HeadSequence, receipt.HeadHash),
            T("outbox.receipt.key", receipt.KeyFingerprint),
        };
        var signature = T("outbox.mail.signature");

        var text = new StringBuilder();
        text.Append(greeting).Append("\r\n\r\n").Append(body).Append("\r\n\r\n").Append(T("outbox.receipt.fingerprints")).Append("\r\n");
        foreach (var f in fingerprints) text.Append("- ").Append(f).Append("\r\n");
        text.Append("\r\n").Append(T("outbox.receipt.verify")).Append("\r\n").Append(verifyUrl).Append("\r\n\r\n");
        text.Append(T("outbox.receipt.receiptLink")).Append("\r\n\r\n");
        text.Append(signature).Append("\r\n").Append(organiser).Append("\r\n");

        var h = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append("<p>").Append(h.Encode(greeting)).Append("</p><p>").Append(h.Encode(body)).Append("</p>");
        html.Append("<p>").Append(h.Encode(T("outbox.receipt.fingerprints"))).Append("</p><ul>");
        foreach (var f in fingerprints) html.Append("<li>").Append(h.Encode(f)).Append("</li>");
        html.Append("</ul><p>").Append(h.Encode(T("outbox.receipt.verify"))).Append("<br><a href=\"").Append(h.Encode(verifyUrl)).Append("\">")
            .Append(h.Encode(T("outbox.receipt.verifyText"))).Append("</a></p>");
        html.Append("<p>").Append(h.Encode(T("outbox.receipt.receiptLink"))).Append("</p>");
        html.Append("<p>").Append(h.Encode(signature)).Append("<br>").Append(h.Encode(organiser)).Append("</p>");

        return Envelope(to.Email!, to.Name, language, subject, text, html, now, "receipt-" + kind, study.Id, [("X-Delphi-Receipt", receipt.Id)]);
    }

    /// <summary>
    /// A reminder to an organisation whose commitment is due (issue 21): two weeks before its date, on it, or once when it has
    /// passed; what was committed, the date, whom to tell when it is done, and the agenda page. In the commitment's language.
    /// </summary>
    public MailMessage ComposeCommitmentReminder(CommitmentReminder reminder, SignatoryRecipient to, Study study, string agendaUrl, DateTimeOffset now)
    {
        var language = reminder.Language == "en" ? "en" : "nl";
        var culture = CultureInfo.GetCultureInfo(language);
        var texts = JsonStringLocalizerFactory.Table(language);
        string T(string key, params object[] args) => string.Format(culture, texts[key], args);
        var kind = reminder.Kind is CommitmentReminderKinds.Soon or CommitmentReminderKinds.Due ? reminder.Kind : CommitmentReminderKinds.Late;
        var title = study.TitleFor(language == "en");
        var organiser = study.Organiser.Length > 0 ? study.Organiser : T("outbox.mail.theOrganiser");
        var due = DateOnly.TryParseExact(reminder.DueOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date.ToString("d MMMM yyyy", culture) : reminder.DueOn;
        var subject = T($"outbox.commitmentReminder.subject.{kind}", title);
        var greeting = string.IsNullOrWhiteSpace(to.Name) ? T("outbox.mail.greetingAnonymous") : T("outbox.mail.greeting", to.Name!);
        var paragraphs = new[]
        {
            T($"outbox.commitmentReminder.body.{kind}", reminder.Organisation, title, due),
            T("outbox.commitmentReminder.done", organiser),
            T("outbox.commitmentReminder.why", reminder.Organisation),
        };
        var what = T("outbox.commitmentReminder.what");
        var signature = T("outbox.mail.signature");

        var text = new StringBuilder();
        text.Append(greeting).Append("\r\n\r\n").Append(paragraphs[0]).Append("\r\n\r\n");
        text.Append(what).Append("\r\n").Append(reminder.CommitmentText).Append("\r\n\r\n");
        text.Append(paragraphs[1]).Append("\r\n\r\n");
        text.Append(T("outbox.commitmentReminder.agenda")).Append("\r\n").Append(agendaUrl).Append("\r\n\r\n");
        text.Append(paragraphs[2]).Append("\r\n\r\n");
        text.Append(signature).Append("\r\n").Append(organiser).Append("\r\n");

        var h = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append("<p>").Append(h.Encode(greeting)).Append("</p><p>").Append(h.Encode(paragraphs[0])).Append("</p>");
        html.Append("<p>").Append(h.Encode(what)).Append("</p><blockquote>").Append(h.Encode(reminder.CommitmentText)).Append("</blockquote>");
        html.Append("<p>").Append(h.Encode(paragraphs[1])).Append("</p>");
        html.Append("<p>").Append(h.Encode(T("outbox.commitmentReminder.agenda"))).Append("<br><a href=\"").Append(h.Encode(agendaUrl)).Append("\">")
            .Append(h.Encode(T("outbox.commitmentReminder.agendaText"))).Append("</a></p>");
        html.Append("<p>").Append(h.Encode(paragraphs[2])).Append("</p>");
        html.Append("<p>").Append(h.Encode(signature)).Append("<br>").Append(h.Encode(organiser)).Append("</p>");

        return Envelope(to.Email!, to.Name, language, subject, text, html, now, "commitment-" + kind, study.Id,
            [("X-Delphi-Commitment", reminder.CommitmentId), ("X-Delphi-Reminder", reminder.Id)]);
    }

    /// <summary>
    /// What every mail of the service shares: plain text with an HTML alternative (the body wrapped in a page in the mail's
    /// language), quoted-printable UTF-8, the Date from the injected clock, Auto-Submitted (keeps out-of-office replies away)
    /// and the X-Delphi headers that let a mail server (or a test) tell the messages apart.
    /// </summary>
    private MailMessage Envelope(string email, string? name, string language, string subject, StringBuilder text, StringBuilder htmlBody,
        DateTimeOffset now, string purpose, long studyId, IEnumerable<(string Header, long Value)> headers)
    {
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html lang=\"").Append(language).Append("\"><head><meta charset=\"utf-8\"><title>")
            .Append(HtmlEncoder.Default.Encode(subject)).Append("</title></head><body>").Append(htmlBody).Append("</body></html>");
        var mail = new MailMessage
        {
            From = new MailAddress(options.Value.From),
            Subject = subject,
            SubjectEncoding = Encoding.UTF8,
            Body = text.ToString(),
            BodyEncoding = Encoding.UTF8,
            BodyTransferEncoding = TransferEncoding.QuotedPrintable,
            IsBodyHtml = false,
            HeadersEncoding = Encoding.UTF8,
        };
        mail.To.Add(new MailAddress(email, name ?? "", Encoding.UTF8));
        var view = AlternateView.CreateAlternateViewFromString(html.ToString(), Encoding.UTF8, MediaTypeNames.Text.Html);
        view.TransferEncoding = TransferEncoding.QuotedPrintable;
        mail.AlternateViews.Add(view);
        mail.Headers.Add("Date", now.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture));
        mail.Headers.Add("Auto-Submitted", "auto-generated");
        mail.Headers.Add("X-Delphi-Purpose", purpose);
        mail.Headers.Add("X-Delphi-Study", studyId.ToString(CultureInfo.InvariantCulture));
        foreach (var (header, value) in headers) mail.Headers.Add(header, value.ToString(CultureInfo.InvariantCulture));
        return mail;
    }

    private static TimeZoneInfo FindDutchTime()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Local;
        }
    }
}
