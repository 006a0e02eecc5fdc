namespace DelphiRounds.Accounts;

/// <summary>Facilitator accounts. Bound from the <c>Accounts</c> section.</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";

    /// <summary>On first start with no facilitator account, one is created with this e-mail address and a random password, printed once.</summary>
    public string FirstFacilitatorEmail { get; set; } = "facilitator@delphi.local";

    /// <summary>Whether to create that first account (switch off when accounts come from <c>scripts/delphi facilitator add</c>).</summary>
    public bool CreateFirstFacilitator { get; set; } = true;
}
