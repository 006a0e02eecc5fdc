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

    [Fact]
    public void The_facilitators_item_in_MessagePack_carries_its_live_verdict_under_e_and_the_participants_copy_none()
    {
        var figures = new LiveFigures(3, 2, 1, 2, 1, 2, new Dictionary<int, int> { [1] = 1, [2] = 2 });
        var item = new LiveItem(7, "rating", 5, 0, figures, new Dictionary<string, LiveFigures>(), true)
        {
            Verdict = new ItemVerdict(7, 2, "consensus-against", "consensus-against", null, null, false, false),
        };
        var sent = (Dictionary<object, object>)((object[])Read(new StatsUpdate(3, [item]))["i"])[0];
        var verdict = (Dictionary<object, object>)sent["e"];
        Assert.Equal("consensus-against", verdict["Verdict"]);
        Assert.Equal(2L, Convert.ToInt64(verdict["Round"]));

        var participants = (Dictionary<object, object>)((object[])Read(new StatsUpdate(3, [item.ForParticipants()]))["i"])[0];
        Assert.False(participants.ContainsKey("e"), "keys: " + string.Join(",", participants.Keys));
        Assert.Equal(sent.Keys.Cast<string>().Where(k => k != "e").Order(), participants.Keys.Cast<string>().Order());
        // Kept timestamps (an operator's choice) keep the verdict out all the same.
        Assert.Null(item.ForParticipants(keepTimestamp: true).Verdict);
    }

    private static Dictionary<object, object> Read(StatsUpdate update)
    {
        var bytes = MessagePackSerializer.Serialize(update, LiveWire.Options);
        return (Dictionary<object, object>)MessagePackSerializer.Deserialize<object>(bytes, MessagePack.Resolvers.ContractlessStandardResolver.Options)!;
    }

    private static Dictionary<object, object> Read(RoundStateChange change)
    {
        var bytes = MessagePackSerializer.Serialize(change, LiveWire.Options);
        return (Dictionary<object, object>)MessagePackSerializer.Deserialize<object>(bytes, MessagePack.Resolvers.ContractlessStandardResolver.Options)!;
    }
}
