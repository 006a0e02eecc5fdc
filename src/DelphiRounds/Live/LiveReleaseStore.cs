using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using DelphiRounds.Data;

namespace DelphiRounds.Live;

/// <summary>
/// One item's release as stored: its number (<paramref name="Seq"/>, one up per release of the item), its version,
/// the answers (one per participant, <paramref name="ParticipantIds"/> in the same order) its figures rest on, and
/// the figures themselves. Rows stored before migration 0062 have neither participants nor figures (null).
/// </summary>
public sealed record ItemRelease(long ItemId, long Version, IReadOnlyList<long> AnswerIds, long Seq = 0,
    IReadOnlyList<long>? ParticipantIds = null, ItemStats? Stats = null);

/// <summary>
/// What threshold release last showed of each item (table <c>live_releases</c>). Written before a release is
/// pushed or read. A release is decided against the one stored before it and stored only on top of that one
/// (<see cref="TrySaveAsync"/>): scaled out, whichever instance decides, the releases of an item form one chain, and
/// every instance serves the last one stored — after a restart, a takeover, or on an instance that does not decide.
/// </summary>
public sealed class LiveReleaseStore(Database db)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A release to store on top of the item's release number <paramref name="BaseSeq"/>.</summary>
    public sealed record Proposal(ItemRelease Release, long BaseSeq);

    /// <summary>
    /// Stores each release only if the item's stored release is still the one it was decided against (its number
    /// <see cref="Proposal.BaseSeq"/>); <paramref name="unconditional"/> (a round's final figures) stores it whatever
    /// is there. Returns the items whose release was stored.
    /// </summary>
    public async Task<IReadOnlySet<long>> TrySaveAsync(long roundId, IReadOnlyList<Proposal> proposals, bool unconditional = false)
    {
        if (proposals.Count == 0) return new HashSet<long>();
        return await db.WriteAsync<IReadOnlySet<long>>(async (c, tx) =>
        {
            var stored = new HashSet<long>();
            foreach (var (r, baseSeq) in proposals)
            {
                var order = Enumerable.Range(0, r.AnswerIds.Count).OrderBy(i => r.AnswerIds[i]).ToList();
                var row = new
                {
                    roundId, itemId = r.ItemId, version = r.Version, seq = r.Seq, baseSeq,
                    ids = string.Join(',', order.Select(i => r.AnswerIds[i].ToString(CultureInfo.InvariantCulture))),
                    pids = r.ParticipantIds is { } p ? string.Join(',', order.Select(i => p[i].ToString(CultureInfo.InvariantCulture))) : null,
                    stats = r.Stats is null ? null : JsonSerializer.Serialize(r.Stats, Json),
                };
                int n;
                if (unconditional)
                {
                    n = await c.ExecuteAsync(
                        """
                        INSERT INTO live_releases (round_id, item_id, version, answer_ids, seq, participant_ids, stats)
                        VALUES (@roundId, @itemId, @version, @ids, @seq, @pids, @stats)
                        ON CONFLICT (round_id, item_id) DO UPDATE SET version = excluded.version, answer_ids = excluded.answer_ids,
                            seq = excluded.seq, participant_ids = excluded.participant_ids, stats = excluded.stats
                        """, row, tx);
                }
                else
                {
                    n = await c.ExecuteAsync(
                        """
                        UPDATE live_releases SET version = @version, answer_ids = @ids, seq = @seq, participant_ids = @pids, stats = @stats
                        WHERE round_id = @roundId AND item_id = @itemId AND seq = @baseSeq
                        """, row, tx);
                    if (n == 0 && baseSeq == 0)
                        n = await c.ExecuteAsync(
                            """
                            INSERT INTO live_releases (round_id, item_id, version, answer_ids, seq, participant_ids, stats)
                            VALUES (@roundId, @itemId, @version, @ids, @seq, @pids, @stats)
                            ON CONFLICT (round_id, item_id) DO NOTHING
                            """, row, tx);
                }
                if (n > 0) stored.Add(r.ItemId);
            }
            return stored;
        });
    }

    /// <summary>The number of the last release of each item of a round that has one (cheap: to see whether anything is new).</summary>
    public async Task<IReadOnlyDictionary<long, long>> SeqsAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<(long ItemId, long Seq)>(
            "SELECT item_id, seq FROM live_releases WHERE round_id = @roundId", new { roundId })))
        .ToDictionary(r => r.ItemId, r => r.Seq);

    /// <summary>The last release of each item of a round that has one.</summary>
    public async Task<IReadOnlyDictionary<long, ItemRelease>> ForRoundAsync(long roundId) =>
        (await db.ReadAsync(c => c.QueryAsync<(long ItemId, long Version, string Ids, long Seq, string? Pids, string? Stats)>(
            "SELECT item_id, version, answer_ids, seq, participant_ids, stats FROM live_releases WHERE round_id = @roundId", new { roundId })))
        .ToDictionary(r => r.ItemId, r => new ItemRelease(r.ItemId, r.Version, Longs(r.Ids), r.Seq,
            r.Pids is null ? null : Longs(r.Pids),
            r.Stats is null ? null : JsonSerializer.Deserialize<ItemStats>(r.Stats, Json)));

    private static List<long> Longs(string s) =>
        s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToList();
}
