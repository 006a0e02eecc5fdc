using System.Globalization;
using System.Net;
using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.Scale;

/// <summary>
/// Connections cut under load (a TCP relay resets them all, as a network failure would): every client
/// reconnects by itself, joins again, fetches the snapshot, and ends with the aggregates of the database.
/// </summary>
public sealed class LiveReconnectTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Clients_cut_off_under_load_reconnect_and_end_with_the_database_aggregates()
    {
        var s = await Scenario.CreateAsync(app, perGroup: 10);
        using var cutter = new TcpCutter(app.Address);
        using var http = new HttpClient { BaseAddress = cutter.Address };
        var followers = s.Participants.Take(12).Select(p => new LiveFollower(cutter.Address, http, p.Token, s.RoundId)).ToList();
        foreach (var f in followers) await f.StartAsync();

        // Answers keep coming (straight to the server) while every follower's connection is cut twice: at least
        // 120 of them, and more until both cuts are done (at most 1,000).
        var random = new Random(8);
        var answered = 0;
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cutTwice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var driver = Task.Run(async () =>
        {
            for (var i = 0; i < 1000 && (i < 120 || !cutTwice.Task.IsCompleted); i++)
            {
                var p = s.Participants[random.Next(s.Participants.Count)];
                var item = s.ItemIds[random.Next(2)];
                var max = item == s.SevenPointItem ? 7 : 5;
                var r = await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = item, value = random.Next(1, max + 1) });
                Assert.Equal(HttpStatusCode.Created, r.StatusCode);
                if (Interlocked.Increment(ref answered) == 30) flowing.TrySetResult();
                await Task.Delay(10); // the pace of the answers, not a wait for something
            }
        });
        // The first cut once answers are flowing and every follower has had a push of them.
        await Task.WhenAny(flowing.Task, driver).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(flowing.Task.IsCompleted, "the driver stopped before 30 answers");
        await Eventually(() => followers.All(f => f.Pushes >= 1), TimeSpan.FromSeconds(20));
        Assert.True(cutter.CutAll() >= followers.Count);
        // The second once every follower has reconnected, joined again and fetched the snapshot again.
        await Eventually(() => followers.All(f => f.Reconnects >= 1 && f.Snapshots >= 2), TimeSpan.FromSeconds(20));
        cutter.CutAll();
        cutTwice.TrySetResult();
        await driver;

        // The last one or two changes per item are held while the round is open (threshold release): the close releases them.
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/close", null), HttpStatusCode.OK);
        var expected = await DatabaseStateAsync(app, s.RoundId);
        await Eventually(() => followers.All(f => f.Reconnects >= 1 && Matches(f, expected)), TimeSpan.FromSeconds(20));
        Assert.All(followers, f => Assert.True(f.Snapshots >= 2, "a reconnected client fetches the snapshot again"));
        foreach (var f in followers) await f.DisposeAsync();
    }

    internal static bool Matches(LiveFollower f, IReadOnlyDictionary<long, (long Version, int N, Dictionary<string, int> Counts)> expected)
    {
        var shown = f.Items;
        return expected.All(e => shown.TryGetValue(e.Key, out var v) && v.Version == e.Value.Version && v.N == e.Value.N
            && e.Value.Counts.All(c => v.Distribution.TryGetValue(c.Key, out var n) && n == c.Value)
            && v.Distribution.Where(d => d.Value != 0).All(d => e.Value.Counts.ContainsKey(d.Key)));
    }

    /// <summary>Per item of the round: the version (answers and revisions stored), number of current answers, count per value — read from the answers table.</summary>
    internal static async Task<IReadOnlyDictionary<long, (long Version, int N, Dictionary<string, int> Counts)>> DatabaseStateAsync(DelphiApp app, long roundId)
    {
        var db = app.Services.GetRequiredService<Database>();
        var rows = await db.ReadAsync(c => c.QueryAsync<(long Id, long ItemId, long ParticipantId, int Revision, double? Value)>(
            "SELECT id, item_id, participant_id, revision, value FROM answers WHERE round_id = @roundId", new { roundId }));
        return rows.GroupBy(r => r.ItemId).ToDictionary(g => g.Key, g =>
        {
            var current = g.GroupBy(r => r.ParticipantId).Select(p => p.MaxBy(r => r.Revision)).ToList();
            var counts = current.GroupBy(r => ((int)r.Value!.Value).ToString(CultureInfo.InvariantCulture)).ToDictionary(x => x.Key, x => x.Count());
            return ((long)g.Count(), current.Count, counts);
        });
    }

    internal static async Task Eventually(Func<bool> condition, TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail("the condition did not hold in time");
            await Task.Delay(100);
        }
    }
}
