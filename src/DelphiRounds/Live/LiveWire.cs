using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Microsoft.AspNetCore.SignalR;

namespace DelphiRounds.Live;

/// <summary>
/// The MessagePack form of a <c>StatsUpdated</c> push (the hub speaks JSON and MessagePack; a client chooses in its
/// handshake). The same figures as the JSON form, with short keys, numbers as numbers (a whole number as an
/// integer), and what the JSON form leaves out left out here too, plus every null:
/// <code>
/// update:  { r: roundId, i: [item…] }
/// item:    { i: itemId, k: kind, v: version, b: baseVersion (a change only), t: acceptedTimestamp (facilitators only, not 0),
///            o: figures, g: { slug: figures } (not when empty), c: consensusReached (not null), d: dontKnow (not null),
///            x: ranking (not null), e: verdict (facilitators only, while the round is open; not null; as the JSON form,
///            SignalR's resolver) }
/// A change (<c>b</c> set, to clients that joined with <c>JoinRoundChanges</c>) has the same keys; what it leaves out is
/// unchanged since version <c>b</c> (see <see cref="LiveItem.ChangesSince"/>).
/// figures: { n, m: median, q1, q3, lo: min, hi: max, d: { scale point: count } } (each only when not null)
/// ranking: { w: kendallW (not null), r: { option: mean rank } }
/// </code>
/// A <c>RoundStateChanged</c> push is <c>{ r: roundId, s: state }</c>, plus <c>v: verdicts</c> to facilitators at the close. Everything else goes through SignalR's own resolver.
/// </summary>
public static class LiveWire
{
    /// <summary>The serializer options of the hub's MessagePack protocol.</summary>
    public static MessagePackSerializerOptions Options { get; } = Create();

    private static MessagePackSerializerOptions Create()
    {
        var defaults = new MessagePackHubProtocolOptions().SerializerOptions; // SignalR's own resolver, for untrusted data
        return defaults.WithResolver(CompositeResolver.Create([new StatsUpdateFormatter(), new RoundStateChangeFormatter()], [defaults.Resolver]));
    }

    private sealed class StatsUpdateFormatter : IMessagePackFormatter<StatsUpdate>
    {
        public void Serialize(ref MessagePackWriter writer, StatsUpdate value, MessagePackSerializerOptions options)
        {
            writer.WriteMapHeader(2);
            writer.Write("r");
            writer.Write(value.RoundId);
            writer.Write("i");
            writer.WriteArrayHeader(value.Items.Count);
            foreach (var item in value.Items) Item(ref writer, item, options);
        }

        // The hub only sends pushes; a client never sends one.
        public StatsUpdate Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            throw new MessagePackSerializationException("A StatsUpdate is not read from a client.");
    }

    private sealed class RoundStateChangeFormatter : IMessagePackFormatter<RoundStateChange>
    {
        public void Serialize(ref MessagePackWriter writer, RoundStateChange value, MessagePackSerializerOptions options)
        {
            writer.WriteMapHeader(value.Verdicts is null ? 2 : 3);
            writer.Write("r");
            writer.Write(value.RoundId);
            writer.Write("s");
            writer.Write(value.State);
            if (value.Verdicts is not null)
            {
                // Facilitators only, at the close: each item's verdict as the JSON form has it (SignalR's resolver).
                writer.Write("v");
                MessagePackSerializer.Serialize(ref writer, value.Verdicts, options);
            }
        }

        public RoundStateChange Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            throw new MessagePackSerializationException("A RoundStateChange is not read from a client.");
    }

    private static void Item(ref MessagePackWriter writer, LiveItem item, MessagePackSerializerOptions options)
    {
        var fields = 4 + (item.AcceptedTimestamp != 0 ? 1 : 0) + (item.Groups.Count > 0 ? 1 : 0)
            + (item.ConsensusReached is not null ? 1 : 0) + (item.Ranking is not null ? 1 : 0) + (item.DontKnow is not null ? 1 : 0)
            + (item.Verdict is not null ? 1 : 0) + (item.BaseVersion is not null ? 1 : 0);
        writer.WriteMapHeader(fields);
        writer.Write("i");
        writer.Write(item.ItemId);
        writer.Write("k");
        writer.Write(item.Kind);
        writer.Write("v");
        writer.Write(item.Version);
        if (item.BaseVersion is { } baseVersion)
        {
            writer.Write("b");
            writer.Write(baseVersion);
        }
        if (item.AcceptedTimestamp != 0)
        {
            writer.Write("t");
            writer.Write(item.AcceptedTimestamp);
        }
        writer.Write("o");
        Figures(ref writer, item.Overall);
        if (item.Groups.Count > 0)
        {
            writer.Write("g");
            writer.WriteMapHeader(item.Groups.Count);
            foreach (var (slug, figures) in item.Groups)
            {
                writer.Write(slug);
                Figures(ref writer, figures);
            }
        }
        if (item.ConsensusReached is { } reached)
        {
            writer.Write("c");
            writer.Write(reached);
        }
        if (item.DontKnow is { } dontKnow)
        {
            writer.Write("d");
            writer.Write(dontKnow);
        }
        if (item.Verdict is { } verdict)
        {
            writer.Write("e");
            MessagePackSerializer.Serialize(ref writer, verdict, options);
        }
        if (item.Ranking is { } ranking)
        {
            writer.Write("x");
            writer.WriteMapHeader(ranking.KendallW is null ? 1 : 2);
            if (ranking.KendallW is { } w)
            {
                writer.Write("w");
                Number(ref writer, w);
            }
            writer.Write("r");
            writer.WriteMapHeader(ranking.MeanRanks.Count);
            foreach (var (option, rank) in ranking.MeanRanks)
            {
                writer.Write(option);
                Number(ref writer, rank);
            }
        }
    }

    private static void Figures(ref MessagePackWriter writer, LiveFigures f)
    {
        var fields = 1 + (f.Median is null ? 0 : 1) + (f.Q1 is null ? 0 : 1) + (f.Q3 is null ? 0 : 1)
            + (f.Min is null ? 0 : 1) + (f.Max is null ? 0 : 1) + (f.Distribution is null ? 0 : 1);
        writer.WriteMapHeader(fields);
        writer.Write("n");
        writer.Write(f.N);
        Optional(ref writer, "m", f.Median);
        Optional(ref writer, "q1", f.Q1);
        Optional(ref writer, "q3", f.Q3);
        Optional(ref writer, "lo", f.Min);
        Optional(ref writer, "hi", f.Max);
        if (f.Distribution is { } d)
        {
            writer.Write("d");
            writer.WriteMapHeader(d.Count);
            foreach (var (point, count) in d)
            {
                writer.Write(point);
                writer.Write(count);
            }
        }
    }

    private static void Optional(ref MessagePackWriter writer, string key, double? value)
    {
        if (value is not { } v) return;
        writer.Write(key);
        Number(ref writer, v);
    }

    /// <summary>A whole number as an integer (one byte for a median of 4), any other as a 64-bit float.</summary>
    private static void Number(ref MessagePackWriter writer, double v)
    {
        if (Math.Abs(v) < 1e15 && v == Math.Floor(v)) writer.Write((long)v);
        else writer.Write(v);
    }
}
