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

/// <summary>The standings on one version of the vision (issue 21): vision <paramref name="Number"/>, the text with <paramref name="DocumentHash"/>.</summary>
public sealed record VersionStandings(int Number, string DocumentHash, IReadOnlyList<OrganisationStanding> Standings);

/// <summary>
/// An organisation's standing on every version of the vision: <paramref name="Current"/> on the latest version and
/// <paramref name="Earlier"/> on each earlier one, latest first; null where it has no entry on that version.
/// </summary>
public sealed record OrganisationAcrossVersions(string Organisation, bool? OnPanel, OrganisationStanding? Current,
    IReadOnlyList<(int Number, OrganisationStanding? Standing)> Earlier)
{
    /// <summary>True when the organisation endorses the latest version.</summary>
    public bool EndorsesCurrent => Current?.Endorses == true;

    /// <summary>Its endorsements on every version, in ledger order.</summary>
    public IEnumerable<LedgerEntry> Endorsements =>
        (Current?.Endorsements ?? []).Concat(Earlier.SelectMany(e => e.Standing?.Endorsements ?? [])).OrderBy(e => e.Sequence);
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

    /// <summary>
    /// The standings per version of the vision (issue 21), one <see cref="VersionStandings"/> per hash in
    /// <paramref name="versionHashes"/> (vision 1 first): a signature counts only for the text it signed. An endorsement belongs
    /// to the version whose document hash it carries; a withdrawal or a confirmation to the version of the endorsement it
    /// names by sequence (it carries the hash of the version in force when it was made, which may be a later one). Entries
    /// of no listed version are left out. <paramref name="panelOrganisations"/> apply to the latest version only.
    /// </summary>
    public static IReadOnlyList<VersionStandings> TallyPerVersion(IReadOnlyList<LedgerEntry> entries, IReadOnlyList<string> versionHashes,
        IEnumerable<string>? panelOrganisations = null)
    {
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < versionHashes.Count; i++) position.TryAdd(versionHashes[i], i);
        var endorsed = new Dictionary<long, int>();
        var perVersion = versionHashes.Select(_ => new List<LedgerEntry>()).ToList();
        foreach (var e in entries)
        {
            int? version = e.Kind switch
            {
                LedgerFormat.Endorsement => position.TryGetValue(e.DocumentHash, out var v) ? v : null,
                LedgerFormat.Withdrawal => e.Withdraws is { } w && endorsed.TryGetValue(w, out var v) ? v : null,
                LedgerFormat.ConfirmationKind => e.Confirms is { } c && endorsed.TryGetValue(c, out var v) ? v : null,
                _ => null,
            };
            if (version is not { } at) continue;
            if (e.Kind == LedgerFormat.Endorsement) endorsed[e.Sequence] = at;
            perVersion[at].Add(e);
        }
        return perVersion.Select((list, i) => new VersionStandings(i + 1, versionHashes[i],
            Tally(list, i == versionHashes.Count - 1 ? panelOrganisations : null))).ToList();
    }

    /// <summary>
    /// Per organisation, its standing on the latest version and on each earlier one (pure, from <see cref="TallyPerVersion"/>):
    /// first those with a standing on the latest version (as <see cref="Tally"/> orders them), then those that only signed an
    /// earlier version, by name, then the panel's organisations that signed none.
    /// </summary>
    public static IReadOnlyList<OrganisationAcrossVersions> Across(IReadOnlyList<VersionStandings> versions)
    {
        if (versions.Count == 0) return [];
        var latest = versions[^1];
        var earlier = versions.Take(versions.Count - 1).Reverse().ToList();
        OrganisationStanding? On(VersionStandings v, string key) => v.Standings.FirstOrDefault(s => Key(s.Organisation) == key);
        OrganisationAcrossVersions Row(string name, OrganisationStanding? current)
        {
            var key = Key(name);
            var before = earlier.Select(v => (v.Number, On(v, key))).ToList();
            var onPanel = current?.OnPanel ?? before.Select(b => b.Item2?.OnPanel).FirstOrDefault(p => p is not null);
            return new OrganisationAcrossVersions(current?.Organisation ?? name, onPanel, current, before);
        }
        var rows = latest.Standings.Where(s => s.State != OrganisationSigningState.NotSigned).Select(s => Row(s.Organisation, s)).ToList();
        var seen = rows.Select(r => Key(r.Organisation)).ToHashSet();
        var notSigned = latest.Standings.Where(s => s.State == OrganisationSigningState.NotSigned).ToDictionary(s => Key(s.Organisation));
        foreach (var s in earlier.SelectMany(v => v.Standings).Where(s => seen.Add(Key(s.Organisation)))
                     .OrderBy(s => s.Organisation, StringComparer.CurrentCultureIgnoreCase).ToList())
            rows.Add(Row(s.Organisation, notSigned.GetValueOrDefault(Key(s.Organisation))));
        rows.AddRange(notSigned.Values.Where(s => seen.Add(Key(s.Organisation))).Select(s => Row(s.Organisation, s)));
        return rows;
    }
}
