using System.Diagnostics;
using System.Globalization;

namespace DelphiRounds.Load;

/// <summary>Push latencies in 0.1 ms buckets up to 120 s (lock-free; many receiving threads record at once).</summary>
public sealed class LatencyHistogram
{
    private const double BucketMs = 0.1;
    private readonly int[] _buckets = new int[1_200_001];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Record(long stopwatchTicks)
    {
        var ms = stopwatchTicks * 1000.0 / Stopwatch.Frequency;
        var i = ms <= 0 ? 0 : (int)Math.Min(_buckets.Length - 1, ms / BucketMs);
        Interlocked.Increment(ref _buckets[i]);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Forgets every sample (the histogram is used again for the next step).</summary>
    public void Clear()
    {
        Array.Clear(_buckets);
        Interlocked.Exchange(ref _count, 0);
    }

    /// <summary>The median, 95th and 99th percentile (ms), in one pass over the buckets; NaN without samples.</summary>
    public Percentiles Percentiles()
    {
        var total = Count;
        if (total == 0) return new(double.NaN, double.NaN, double.NaN);
        Span<long> ranks = [(long)Math.Ceiling(.5 * total), (long)Math.Ceiling(.95 * total), (long)Math.Ceiling(.99 * total)];
        Span<double> found = [_buckets.Length * BucketMs, _buckets.Length * BucketMs, _buckets.Length * BucketMs];
        long seen = 0;
        var next = 0;
        for (var i = 0; i < _buckets.Length && next < ranks.Length; i++)
        {
            seen += Volatile.Read(ref _buckets[i]);
            while (next < ranks.Length && seen >= ranks[next]) found[next++] = (i + 1) * BucketMs;
        }
        return new(found[0], found[1], found[2]);
    }

    /// <summary>The latency (ms) below which a fraction <paramref name="p"/> of the samples lie; NaN without samples.</summary>
    public double Percentile(double p)
    {
        var total = Count;
        if (total == 0) return double.NaN;
        var rank = (long)Math.Ceiling(p * total);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Volatile.Read(ref _buckets[i]);
            if (seen >= rank) return (i + 1) * BucketMs;
        }
        return _buckets.Length * BucketMs;
    }
}

/// <summary>A step's latencies (ms): median, 95th and 99th percentile.</summary>
public readonly record struct Percentiles(double P50, double P95, double P99);

/// <summary>CPU time and resident memory of a process, from /proc (Linux).</summary>
public static class ProcStat
{
    private const double TicksPerSecond = 100; // sysconf(_SC_CLK_TCK) on Linux

    /// <summary>User + system CPU seconds the process has used.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Resident set size in bytes.</summary>
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }

    /// <summary>Established TCP connections whose local end is <paramref name="port"/> (the server's side), from /proc/net/tcp.</summary>
    public static int TcpConnectionsTo(int port)
    {
        var hex = port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length > 3 && f[1].EndsWith(":" + hex, StringComparison.Ordinal) && f[3] == "01");
    }

    /// <summary>The files (sockets among them) the process has open.</summary>
    public static int OpenFiles(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>The 1-minute load average (processes running or waiting for a core).</summary>
    public static double LoadAverage1m() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;

    /// <summary>The load average line of <c>/proc/loadavg</c>.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
}
