namespace DelphiRounds.Pages.Verify;

/// <summary>What the browser check's partial needs: where the ledger is, the service's keys the page vouches for, the script's hash.</summary>
public sealed record BrowserCheckView(long StudyId, string Language, string LedgerUrl, IReadOnlyList<string> TrustedKeys, string ScriptSha256);
