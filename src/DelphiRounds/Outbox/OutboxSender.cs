using System.Threading.Channels;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Outbox;

/// <summary>
/// Sends the outbox: checks it every <see cref="MailOptions.PollSeconds"/> (on the injected clock) and at
/// once when a message is queued. Each message gets a fresh personal link, made only now and stored only
/// as its SHA-256; a failed attempt revokes its link and is tried again on a later check, up to
/// <see cref="MailOptions.MaxAttempts"/>. A message whose round has closed, or whose recipient has no
/// address any more, is cancelled instead of sent; so is a commitment reminder whose organisation withdrew its
/// signature after the reminder was queued (checked when it is sent).
/// </summary>
public sealed class OutboxSender(
    OutboxStore outbox, ReceiptMailStore receipts, CommitmentReminderStore commitmentReminders, StudyStore studies, RoundStore rounds, MailDelivery delivery, OutboxMessages messages,
    IOptions<MailOptions> options, SiteUrls site, TimeProvider time, ILogger<OutboxSender> logger) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _sending = new(1, 1);

    /// <summary>Asks the sender to look at the outbox now instead of at its next check.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Outbox: e-mail goes to {Delivery}", delivery.Describe);
        if (!options.Value.Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SendPendingAsync(ct: stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sending the outbox failed; the next check tries again");
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var poll = Task.Delay(TimeSpan.FromSeconds(options.Value.PollSeconds), time, wait.Token);
            var woken = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
            await Task.WhenAny(poll, woken);
            await wait.CancelAsync();
            while (_wake.Reader.TryRead(out _)) { }
        }
    }

    /// <summary>
    /// Tries every message waiting now, once; optionally only those of one study, and through another
    /// delivery (the demo writes to the pickup folder whatever the settings). Returns the number sent.
    /// </summary>
    public async Task<int> SendPendingAsync(long? studyId = null, MailDelivery? through = null, CancellationToken ct = default)
    {
        await _sending.WaitAsync(ct);
        try
        {
            var sent = 0;
            var baseUrl = site.BaseUrl(null);
            foreach (var message in await outbox.PendingAsync(options.Value.MaxAttempts, studyId))
            {
                ct.ThrowIfCancellationRequested();
                if (await SendOneAsync(message, baseUrl, through ?? delivery, ct)) sent++;
            }
            // Signatories' receipts (issue 19): the same delivery and retries; they carry no personal link.
            foreach (var receipt in await receipts.PendingAsync(options.Value.MaxAttempts, studyId))
            {
                ct.ThrowIfCancellationRequested();
                if (await SendReceiptAsync(receipt, baseUrl, through ?? delivery, ct)) sent++;
            }
            // Reminders about commitments that are due (issue 21): to the organisation's signatory, no personal link either.
            foreach (var reminder in await commitmentReminders.PendingAsync(options.Value.MaxAttempts, studyId))
            {
                ct.ThrowIfCancellationRequested();
                if (await SendCommitmentReminderAsync(reminder, baseUrl, through ?? delivery, ct)) sent++;
            }
            return sent;
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task<bool> SendReceiptAsync(ReceiptMail receipt, string baseUrl, MailDelivery via, CancellationToken ct)
    {
        var recipient = await receipts.RecipientAsync(receipt.SignatoryId);
        if (recipient is null || !recipient.Reachable)
        {
            await receipts.CancelAsync(receipt.Id, "the signatory has no e-mail address (any more)");
            return false;
        }
        var study = await studies.FindAsync(receipt.StudyId);
        if (study is null)
        {
            await receipts.CancelAsync(receipt.Id, "the study does not exist");
            return false;
        }
        if (!await receipts.ClaimAsync(receipt)) return false; // another sender has it
        try
        {
            using var mail = messages.ComposeReceipt(receipt, recipient, study, $"{baseUrl}/verify/{receipt.StudyId}", time.GetUtcNow());
            await via.SendAsync(mail, ct);
        }
        catch (Exception e)
        {
            var interrupted = e is OperationCanceledException;
            logger.LogWarning("Receipt mail {Id} (attempt {Attempt}) was not delivered: {Error}", receipt.Id, receipt.Attempts + 1, e.Message);
            await receipts.MarkFailedAsync(receipt.Id, interrupted ? "interrupted while sending" : e.Message);
            if (interrupted) throw;
            return false;
        }
        await receipts.MarkSentAsync(receipt.Id);
        return true;
    }

    private async Task<bool> SendCommitmentReminderAsync(CommitmentReminder reminder, string baseUrl, MailDelivery via, CancellationToken ct)
    {
        var recipient = await receipts.RecipientAsync(reminder.SignatoryId);
        if (recipient is null || !recipient.Reachable)
        {
            await commitmentReminders.CancelAsync(reminder.Id, "the signatory has no e-mail address (any more)");
            return false;
        }
        if (recipient.WithdrawnAt is not null)
        {
            // Queued while the signature stood; withdrawn since: the organisation's commitments are withdrawn with it.
            await commitmentReminders.CancelAsync(reminder.Id, "the organisation withdrew its signature");
            return false;
        }
        var study = await studies.FindAsync(reminder.StudyId);
        if (study is null)
        {
            await commitmentReminders.CancelAsync(reminder.Id, "the study does not exist");
            return false;
        }
        if (!await commitmentReminders.ClaimAsync(reminder)) return false; // another sender has it
        try
        {
            using var mail = messages.ComposeCommitmentReminder(reminder, recipient, study, $"{baseUrl}/agenda/{reminder.StudyId}", time.GetUtcNow());
            await via.SendAsync(mail, ct);
        }
        catch (Exception e)
        {
            var interrupted = e is OperationCanceledException;
            logger.LogWarning("Commitment reminder {Id} (attempt {Attempt}) was not delivered: {Error}", reminder.Id, reminder.Attempts + 1, e.Message);
            await commitmentReminders.MarkFailedAsync(reminder.Id, interrupted ? "interrupted while sending" : e.Message);
            if (interrupted) throw;
            return false;
        }
        await commitmentReminders.MarkSentAsync(reminder.Id);
        return true;
    }

    private async Task<bool> SendOneAsync(OutboxMessage message, string baseUrl, MailDelivery via, CancellationToken ct)
    {
        var round = message.RoundId is { } roundId ? await rounds.FindAsync(roundId) : null;
        if (message.RoundId is not null && round?.IsOpen != true)
        {
            await outbox.CancelAsync(message.Id, "the round is no longer open");
            return false;
        }
        var recipient = await outbox.RecipientAsync(message.ParticipantId);
        if (recipient is null || !recipient.Reachable)
        {
            await outbox.CancelAsync(message.Id, "the participant has no e-mail address (any more)");
            return false;
        }
        var study = await studies.FindAsync(message.StudyId);
        if (study is null)
        {
            await outbox.CancelAsync(message.Id, "the study does not exist");
            return false;
        }

        var token = Secrets.NewToken(Secrets.ParticipantTokenPrefix);
        var hash = Secrets.Hash(token);
        if (!await outbox.ClaimAsync(message, hash)) return false; // another sender has it
        try
        {
            using var mail = messages.Compose(message, recipient, study, round, PanelEndpoints.InvitationUrl(baseUrl, token), time.GetUtcNow());
            await via.SendAsync(mail, ct);
        }
        catch (Exception e)
        {
            var interrupted = e is OperationCanceledException;
            logger.LogWarning("Outbox message {Id} (attempt {Attempt}) was not delivered: {Error}", message.Id, message.Attempts + 1, e.Message);
            await outbox.MarkFailedAsync(message.Id, hash, interrupted ? "interrupted while sending" : e.Message);
            if (interrupted) throw;
            return false;
        }
        await outbox.MarkSentAsync(message.Id);
        return true;
    }
}
