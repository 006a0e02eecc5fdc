using System.ComponentModel.DataAnnotations;
using System.Net.Mail;

namespace DelphiRounds.Outbox;

/// <summary>
/// How e-mail (invitations, reminders) leaves the server. Bound from the <c>Mail</c> section. With an
/// <see cref="SmtpHost"/> messages go out over SMTP; without one they are written as <c>.eml</c> files
/// to <see cref="PickupFolder"/>, for a mail server's pickup directory or for reading by hand.
/// </summary>
public sealed class MailOptions : IValidatableObject
{
    public const string Section = "Mail";

    /// <summary>False: messages are queued but not sent (they wait until this is switched on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>SMTP server; empty: write messages to the pickup folder instead.</summary>
    public string? SmtpHost { get; set; }

    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 587;

    /// <summary>Sender address, e.g. <c>Gemeente Rotterdam &lt;delphi@example.nl&gt;</c>.</summary>
    public string From { get; set; } = "DelphiRounds <noreply@delphi.local>";

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>Use TLS (STARTTLS) with the SMTP server.</summary>
    public bool EnableSsl { get; set; } = true;

    /// <summary>Folder for <c>.eml</c> files when no SMTP server is set; relative to the settings file.</summary>
    public string PickupFolder { get; set; } = "data/outbox";

    /// <summary>How often the outbox is checked for messages to (re)try; queuing a message also wakes it at once.</summary>
    [Range(1, 3600)]
    public int PollSeconds { get; set; } = 30;

    /// <summary>A message that failed this many times is given up (shown as failed).</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 5;

    public bool UsesSmtp => !string.IsNullOrWhiteSpace(SmtpHost);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MailAddress.TryCreate(From, out _))
            yield return new ValidationResult($"Mail:From '{From}' is not an e-mail address (e.g. \"Gemeente <delphi@example.nl>\").", [nameof(From)]);
    }
}
