using System.Collections.Concurrent;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Live;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Load;

/// <summary>
/// The benchmark's baseline (<c>Live:Variant = naive</c>): on every accepted answer, recompute the item
/// from the database and push it to everyone following the round, before the answer is acknowledged.
/// Its cost is answers/s × participants deliveries plus one full read of the item per answer; it is kept
/// so <c>scripts/bench.sh</c> can measure the coalesced design against it in the same build. It subscribes to
/// <see cref="AnswerAccepted"/> like Live does and is composed only into the server this project starts
/// (<c>DelphiRounds.Load serve</c>), never into DelphiRounds itself.
/// </summary>
public sealed class NaivePusher(
    RoundStore rounds, StudyStore studies, ItemStore items, AnswerStore answers,
    LiveClients clients, IOptions<LiveOptions> options) : IEventHandler<AnswerAccepted>
{
    // Acceptance stamps of recent answers: the recomputed item may reflect a newer answer than the one
    // that triggered it, and its push must carry that answer's stamp.
    private readonly ConcurrentDictionary<long, long> _accepted = new();

    public async Task HandleAsync(AnswerAccepted e)
    {
        if (!options.Value.Naive) return;
        var (answer, acceptedTimestamp) = (e.Answer, e.AcceptedTimestamp);
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
        var current = await answers.CurrentAsync(answer.RoundId, answer.ItemId);

        var aggregate = new RatingAggregate(scale, rules.QuantileMethod, rules.ForRating(scale));
        long newest = 0;
        foreach (var a in current)
        {
            if (a.Value is { } v) aggregate.Add(a.GroupSlug, v);
            newest = Math.Max(newest, a.Id);
        }
        // The version as the server gives it: the answers and revisions of the item in the round.
        var version = await answers.CountAsync(answer.RoundId, answer.ItemId);
        var stamp = _accepted.TryGetValue(newest, out var s) ? s : acceptedTimestamp;
        var stats = ItemStats.From(answer.ItemId, item.Kind, version, stamp, aggregate.Analysis(), options.Value.MinGroupAnswersShown);
        await clients.StatsToRoundAsync(new StatsUpdate(answer.RoundId, [LiveItem.From(stats)]));
    }

    /// <summary>
    /// <c>DelphiRounds.Load serve [server arguments]</c>: the DelphiRounds server with this baseline composed in
    /// (the benchmark starts it for both variants, so they run the same binary).
    /// </summary>
    public static int Serve(string[] args) =>
        ServerSetup.Run(args, services => services.AddSingleton<IEventHandler<AnswerAccepted>, NaivePusher>());
}
