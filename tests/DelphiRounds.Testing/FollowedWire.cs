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
            var items = new List<FollowedItem>();
            for (var n = reader.ReadMapHeader(); n > 0; n--)
            {
                switch (reader.ReadString())
                {
                    case "r": roundId = reader.ReadInt64(); break;
                    case "i":
                        for (var c = reader.ReadArrayHeader(); c > 0; c--) items.Add(Item(ref reader));
                        break;
                    default: reader.Skip(); break;
                }
            }
            return new FollowedUpdate(roundId, items);
        }

        private static FollowedItem Item(ref MessagePackReader reader)
        {
            long itemId = 0, version = 0, accepted = 0;
            long? baseVersion = null;
            var overall = new FollowedFigures(0, null, null);
            for (var n = reader.ReadMapHeader(); n > 0; n--)
            {
                switch (reader.ReadString())
                {
                    case "i": itemId = reader.ReadInt64(); break;
                    case "v": version = reader.ReadInt64(); break;
                    case "t": accepted = reader.ReadInt64(); break;
                    case "b": baseVersion = reader.ReadInt64(); break;
                    case "o": overall = Figures(ref reader); break;
                    default: reader.Skip(); break;
                }
            }
            return new FollowedItem(itemId, version, accepted, overall, baseVersion);
        }

        private static FollowedFigures Figures(ref MessagePackReader reader)
        {
            var count = 0;
            double? median = null;
            Dictionary<string, int>? distribution = null;
            for (var n = reader.ReadMapHeader(); n > 0; n--)
            {
                switch (reader.ReadString())
                {
                    case "n": count = reader.ReadInt32(); break;
                    case "m": median = reader.ReadDouble(); break;
                    case "d":
                        distribution = [];
                        for (var c = reader.ReadMapHeader(); c > 0; c--)
                        {
                            var point = reader.ReadInt32().ToString(CultureInfo.InvariantCulture);
                            distribution[point] = reader.ReadInt32();
                        }
                        break;
                    default: reader.Skip(); break;
                }
            }
            return new FollowedFigures(count, median, distribution);
        }
    }
}
