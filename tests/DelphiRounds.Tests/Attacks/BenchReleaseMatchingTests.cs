using System.Diagnostics;
using DelphiRounds.Load;

namespace DelphiRounds.Tests.Attacks;

/// <summary>
/// The benchmark's release-delay column (scripts/bench.sh, issue 15's performance figure) matches each answer to the
/// first release that includes it. Releases carry the item's version local to the round, so an answer is matched by
/// its place among its item's rows, not by its global answer id (which no local version ever reaches).
/// </summary>
public sealed class BenchReleaseMatchingTests
{
    private static long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000.0);

    [Fact]
    public void Each_answer_is_matched_to_the_first_release_of_its_item_whose_round_local_version_reaches_it()
    {
        // Two items answered in turn on a server whose answer ids are already in the thousands (other studies).
        var rows = new (long Id, long ItemId)[] { (5001, 1), (5002, 2), (5003, 1), (5004, 2), (5005, 1), (5006, 2), (5007, 1) };
        var versions = ReleaseMatching.VersionsOf(rows);
        Assert.Equal([1L, 1, 2, 2, 3, 3, 4], rows.Select(r => versions[r.Id]));

        var answers = rows.Select((r, i) => (Item: r.ItemId, r.Id, Sent: Ms(10 * i))).ToList();
        // Item 1 released at its 3rd row (90 ms), item 2 at its 3rd (100 ms); item 1's 4th row is held.
        var releases = new (long Item, long Version, long Received)[] { (1, 3, Ms(90)), (2, 3, Ms(100)) };
        var delays = ReleaseMatching.Delays(answers, releases, versions);
        Assert.Equal([90.0, 90, 70, 70, 50, 50], delays.Select(d => Math.Round(d)));
    }

    [Fact]
    public void A_release_received_before_the_answer_was_sent_does_not_include_it()
    {
        var versions = ReleaseMatching.VersionsOf([(7, 1), (8, 1), (9, 1)]);
        var delays = ReleaseMatching.Delays([(1, 9, Ms(100))], [(1, 3, Ms(50)), (1, 3, Ms(120))], versions);
        Assert.Equal([20.0], delays.Select(d => Math.Round(d)));
    }
}
