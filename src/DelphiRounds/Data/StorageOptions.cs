using System.ComponentModel.DataAnnotations;

namespace DelphiRounds.Data;

/// <summary>Where DelphiRounds keeps its data. Bound from the <c>Storage</c> section and <c>ConnectionStrings:Postgres</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Path of the SQLite database file; relative paths are relative to the settings file's folder.</summary>
    [Required]
    public string SqlitePath { get; set; } = "data/delphi.db";

    /// <summary>
    /// Folder of the keys that protect login cookies and anti-forgery tokens; relative paths are relative to
    /// the settings file's folder. Instances behind one load balancer must share it.
    /// </summary>
    [Required]
    public string KeysFolder { get; set; } = "data/keys";

    /// <summary>
    /// Optional certificate (.pfx) that encrypts the keys in <see cref="KeysFolder"/>; relative paths are relative to
    /// the settings file's folder. Empty: the folder is readable by the server's account only and the keys are not encrypted.
    /// </summary>
    public string? KeysCertificatePath { get; set; }

    /// <summary>Password of <see cref="KeysCertificatePath"/> (keep it out of git: give it as Storage__KeysCertificatePassword).</summary>
    public string? KeysCertificatePassword { get; set; }

    /// <summary>When set, PostgreSQL is used instead of SQLite (scale-out).</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>Seconds a SQLite connection waits for a lock before giving up.</summary>
    [Range(1, 600)]
    public int BusyTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// The SQLite file is checked at start-up with <c>PRAGMA quick_check</c> (seconds even for a large file); true runs
    /// the full <c>integrity_check</c>, which also compares every index with its table (minutes for a large file).
    /// </summary>
    public bool FullIntegrityCheck { get; set; }

    /// <summary>
    /// A 0-byte file where the SQLite database should be is refused (a lost database, not a new one) unless this is
    /// true: the operator asks for a new installation in it, for that one start.
    /// </summary>
    public bool NewInstallation { get; set; }
}
