using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Outbox;

/// <summary>
/// Hands a message over: to the SMTP server when <c>Mail:SmtpHost</c> is set, else as an <c>.eml</c>
/// file in <c>Mail:PickupFolder</c> (made when the first message is written).
/// </summary>
public class MailDelivery(IOptions<MailOptions> options)
{
    protected MailOptions Options => options.Value;

    /// <summary>True when sending is off (<c>Mail:Enabled</c> false): messages wait in the outbox. The panel page says so in the reader's language.</summary>
    public bool SendingOff => !options.Value.Enabled;

    /// <summary>Where messages go, for logs and the panel page (no secrets).</summary>
    public virtual string Describe => !options.Value.Enabled ? "nowhere yet: sending is off (Mail:Enabled is false), messages wait in the outbox"
        : options.Value.UsesSmtp
        ? $"SMTP {options.Value.SmtpHost}:{options.Value.SmtpPort}"
        : $"pickup folder {options.Value.PickupFolder}";

    public virtual async Task SendAsync(MailMessage message, CancellationToken ct = default)
    {
        using var client = Client();
        await client.SendMailAsync(message, ct);
    }

    private SmtpClient Client()
    {
        var o = options.Value;
        if (!o.UsesSmtp) return Pickup(o.PickupFolder);
        var client = new SmtpClient(o.SmtpHost, o.SmtpPort)
        {
            DeliveryMethod = SmtpDeliveryMethod.Network,
            EnableSsl = o.EnableSsl,
            Timeout = 30_000,
        };
        if (!string.IsNullOrEmpty(o.UserName)) client.Credentials = new NetworkCredential(o.UserName, o.Password);
        return client;
    }

    internal static SmtpClient Pickup(string folder) => new()
    {
        DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory,
        PickupDirectoryLocation = Directory.CreateDirectory(folder).FullName,
    };
}

/// <summary>Always writes to the pickup folder, whatever the settings say: the demo never sends real e-mail.</summary>
public sealed class PickupDelivery(IOptions<MailOptions> options) : MailDelivery(options)
{
    public override string Describe => $"pickup folder {Options.PickupFolder}";

    public override async Task SendAsync(MailMessage message, CancellationToken ct = default)
    {
        using var client = Pickup(Options.PickupFolder);
        await client.SendMailAsync(message, ct);
    }
}
