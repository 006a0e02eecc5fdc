namespace DelphiRounds.Endorsement;

/// <summary>Endorsement settings. Bound from the <c>Endorsement</c> section.</summary>
public sealed class EndorsementOptions
{
    public const string Section = "Endorsement";

    /// <summary>Default file name of the signing key, in <c>Storage:KeysFolder</c>.</summary>
    public const string DefaultKeyFile = "ledger-signing.pem";

    /// <summary>
    /// The PEM file (PKCS#8) of the ECDSA P-256 key that signs each study's ledger head; created on first use
    /// when missing. Relative paths are relative to the settings file's folder; empty means
    /// <c>ledger-signing.pem</c> in <c>Storage:KeysFolder</c> (by default <c>data/keys/ledger-signing.pem</c>).
    /// </summary>
    public string? SigningKeyPath { get; set; }
}
