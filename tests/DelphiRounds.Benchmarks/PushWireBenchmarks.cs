using System.Text.Json;
using BenchmarkDotNet.Attributes;
using DelphiRounds.Live;
using DelphiRounds.Testing;
using MessagePack;

namespace DelphiRounds.Benchmarks;

/// <summary>
/// One push of five rating items (a 1–7 scale, three stakeholder groups, 300 answers each) in each hub protocol, as
/// whole items or as what changed after three people moved (<see cref="LiveItem.ChangesSince"/>): the server writing
/// it (<c>Live/LiveWire.cs</c> or System.Text.Json, as the hub's protocols do) and a client reading it
/// (<see cref="FollowedWire"/> or System.Text.Json, as <see cref="LiveFollower"/> does). Its size in bytes is printed
/// at set-up (the payload; the protocol's framing adds a few bytes).
/// </summary>
[MemoryDiagnoser]
public class PushWire
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Params("json", "messagepack")]
    public string Protocol { get; set; } = "json";

    [Params(false, true)]
    public bool Changes { get; set; }

    private StatsUpdate _update = null!;
    private byte[] _bytes = [];

    public static (StatsUpdate Whole, StatsUpdate Changes) Pushes()
    {
        static LiveFigures Group(int n, double median, double q1, double q3) => new(n, median, q1, q3, null, null, null);
        LiveItem Item(long id, long version, Dictionary<int, int> d, double housingQ3, double residentsQ1) => new(
            id, "rating", version, 123_456_789_012_345, new LiveFigures(d.Values.Sum(), 4, 2, 6, 1, 7, d),
            new Dictionary<string, LiveFigures>
            {
                ["grid-operators"] = Group(100, 4, 2, 6), ["housing"] = Group(100, 4, 2, housingQ3), ["residents"] = Group(100, 4, residentsQ1, 6),
            },
            false);
        var before = Enumerable.Range(1, 5).Select(i => Item(i, 300, new() { [1] = 40, [2] = 42, [3] = 45, [4] = 44, [5] = 43, [6] = 41, [7] = 45 }, 5.75, 2.25)).ToList();
        // Three people moved from 2 to 5: two counts, one group's upper and another's lower quartile changed.
        var after = Enumerable.Range(1, 5).Select(i => Item(i, 303, new() { [1] = 40, [2] = 39, [3] = 45, [4] = 44, [5] = 46, [6] = 41, [7] = 45 }, 6, 2.5)).ToList();
        return (new StatsUpdate(1, after), new StatsUpdate(1, after.Select((a, i) => a.ChangesSince(before[i])!).ToList()));
    }

    [GlobalSetup]
    public void Setup()
    {
        var (whole, changes) = Pushes();
        _update = Changes ? changes : whole;
        _bytes = Serialize();
        Console.WriteLine($"// {Protocol}, {(Changes ? "changes" : "whole items")}: {_bytes.Length} bytes");
    }

    private byte[] Serialize() => Protocol == "json"
        ? JsonSerializer.SerializeToUtf8Bytes(_update, Web)
        : MessagePackSerializer.Serialize(_update, LiveWire.Options);

    [Benchmark]
    public int Write() => Serialize().Length;

    [Benchmark]
    public int Read() => Protocol == "json"
        ? JsonSerializer.Deserialize<FollowedUpdate>(_bytes, Web)!.Items.Count
        : MessagePackSerializer.Deserialize<FollowedUpdate>(_bytes, FollowedWire.Options).Items.Count;
}
