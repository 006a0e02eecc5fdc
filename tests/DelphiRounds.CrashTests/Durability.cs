namespace DelphiRounds.CrashTests;

/// <summary>
/// The durability rule, for any kind of write: everything the server acknowledged is read back unchanged
/// after a crash, and nothing is stored twice. Answers use it; the endorsement ledger can too — give it
/// the acknowledged signatures and a read-back of the ledger after the restart:
/// <code>
/// var lost = Durability.Lost(ackedEndorsements, e => ledger.TryGetValue(e.Id, out var row) &amp;&amp; row.Hash == e.Hash);
/// var twice = Durability.Duplicates(ledger.Values.Select(r => (r.StudyId, r.Organisation)));
/// </code>
/// </summary>
public static class Durability
{
    /// <summary>The acknowledged writes that cannot be read back as acknowledged.</summary>
    public static IReadOnlyList<T> Lost<T>(IEnumerable<T> acknowledged, Func<T, bool> readBackMatches) =>
        acknowledged.Where(a => !readBackMatches(a)).ToList();

    /// <summary>Keys that occur more than once in what is stored.</summary>
    public static IReadOnlyList<TKey> Duplicates<TKey>(IEnumerable<TKey> storedKeys) =>
        storedKeys.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
}
