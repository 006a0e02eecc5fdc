using System.Globalization;
using DelphiRounds.Outbox;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Agenda;

/// <summary>
/// Reminders to organisations whose commitments are due (issue 21): two weeks before the due date, on it, and once when
/// it has passed, unless the commitment is done or its organisation withdrew. Looks at the agenda when the server starts
/// and every <see cref="Every"/> on the injected clock, queues what is due in the outbox (each kind once per commitment,
/// remembered in the database, so a restart sends nothing twice) and wakes the sender. Runs only where mail is on.
/// </summary>
public sealed class CommitmentReminders(AgendaStore agenda, CommitmentReminderStore reminders, OutboxSender sender, IOptions<MailOptions> options,
    TimeProvider time, ILogger<CommitmentReminders> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await QueueDueAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Looking for due commitments failed; the next check tries again");
            }
            await Task.Delay(Every, time, stoppingToken);
        }
    }

    /// <summary>
    /// Queues the reminders that are due today (on the injected clock, as a UTC date like the agenda's statuses) and not
    /// queued before; returns them.
    /// </summary>
    public async Task<IReadOnlyList<CommitmentDue>> QueueDueAsync()
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var until = today.AddDays(CommitmentReminderKinds.DaysBefore).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var queued = new List<CommitmentDue>();
        foreach (var c in await agenda.RemindableAsync(until))
        {
            if (!DateOnly.TryParseExact(c.DueOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var dueOn)) continue;
            if (CommitmentReminderKinds.For(dueOn, today) is not { } kind) continue;
            var due = new CommitmentDue(c.StudyId, c.CommitmentId, c.SignatoryId, kind, c.Language, c.Organisation, c.Text, c.DueOn);
            if (await reminders.QueueAsync(due)) queued.Add(due);
        }
        if (queued.Count > 0)
        {
            logger.LogInformation("Queued {Count} reminder(s) about due commitments", queued.Count);
            sender.Wake();
        }
        return queued;
    }
}
