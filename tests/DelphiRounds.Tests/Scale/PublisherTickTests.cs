using System.Net;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.Scale;

/// <summary>
/// A release that is stored is pushed. Scaled out, whether this instance is the publisher can change from one moment
/// to the next (its hold on the lease runs out when a renewal comes late on a busy machine). The publisher asked twice
/// in one tick — before releasing and again before pushing — so a tick could store a release and then skip its push:
/// the stats endpoint served figures that no screen ever got (seen in CI: "instance A served v7 …, which was never
/// pushed"). Here the answer flips on every question, which made that happen on every release.
/// </summary>
public sealed class PublisherTickTests(PublisherTickTests.FlippingApp app) : IClassFixture<PublisherTickTests.FlippingApp>
{
    /// <summary>Publisher, not publisher, publisher, …: each time it is asked.</summary>
    public sealed class FlippingFanOut : ILiveFanOut
    {
        private int _asked;
        public bool IsPublisher => Interlocked.Increment(ref _asked) % 2 == 1;
        public void Announce(AnswerNote note) { }
        public void AnnounceClosed(long roundId) { }
    }

    public sealed class FlippingApp : DelphiApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<ILiveFanOut, FlippingFanOut>());
        }
    }

    [Fact]
    public async Task Every_release_reaches_the_screens_however_often_the_instance_stops_and_starts_being_the_publisher()
    {
        Assert.IsType<FlippingFanOut>(app.Services.GetRequiredService<ILiveFanOut>());
        var s = await Scenario.CreateAsync(app, perGroup: 3);
        using var http = app.Client();
        await using var screen = new LiveFollower(app.Address, http, s.Participants[0].Token, s.RoundId);
        await screen.StartAsync();
        var item = s.SevenPointItem;
        // Three answers at a time: each three is a release (threshold release, k = 3), which every screen must get.
        for (var round = 0; round < 3; round++)
        {
            foreach (var p in s.Participants.Skip(round * 3).Take(3))
                await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = item, value = 5 + round % 2 }), HttpStatusCode.Created);
            var n = (round + 1) * 3;
            // Released at the next tick in which this instance is the publisher, and pushed in that same tick.
            await LiveReconnectTests.Eventually(() => screen.Items.TryGetValue(item, out var shown) && shown.N == n, TimeSpan.FromSeconds(10));
        }
        Assert.True(screen.Pushes >= 3, $"{screen.Pushes} pushes for three releases");
    }
}
