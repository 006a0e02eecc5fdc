using System.ComponentModel.DataAnnotations;

namespace DelphiRounds.Privacy;

/// <summary>How long personal data is kept. Bound from the <c>Privacy</c> section.</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>
    /// Names and e-mail addresses of a study's panel are erased this many days after the study's last round
    /// closed (when no round is open or in preparation). Answers stay, under their pseudonyms.
    /// </summary>
    [Range(0, 36_500)]
    public int RetainIdentitiesDays { get; set; } = 180;

    /// <summary>How often the retention check runs, in minutes.</summary>
    [Range(1, 24 * 60)]
    public int PurgeIntervalMinutes { get; set; } = 60;
}
