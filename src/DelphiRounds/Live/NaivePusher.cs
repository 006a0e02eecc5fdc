using System.Collections.Concurrent;
using Dapper;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Data;
using DelphiRounds.Items;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Live;

/// <summary>
/// The benchmark's baseline (<c>Live:Variant = naive</c>): on every accepted answer, recompute the item
/// from the database and push it to everyone following the round, before the answer is acknowledged.
/// Its cost is answers/s × participants deliveries plus one full read of the item per answer; it is kept
/// so <c>scripts/bench.sh</c> can measure the coalesced design against it in the same build.
/// </summary>
public sealed class NaivePusher(
    Database db, RoundStore rounds, StudyStore studies, ItemStore items,
    IHubContext<LiveHub, ILiveClient> hub, IOptions<LiveOptions> options)
{
    // Acceptance stamps of recent answers: the recomputed item may reflect a newer answer than the one
    // that triggered it, and its push must carry that answer's stamp.
    private readonly ConcurrentDictionary<long, long> _accepted = new();

    public async Task PushAsync(Answer answer, long acceptedTimestamp)
    {
        _accepted[answer.Id] = acceptedTimestamp;
        if (_accepted.Count > 50_000)
        {
            foreach (var id in _accepted.Keys) if (id < answer.Id - 20_000) _accepted.TryRemove(id, out _);
        }

        var round = await rounds.FindAsync(answer.RoundId);
        var item = await items.FindAsync(answer.ItemId);
        // The baseline covers what the benchmark measures: rating items of a live round.
        if (round is null || round.Mode != RoundModes.Live || item?.Scale is not { } scale) return;
        var rules = (await studies.FindAsync(round.StudyId))!.Rules;
        var current = await db.ReadAsync(c => c.QueryAsync<(long Id, string GroupSlug, double? Value)>(
            """
            SELECT a.id, g.slug, a.value
            FROM answers a
            JOIN participants p ON p.id = a.participant_id
            JOIN stakeholder_groups g ON g.id = p.group_id
            WHERE a.round_id = @roundId AND a.item_id = @itemId
              AND a.revision = (SELECT MAX(b.revision) FROM answers b
                                WHERE b.round_id = a.round_id AND b.item_id = a.item_id AND b.participant_id = a.participant_id)
            """, new { roundId = answer.RoundId, itemId = answer.ItemId }));

        var aggregate = new RatingAggregate(scale, rules.QuantileMethod, rules.ForRating(scale));
        long version = 0;
        foreach (var (id, group, value) in current)
        {
            if (value is { } v) aggregate.Add(group, v);
            version = Math.Max(version, id);
        }
        var stamp = _accepted.TryGetValue(version, out var s) ? s : acceptedTimestamp;
        var stats = ItemStats.From(answer.ItemId, item.Kind, version, stamp, aggregate.Analysis(), options.Value.MinGroupAnswersShown);
        await hub.Clients.Groups(LiveGroups.Participants(answer.RoundId), LiveGroups.Facilitators(answer.RoundId))
            .StatsUpdated(new StatsUpdate(answer.RoundId, [LiveItem.From(stats)]));
    }
}
