using System.Diagnostics.Metrics;
using System.Net;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using DelphiRounds.Tests.People;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Tests;

/// <summary>The app whose publisher's every pushing tick takes 400 ms more (<see cref="LiveOptions.TestSlowFanOutMs"/>), tick 100–250 ms.</summary>
public sealed class SlowFanOutApp : DelphiApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Live:PushIntervalMs"] = "100",
        ["Live:MaxPushIntervalMs"] = "250",
        ["Live:TestSlowFanOutMs"] = "400",
    };
}

/// <summary>
/// Issue 20, "adaptive tick": when a tick's fan-out cannot finish within the tick, the tick widens (100 ms up to
/// 250 ms), and the metrics say so; once the fan-out fits again it narrows back. Runs with the metrics tests (alone).
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class AdaptiveTickTests(SlowFanOutApp app) : IClassFixture<SlowFanOutApp>
{
    [Fact]
    public void A_tick_widens_when_its_work_does_not_fit_up_to_the_limit_and_narrows_to_the_base_once_it_does()
    {
        var tick = new AdaptiveTick(100, 250);
        Assert.Equal(0, tick.After(0));
        Assert.Equal(0, tick.After(100)); // exactly fits: unchanged
        Assert.Equal(100, tick.IntervalMs);
        Assert.Equal(1, tick.After(120));
        Assert.Equal(150, tick.IntervalMs);
        Assert.Equal(1, tick.After(400));
        Assert.Equal(250, tick.IntervalMs); // never wider than the limit
        Assert.Equal(0, tick.After(1000));
        Assert.Equal(250, tick.IntervalMs);
        Assert.Equal(0, tick.After(200)); // fits, but takes more than half: stays, so it does not swing back at once
        Assert.Equal(250, tick.IntervalMs);
        var steps = 0;
        while (tick.IntervalMs > 100 && steps++ < 20) Assert.Equal(-1, tick.After(10));
        Assert.Equal(100, tick.IntervalMs);
        Assert.Equal(0, tick.After(10)); // never narrower than the base
        Assert.Equal(100, tick.IntervalMs);
        // Narrowed, the work that allowed it still fits the narrower tick.
        var wide = new AdaptiveTick(100, 250);
        wide.After(300);
        wide.After(125);
        Assert.True(wide.IntervalMs >= 125 * 1.6, $"{wide.IntervalMs}");
        Assert.Equal(0, wide.After(125));
    }

    [Fact]
    public async Task A_fan_out_slower_than_its_tick_widens_the_tick_in_the_metrics_and_a_fast_one_narrows_it_back()
    {
        var options = app.Services.GetRequiredService<IOptions<LiveOptions>>().Value;
        var publisher = app.Services.GetRequiredService<LivePublisher>();
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        long wider = 0, narrower = 0, widest = 0, gauge = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name is "delphi.live.tick_changes" or "delphi.live.tick_interval") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "direction", Value: "wider" })
                {
                    Interlocked.Add(ref wider, value);
                    // Reported as the tick changes, on the publisher's own loop: the tick it widened to.
                    lock (listener) widest = Math.Max(widest, publisher.TickIntervalMs);
                }
                if (tag is { Key: "direction", Value: "narrower" }) Interlocked.Add(ref narrower, value);
            }
        });
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Exchange(ref gauge, value));
        listener.Start();

        var s = await Scenario.CreateAsync(app);
        using var http = new HttpClient { BaseAddress = app.Address };
        await using var follower = new LiveFollower(app.Address, http, s.Participants[8].Token, s.RoundId);
        await follower.StartAsync();
        for (var i = 0; i < 9; i++)
            await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value = 4 }), HttpStatusCode.Created);
        var value = 1;
        // Three grid operators change their answer: a release (k = 3) the next tick pushes.
        async Task ReleaseAsync()
        {
            value = value % 7 + 1;
            for (var i = 0; i < 3; i++)
                await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants[i].Token, s.RoundId, new { itemId = s.SevenPointItem, value }), HttpStatusCode.Created);
        }

        // Each pushing tick takes over 400 ms: more than any tick, so the tick widens to its limit.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((Interlocked.Read(ref wider) == 0 || Interlocked.Read(ref widest) < 250) && DateTime.UtcNow < deadline)
        {
            await ReleaseAsync();
            await Task.Delay(300);
        }
        Assert.True(Interlocked.Read(ref wider) > 0, "the tick never widened");
        Assert.Equal(250, Interlocked.Read(ref widest));
        Assert.True(follower.Pushes > 0, "pushes still arrive while the tick is wide");

        // The fan-out is fast again: the tick narrows back to 100 ms, and the gauge says so.
        options.TestSlowFanOutMs = 0;
        var narrowedBefore = Interlocked.Read(ref narrower);
        deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await ReleaseAsync();
            await Task.Delay(300);
            listener.RecordObservableInstruments();
        } while ((publisher.TickIntervalMs != 100 || Interlocked.Read(ref gauge) != 100 || Interlocked.Read(ref narrower) == narrowedBefore) && DateTime.UtcNow < deadline);
        Assert.True(Interlocked.Read(ref narrower) > narrowedBefore, "the tick never narrowed");
        Assert.Equal(100, publisher.TickIntervalMs);
        Assert.Equal(100, Interlocked.Read(ref gauge));

        // And the figures the follower shows are the snapshot's: nothing was lost while the tick was wide.
        var snapshot = new LiveFollower(app.Address, http, s.Participants[7].Token, s.RoundId);
        await using (snapshot)
        {
            await snapshot.StartAsync();
            deadline = DateTime.UtcNow.AddSeconds(20);
            while (follower.Items[s.SevenPointItem].Version != snapshot.Items[s.SevenPointItem].Version && DateTime.UtcNow < deadline) await Task.Delay(100);
            var (shown, fetched) = (follower.Items[s.SevenPointItem], snapshot.Items[s.SevenPointItem]);
            Assert.Equal(fetched.Version, shown.Version);
            Assert.Equal(fetched.N, shown.N);
            Assert.Equal(fetched.Median, shown.Median);
            Assert.Equal(fetched.Distribution.OrderBy(d => d.Key), shown.Distribution.OrderBy(d => d.Key));
        }
    }
}
