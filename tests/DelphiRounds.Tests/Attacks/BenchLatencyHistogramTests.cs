using System.Diagnostics;
using DelphiRounds.Load;

namespace DelphiRounds.Tests.Attacks;

/// <summary>
/// The benchmark's push-latency histogram (scripts/bench.sh): its three percentiles in one pass over the buckets are
/// the ones each asked alone gives, and a cleared histogram has none.
/// </summary>
public sealed class BenchLatencyHistogramTests
{
    private static long Ms(double ms) => (long)Math.Round(ms * Stopwatch.Frequency / 1000.0);

    [Fact]
    public void The_percentiles_read_in_one_pass_are_those_read_one_by_one()
    {
        var histogram = new LatencyHistogram();
        // 1,000 latencies: 1.05 ms … 100.95 ms in steps of 0.1 ms, then ten outliers at 900 ms.
        for (var i = 0; i < 990; i++) histogram.Record(Ms(1.05 + i * 0.1));
        for (var i = 0; i < 10; i++) histogram.Record(Ms(900.05));

        var all = histogram.Percentiles();

        Assert.Equal(histogram.Percentile(.5), all.P50, 6);
        Assert.Equal(histogram.Percentile(.95), all.P95, 6);
        Assert.Equal(histogram.Percentile(.99), all.P99, 6);
        Assert.Equal(51.0, all.P50, 1);   // the 500th latency, 50.95 ms, in the bucket that ends at 51.0 ms
        Assert.Equal(96.0, all.P95, 1);   // the 950th, 95.95 ms
        Assert.Equal(100.0, all.P99, 1);  // the 990th, 99.95 ms: the outliers lie above it
    }

    [Fact]
    public void A_cleared_histogram_has_no_percentiles()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(Ms(12));
        histogram.Clear();

        var none = histogram.Percentiles();

        Assert.True(double.IsNaN(none.P50) && double.IsNaN(none.P95) && double.IsNaN(none.P99));
        Assert.Equal(0, histogram.Count);
    }
}
