using System.Globalization;
using Dapper;
using DelphiRounds.Data;

namespace DelphiRounds.Live;

/// <summary>One item's last release: its version and the answers (one per participant) its figures rest on.</summary>
public sealed record ItemRelease(long ItemId, long Version, IReadOnlyList<long> AnswerIds);

/// <summary>
/// What threshold release last showed of each item (table <c>live_releases</c>). Written before a release is
/// pushed or read, so after a restart — or on another instance that loads the round — the first figures are
/// exactly the last ones shown, and the answers since then wait for k people like any others (issue 15).
/// </summary>
public sealed class LiveReleaseStore(Database db)
{
    /// <summary>Stores the releases of a round's items; an older version never overwrites a newer one.</summary>
    public Task SaveAsync(long roundId, IReadOnlyList<ItemRelease> releases) =>
        releases.Count == 0 ? Task.CompletedTask : db.WriteAsync(async (c, tx) =>
        {
            foreach (var r in releases)
                await c.ExecuteAsync(
                    """
                    INSERT INTO live_releases (round_id, item_id, version, answer_ids) VALUES (@roundId, @itemId, @version, @ids)
                    ON CONFLICT (round_id, item_id) DO UPDATE SET version = excluded.version, answer_ids = excluded.answer_ids
                    WHERE live_releases.version <= excluded.version
                    """,
                    new { roundId, itemId = r.ItemId, version = r.Version, ids = string.Join(',', r.AnswerIds.Order().Select(i => i.ToString(CultureInfo.InvariantCulture))) }, tx);
        });

    /// <summary>The last release of each item of a round that has one.</summary>
    public async Task<IReadOnlyDictionary<long, ItemRelease>> ForRoundAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<(long ItemId, long Version, string Ids)>(
            "SELECT item_id, version, answer_ids FROM live_releases WHERE round_id = @roundId", new { roundId })))
        .ToDictionary(r => r.ItemId, r => new ItemRelease(r.ItemId, r.Version,
            r.Ids.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList()));
}
