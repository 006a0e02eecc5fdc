using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Privacy;

/// <summary>
/// Purges identities once a study has ended and <see cref="PrivacyOptions.RetainIdentitiesDays"/> have
/// passed: checks at start and then every <see cref="PrivacyOptions.PurgeIntervalMinutes"/> (time from the
/// injected <see cref="TimeProvider"/>, so a test can move the clock).
/// </summary>
public sealed class IdentityRetentionService(
    IdentityStore identities, RoundStore rounds, IOptions<PrivacyOptions> options, TimeProvider time, ILogger<IdentityRetentionService> logger) : BackgroundService
{
    /// <summary>Runs the retention rule once; returns how many identities were erased.</summary>
    public async Task<int> PurgeOnceAsync()
    {
        var ended = await rounds.EndedBeforeAsync(time.GetUtcNow() - TimeSpan.FromDays(options.Value.RetainIdentitiesDays));
        var erased = await identities.PurgeStudiesAsync(ended);
        if (erased > 0)
            logger.LogInformation("Retention: erased {Count} identities of studies that ended more than {Days} days ago", erased, options.Value.RetainIdentitiesDays);
        return erased;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.PurgeIntervalMinutes), time);
        do
        {
            try
            {
                await PurgeOnceAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Retention: purging identities failed; the next run tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
