using DelphiRounds.Live;
using MessagePack;

namespace DelphiRounds.Tests;

/// <summary>The MessagePack form of the close push carries what the JSON form carries (issue 14's verdicts to facilitators).</summary>
public sealed class LiveWireTests
{
    [Fact]
    public void The_close_push_in_MessagePack_carries_each_items_verdict_and_the_open_push_none()
    {
        var verdict = new ItemVerdict(7, 2, "consensus", "against", ["housing"], null, true, false);
        var closed = Read(new RoundStateChange(3, "closed", [verdict]));
        Assert.True(closed.ContainsKey("v"), "keys: " + string.Join(",", closed.Keys));
        Assert.Equal(3L, Convert.ToInt64(closed["r"]));
        Assert.Equal("closed", closed["s"]);
        var sent = Assert.Single((object[])closed["v"]);
        var fields = (Dictionary<object, object>)sent;
        Assert.Equal(7L, Convert.ToInt64(fields["ItemId"]));
        Assert.Equal("against", fields["Outcome"]);
        Assert.Equal(true, fields["Fragile"]);
        Assert.Equal(["housing"], ((object[])fields["PolesFor"]).Cast<string>());

        var opened = Read(new RoundStateChange(3, "open"));
        Assert.Equal(["r", "s"], opened.Keys.Cast<string>().Order());
    }

    private static Dictionary<object, object> Read(RoundStateChange change)
    {
        var bytes = MessagePackSerializer.Serialize(change, LiveWire.Options);
        return (Dictionary<object, object>)MessagePackSerializer.Deserialize<object>(bytes, MessagePack.Resolvers.ContractlessStandardResolver.Options)!;
    }
}
