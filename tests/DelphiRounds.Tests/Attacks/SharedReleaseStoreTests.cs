using DelphiRounds.Consensus;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.Attacks;

/// <summary>
/// Scaled out, releases form one chain per item whoever decides them (issue 15 with issue 22): a release is stored
/// only on top of the release it was decided against, so two instances that both decided one cannot both be shown.
/// </summary>
public sealed class SharedReleaseStoreTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task A_release_is_stored_only_on_top_of_the_one_it_was_decided_against_and_read_back_as_shown()
    {
        var store = app.Services.GetRequiredService<LiveReleaseStore>();
        var roundId = 900_000 + Random.Shared.Next(100_000);
        var stats = new ItemStats(7, "rating", 3, 0, new Statistics { N = 3, Median = 4.5, Distribution = new Dictionary<int, int> { [4] = 1, [5] = 2 } },
            new Dictionary<string, Statistics>(), new ConsensusResult(false, ["iqr 2 > 1"]));
        ItemRelease Release(long seq, long version) => new(7, version, [13, 11, 12], seq, [3, 1, 2], stats with { Version = version });

        // Two instances decide a first release of the item: the first stored wins, the other is refused.
        Assert.Equal([7L], await store.TrySaveAsync(roundId, [new(Release(1, 3), 0)]));
        Assert.Empty(await store.TrySaveAsync(roundId, [new(Release(1, 4), 0)]));
        // The next one only on top of number 1; one decided against an older release is refused.
        Assert.Equal([7L], await store.TrySaveAsync(roundId, [new(Release(2, 6), 1)]));
        Assert.Empty(await store.TrySaveAsync(roundId, [new(Release(2, 5), 1)]));
        Assert.Equal(2, (await store.SeqsAsync(roundId))[7]);

        // Another instance reads exactly what was shown: figures, whose answers, the release's number.
        var read = (await store.ForRoundAsync(roundId))[7];
        Assert.Equal(2, read.Seq);
        Assert.Equal(6, read.Version);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(stats with { Version = 6 }), System.Text.Json.JsonSerializer.Serialize(read.Stats));
        Assert.Equal(new Dictionary<long, long> { [1] = 11, [2] = 12, [3] = 13 },
            read.ParticipantIds!.Zip(read.AnswerIds).ToDictionary(x => x.First, x => x.Second));

        // A round's final figures are stored whatever is there.
        Assert.Equal([7L], await store.TrySaveAsync(roundId, [new(Release(3, 9), 0)], unconditional: true));
        Assert.Equal(9, (await store.ForRoundAsync(roundId))[7].Version);
    }
}
