using System.Text.Json.Nodes;
using DelphiRounds.Records;
using DelphiRounds.Vision;

namespace DelphiRounds.Tests;

/// <summary>The canonical JSON the vision and the ledger are hashed in is RFC 8785 (JCS), checked against the RFC's own examples.</summary>
public sealed class VisionCanonicalJsonTests
{
    [Theory]
    [InlineData(1e30, "1e+30")]
    [InlineData(4.5, "4.5")]
    [InlineData(0.002, "0.002")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(333333333.33333329, "333333333.3333333")]
    [InlineData(-0.0, "0")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(9007199254740992d, "9007199254740992")]
    [InlineData(295147905179352830000d, "295147905179352830000")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(0.75, "0.75")]
    [InlineData(6, "6")]
    public void Numbers_are_written_as_ECMAScript_writes_them(double value, string expected) =>
        Assert.Equal(expected, CanonicalJson.Number(value));

    [Fact]
    public void Keys_are_sorted_by_UTF16_code_units_as_in_RFC_8785()
    {
        var o = new JsonObject
        {
            ["\u20ac"] = "Euro Sign", ["\r"] = "Carriage Return", ["\ufb33"] = "Hebrew Letter Dalet With Dagesh", ["1"] = "One",
            ["\ud83d\ude00"] = "Emoji: Grinning Face", ["\u0080"] = "Control", ["\u00f6"] = "Latin Small Letter O With Diaeresis",
        };
        Assert.Equal("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
                     "\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
            CanonicalJson.Write(o));
    }

    [Fact]
    public void Strings_carry_only_the_escapes_JSON_requires()
    {
        var text = "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"/";
        Assert.Equal("\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"", CanonicalJson.Write(JsonValue.Create(text)));
    }

    [Fact]
    public void The_RFC_example_document_is_canonicalised_byte_for_byte()
    {
        var input = JsonNode.Parse("""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """);
        Assert.Equal("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}",
            CanonicalJson.Write(input));
    }

    [Fact]
    public void Canonical_text_is_recognised_and_anything_else_is_not()
    {
        Assert.True(CanonicalJson.IsCanonical("{\"a\":1,\"b\":[true,null]}"));
        Assert.False(CanonicalJson.IsCanonical("{\"b\":1,\"a\":2}"));
        Assert.False(CanonicalJson.IsCanonical("{\"a\": 1}"));
        Assert.False(CanonicalJson.IsCanonical("{\"a\":1.0}"));
        Assert.False(CanonicalJson.IsCanonical("not json"));
    }
}
