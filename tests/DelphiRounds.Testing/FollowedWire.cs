using System.Globalization;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Microsoft.AspNetCore.SignalR;

namespace DelphiRounds.Testing;

/// <summary>
/// Reads the hub's MessagePack push (src/DelphiRounds/Live/LiveWire.cs: short keys, no nulls) into a
/// <see cref="FollowedUpdate"/>, skipping what a follower does not read, as a client written against that
/// description would.
/// </summary>
public static class FollowedWire
{
    public static MessagePackSerializerOptions Options { get; } = Create();

    private static MessagePackSerializerOptions Create()
    {
        var defaults = new MessagePackHubProtocolOptions().SerializerOptions;
        return defaults.WithResolver(CompositeResolver.Create([new UpdateFormatter()], [defaults.Resolver]));
    }

    private sealed class UpdateFormatter : IMessagePackFormatter<FollowedUpdate>
    {
        public void Serialize(ref MessagePackWriter writer, FollowedUpdate value, MessagePackSerializerOptions options) =>
            throw new NotSupportedException("a follower only reads pushes");

        public FollowedUpdate Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            long roundId = 0;
            List<FollowedItem> items = [];
            for (var n = reader.ReadMapHeader(); n > 0; n--)
            {
                switch (Key(ref reader))
                {
                    case 'r': roundId = reader.ReadInt64(); break;
                    case 'i':
                        var c = reader.ReadArrayHeader();
                        items = new List<FollowedItem>(c);
                        for (; c > 0; c--) items.Add(Item(ref reader));
                        break;
                    default: reader.Skip(); break;
                }
            }
            return new FollowedUpdate(roundId, items);
        }

        /// <summary>
        /// A map's key: the wire's keys are one letter, read without making a string of it (thousands of screens read
        /// tens of thousands of pushes a second); any longer key is one a follower does not read.
        /// </summary>
        private static char Key(ref MessagePackReader reader)
        {
            if (reader.TryReadStringSpan(out var key)) return key.Length == 1 ? (char)key[0] : '\0';
            var whole = reader.ReadString();
            return whole is { Length: 1 } ? whole[0] : '\0';
        }

        private static FollowedItem Item(ref MessagePackReader reader)
        {
            long itemId = 0, version = 0, accepted = 0;
            long? baseVersion = null;
            var overall = new FollowedFigures(0, null, null);
            for (var n = reader.ReadMapHeader(); n > 0; n--)
            {
                switch (Key(ref reader))
                {
                    case 'i': itemId = reader.ReadInt64(); break;
                    case 'v': version = reader.ReadInt64(); break;
                    case 't': accepted = reader.ReadInt64(); break;
                    case 'b': baseVersion = reader.ReadInt64(); break;
                    case 'o': overall = Figures(ref reader); break;
                    default: reader.Skip(); break;
                }
            }
            return new FollowedItem(itemId, version, accepted, overall, baseVersion);
        }

        // The scale points as the JSON snapshot names them ("1" … "10"), made once.
        private static readonly string[] Points = [.. Enumerable.Range(0, 101).Select(i => i.ToString(CultureInfo.InvariantCulture))];

        private static FollowedFigures Figures(ref MessagePackReader reader)
        {
            var count = 0;
            double? median = null;
            Dictionary<string, int>? distribution = null;
            for (var n = reader.ReadMapHeader(); n > 0; n--)
            {
                switch (Key(ref reader))
                {
                    case 'n': count = reader.ReadInt32(); break;
                    case 'm': median = reader.ReadDouble(); break;
                    case 'd':
                        var c = reader.ReadMapHeader();
                        distribution = new Dictionary<string, int>(c);
                        for (; c > 0; c--)
                        {
                            var point = reader.ReadInt32();
                            distribution[point is >= 0 and <= 100 ? Points[point] : point.ToString(CultureInfo.InvariantCulture)] = reader.ReadInt32();
                        }
                        break;
                    default: reader.Skip(); break;
                }
            }
            return new FollowedFigures(count, median, distribution);
        }
    }
}
