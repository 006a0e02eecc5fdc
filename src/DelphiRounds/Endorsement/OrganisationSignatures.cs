namespace DelphiRounds.Endorsement;

/// <summary>Where an organisation stands on the vision, as its ledger entries say.</summary>
public enum OrganisationSigningState
{
    /// <summary>One signature counts.</summary>
    Signed,
    /// <summary>A signature counts and a second signatory of the same organisation co-signed.</summary>
    CoSigned,
    /// <summary>Signed, but the signature waits for a second person of the organisation to confirm it (four eyes).</summary>
    AwaitingConfirmation,
    /// <summary>Signed once; every signature was withdrawn.</summary>
    Withdrawn,
    /// <summary>On the panel (took part) but did not sign: shown only when the study's organisations are public.</summary>
    NotSigned,
}

/// <summary>
/// An organisation's standing: its state, its signatures in force that count, those awaiting a second person, those
/// withdrawn, and its endorsements in ledger order. OnPanel is true for an organisation of the panel, false for an
/// outside party, null when the ledger does not say (older entries).
/// </summary>
public sealed record OrganisationStanding(string Organisation, bool? OnPanel, OrganisationSigningState State, int Counting, int Awaiting,
    int Withdrawn, IReadOnlyList<LedgerEntry> Endorsements)
{
    /// <summary>True when the organisation's signature counts (signed or co-signed).</summary>
    public bool Endorses => State is OrganisationSigningState.Signed or OrganisationSigningState.CoSigned;
}

/// <summary>
/// One signature per organisation: tallies a ledger's entries per organisation (pure, no I/O). An endorsement counts
/// while it is in force and, when it waits for a second person (four eyes), once a confirmation names it; a second
/// signature of the same organisation co-signs. Organisations are matched by name, case and spaces aside.
/// </summary>
public static class OrganisationSignatures
{
    public static string Key(string organisation) =>
        string.Join(' ', organisation.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    /// <summary>
    /// The standing of every organisation in the ledger, ordered by name; with <paramref name="panelOrganisations"/> (when the
    /// study's organisations are public) also those of the panel that did not sign, at the end.
    /// </summary>
    public static IReadOnlyList<OrganisationStanding> Tally(IReadOnlyList<LedgerEntry> entries, IEnumerable<string>? panelOrganisations = null)
    {
        var withdrawn = entries.Where(e => e.Kind == LedgerFormat.Withdrawal && e.Withdraws is not null).Select(e => e.Withdraws!.Value).ToHashSet();
        var confirmed = entries.Where(e => e.Kind == LedgerFormat.ConfirmationKind && e.Confirms is not null).Select(e => e.Confirms!.Value).ToHashSet();
        var standings = entries.Where(e => e.Kind == LedgerFormat.Endorsement)
            .GroupBy(e => Key(e.Organisation))
            .Select(g =>
            {
                var list = g.ToList();
                var inForce = list.Where(e => !withdrawn.Contains(e.Sequence)).ToList();
                var counting = inForce.Count(e => !e.NeedsConfirmation || confirmed.Contains(e.Sequence));
                var awaiting = inForce.Count - counting;
                var state = counting >= 2 ? OrganisationSigningState.CoSigned
                    : counting == 1 ? OrganisationSigningState.Signed
                    : awaiting > 0 ? OrganisationSigningState.AwaitingConfirmation
                    : OrganisationSigningState.Withdrawn;
                var onPanel = list[^1].OnPanel is { } p ? p != 0 : (bool?)null;
                return new OrganisationStanding(list[0].Organisation, onPanel, state, counting, awaiting, list.Count - inForce.Count, list);
            })
            .OrderBy(s => s.Organisation, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
        if (panelOrganisations is not null)
        {
            var signed = standings.Select(s => Key(s.Organisation)).ToHashSet();
            standings.AddRange(panelOrganisations.Where(o => !signed.Contains(Key(o))).Distinct(StringComparer.OrdinalIgnoreCase)
                .Order(StringComparer.CurrentCultureIgnoreCase)
                .Select(o => new OrganisationStanding(o, true, OrganisationSigningState.NotSigned, 0, 0, 0, [])));
        }
        return standings;
    }
}
