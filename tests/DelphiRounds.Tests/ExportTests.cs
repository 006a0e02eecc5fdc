using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Cli.Analyze;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 5, exports: answers (every revision), aggregates, arguments and the changelog as CSV and JSON,
/// pseudonymous only, and re-importable — <c>delphi analyze</c> on the exported answers gives the exported
/// aggregates, from export.json as well as from answers.csv.
/// </summary>
[Collection(FinishedStudyCollection.Name)]
public sealed class ExportTests(FinishedStudyApp app)
{
    private static readonly string[] Files = ["answers.csv", "answers.json", "aggregates.csv", "aggregates.json", "arguments.csv", "arguments.json", "changelog.csv", "changelog.json"];

    private async Task<string> FileAsync(string name)
    {
        var response = await app.Facilitator.GetAsync($"/api/v1/studies/{app.StudyId}/export/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"study-{app.StudyId}-{name}", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task No_export_holds_a_name_or_an_email_address_only_pseudonyms_and_group_slugs()
    {
        var identities = await app.IdentitiesAsync();
        Assert.Equal(80, identities.Count);
        var browser = await PanelAttritionTests.LoggedInAsync(app, app.Token);
        var texts = new List<(string Name, string Text)>();
        foreach (var name in Files)
        {
            texts.Add((name, await FileAsync(name)));
            // The download links of the "Report & exports" page give the same file.
            var download = await browser.GetAsync($"/f/studies/{app.StudyId}/export/{name}");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(texts[^1].Text, await download.Content.ReadAsStringAsync());
        }
        texts.Add(("export.json", await (await app.Facilitator.GetAsync($"/api/v1/studies/{app.StudyId}/export.json")).Content.ReadAsStringAsync()));
        texts.Add(("export.json (page)", await browser.GetStringAsync($"/f/studies/{app.StudyId}/export/export.json")));
        texts.Add(("report", await browser.GetStringAsync($"/f/studies/{app.StudyId}/report")));

        foreach (var (name, text) in texts)
            foreach (var identity in identities)
                Assert.False(text.Contains(identity, StringComparison.OrdinalIgnoreCase), $"{name} contains '{identity}'");
        var pseudonyms = Csv(texts.Single(t => t.Name == "answers.csv").Text).Select(r => r["participant"]).Distinct().ToList();
        Assert.True(pseudonyms.Count >= 36);
        Assert.All(pseudonyms, p => Assert.Matches("^p-[a-z2-9]{8}$", p));
    }

    [Fact]
    public async Task Delphi_analyze_on_every_exported_answers_reproduces_the_exported_aggregate()
    {
        var export = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/export.json");
        var checkedPairs = 0;
        foreach (var round in export.GetProperty("rounds").EnumerateArray())
            foreach (var item in round.GetProperty("items").EnumerateArray())
                foreach (var (answers, aggregate) in new[] { ("answers", "aggregate"), ("firstAnswers", "firstAggregate") })
                {
                    if (!item.TryGetProperty(answers, out var input)) continue;
                    var stdout = new StringWriter();
                    var stderr = new StringWriter();
                    Assert.True(AnalyzeCommand.Run(["-"], new StringReader(input.GetRawText()), stdout, stderr) == 0, stderr.ToString());
                    Assert.Equal(JsonSerializer.Serialize(item.GetProperty(aggregate)), JsonSerializer.Serialize(JsonDocument.Parse(stdout.ToString()).RootElement));
                    checkedPairs++;
                }
        // Rounds 1 and 2 ask 11 items, round 3 ten (item 8 retired) — and round 3 is blind: the first answers
        // of its nine items with numbers too (the ranking's are in aggregates.csv).
        Assert.Equal(11 + 11 + 10 + 9, checkedPairs);
    }

    [Fact]
    public async Task Answers_csv_holds_every_revision_and_delphi_analyze_on_it_gives_the_figures_of_aggregates_csv()
    {
        var answers = Csv(await FileAsync("answers.csv"));
        Assert.Equal(DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(*) FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.study_id = {app.StudyId}"), answers.Count);
        Assert.Contains(answers, a => a["revision"] == "2");
        var json = JsonNode.Parse(await FileAsync("answers.json"))!.AsArray();
        Assert.Equal(answers.Select(a => (a["participant"], a["item_id"], a["round"], a["revision"], a["day"])),
            json.Select(a => (a!["participant"]!.GetValue<string>(), a["itemId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture),
                a["round"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture), a["revision"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture), a["day"]!.GetValue<string>())));

        var items = (await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/items")).EnumerateArray().ToDictionary(i => i.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture));
        var aggregates = Csv(await FileAsync("aggregates.csv")).Where(r => r["scope"] == "panel" && r["item_kind"] != "ranking").ToList();
        Assert.Equal(10 + 10 + 9 + 9, aggregates.Count); // the ranking aside: rounds 1–3 (item 8 retired after 2), and the first answers of blind round 3
        foreach (var row in aggregates)
        {
            var thread = answers.Where(a => a["round"] == row["round"] && a["item_id"] == row["item_id"])
                .GroupBy(a => a["participant"])
                .Select(g => row["basis"] == "first" ? g.Single(a => a["revision"] == "1") : g.MaxBy(a => int.Parse(a["revision"], CultureInfo.InvariantCulture))!)
                .ToList();
            var item = items[row["item_id"]];
            var input = new JsonObject
            {
                ["kind"] = row["item_kind"] == "rating" ? "rating" : "numeric",
                ["quantileMethod"] = 7,
                ["responses"] = new JsonArray(thread.Select(a => (JsonNode)new JsonObject
                {
                    ["participant"] = a["participant"], ["group"] = a["group"], ["value"] = double.Parse(a["value"], CultureInfo.InvariantCulture),
                }).ToArray()),
            };
            if (row["item_kind"] == "rating")
                input["scale"] = new JsonObject { ["min"] = item.GetProperty("scale").GetProperty("min").GetInt32(), ["max"] = item.GetProperty("scale").GetProperty("max").GetInt32() };
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.True(AnalyzeCommand.Run(["-"], new StringReader(input.ToJsonString()), stdout, stderr) == 0, stderr.ToString());
            var analysed = JsonDocument.Parse(stdout.ToString()).RootElement;
            foreach (var field in new[] { "n", "mean", "sd", "median", "q1", "q3", "iqr", "min", "max" })
                Assert.True(row[field] == Number(analysed.GetProperty(field)), $"round {row["round"]} item {row["item_id"]} {row["basis"]} {field}: csv {row[field]}, analyze {analysed.GetProperty(field)}");
        }
    }

    private static string Number(JsonElement e) => e.ValueKind == JsonValueKind.Null ? "" : e.GetDouble().ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Aggregates_show_no_group_below_three_answers_and_carry_each_round_verdict()
    {
        var rows = Csv(await FileAsync("aggregates.csv"));
        Assert.All(rows.Where(r => r["scope"].StartsWith("group:", StringComparison.Ordinal)), r => Assert.True(int.Parse(r["n"], CultureInfo.InvariantCulture) >= 3));
        var item5 = app.Demo.Items[5].ToString(CultureInfo.InvariantCulture);
        Assert.Equal("stable-dissent", rows.Single(r => r["round"] == "3" && r["item_id"] == item5 && r["scope"] == "panel" && r["basis"] == "current")["verdict"]);
        var json = JsonNode.Parse(await FileAsync("aggregates.json"))!.AsArray();
        Assert.Equal(rows.Count, json.Count);
        Assert.Contains(json, r => r!["kendallW"] is not null && r["itemId"]!.GetValue<long>() == app.Demo.Items[9]);
    }

    [Fact]
    public async Task Aggregates_csv_carries_the_version_2_verdict_figures_of_export_json_and_the_convergence_page()
    {
        var rows = Csv(await FileAsync("aggregates.csv"));
        var export = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/export.json");
        Assert.Equal(2, export.GetProperty("criteria").GetProperty("version").GetInt32());
        // The older columns keep their place; the version 2 columns follow them.
        var header = (await FileAsync("aggregates.csv")).Split("\r\n")[0].Split(',');
        Assert.Equal("verdict", header[28]);
        Assert.Equal(["outcome", "direction", "disagreement_in_band", "net_change", "median_shift", "stable", "flips_without_one",
            "flips_without_group", "poles_for", "poles_against", "dropped", "direction_with_dropouts"], header[29..41]);
        Assert.Equal("dont_know", header[41]);
        // Whose voice counts (issue 18) follows them.
        Assert.Equal(["unit", "people"], header[42..]);

        string Text(JsonElement o, string name) => !o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? ""
            : v.ValueKind == JsonValueKind.String ? v.GetString()! : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? (v.GetBoolean() ? "true" : "false")
            : v.GetDouble().ToString("R", CultureInfo.InvariantCulture);
        var compared = 0;
        var directions = new HashSet<string>();
        foreach (var round in export.GetProperty("rounds").EnumerateArray())
            foreach (var item in round.GetProperty("items").EnumerateArray())
            {
                if (item.GetProperty("kind").GetString() == "ranking" || !item.TryGetProperty("aggregate", out var aggregate)) continue;
                var row = rows.Single(r => r["round"] == round.GetProperty("number").GetInt32().ToString(CultureInfo.InvariantCulture)
                    && r["item_id"] == item.GetProperty("itemId").GetInt64().ToString(CultureInfo.InvariantCulture) && r["scope"] == "panel" && r["basis"] == "current");
                var consensus = aggregate.GetProperty("consensus");
                var direction = consensus.GetProperty("direction").ValueKind == JsonValueKind.Null ? "none" : consensus.GetProperty("direction").GetString()!;
                Assert.Equal(direction, row["direction"]);
                directions.Add(direction);
                Assert.Equal(Text(aggregate, "disagreementInBand"), row["disagreement_in_band"]);
                Assert.Equal(consensus.GetProperty("flipsWithoutOne").GetInt32().ToString(CultureInfo.InvariantCulture), row["flips_without_one"]);
                if (aggregate.TryGetProperty("stability", out var stability))
                {
                    Assert.Equal(Text(stability, "netChange"), row["net_change"]);
                    Assert.Equal(Text(stability, "medianShift"), row["median_shift"]);
                    Assert.Equal(Text(stability, "stable"), row["stable"]);
                    Assert.Equal(aggregate.GetProperty("attrition").GetProperty("dropped").GetInt32().ToString(CultureInfo.InvariantCulture), row["dropped"]);
                }
                else Assert.Equal(("", "", ""), (row["net_change"], row["stable"], row["dropped"]));
                Assert.Equal(item.GetProperty("verdict").GetString(), row["verdict"]);
                compared++;
            }
        Assert.Equal(10 + 10 + 9, compared);
        Assert.Contains("for", directions);

        // The last verdict of each item, its outcome and poles, as the convergence endpoint (and page) show them.
        var convergence = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/convergence");
        foreach (var item in convergence.GetProperty("items").EnumerateArray())
        {
            var row = rows.Single(r => r["round"] == item.GetProperty("lastRound").GetInt32().ToString(CultureInfo.InvariantCulture)
                && r["item_id"] == item.GetProperty("itemId").GetInt64().ToString(CultureInfo.InvariantCulture) && r["scope"] == "panel" && r["basis"] == "current");
            Assert.Equal(item.GetProperty("verdict").GetString(), row["verdict"]);
            Assert.Equal(item.GetProperty("outcome").GetString(), row["outcome"]);
            if (item.GetProperty("poles").ValueKind != JsonValueKind.Null)
            {
                Assert.Equal(string.Join(' ', item.GetProperty("poles").GetProperty("for").EnumerateArray().Select(g => g.GetString())), row["poles_for"]);
                Assert.Equal(string.Join(' ', item.GetProperty("poles").GetProperty("against").EnumerateArray().Select(g => g.GetString())), row["poles_against"]);
            }
        }
        // The same columns, camel-cased, in aggregates.json.
        var json = JsonNode.Parse(await FileAsync("aggregates.json"))!.AsArray();
        Assert.All(json, r => Assert.True(r!.AsObject().ContainsKey("directionWithDropouts")));
    }

    [Fact]
    public async Task The_changelog_has_the_rewording_with_its_reason_in_both_languages()
    {
        var rows = Csv(await FileAsync("changelog.csv"));
        var row = Assert.Single(rows);
        Assert.Equal(app.Demo.Items[10].ToString(CultureInfo.InvariantCulture), row["item_id"]);
        Assert.Equal("1", row["after_round"]);
        Assert.Contains("zorg en kantoren", row["old_text_nl"]);
        Assert.Contains("ziekenhuizen, verpleeghuizen", row["new_text_nl"]);
        Assert.Contains("'care'", row["reason_en"]);
        var json = JsonNode.Parse(await FileAsync("changelog.json"))!.AsArray();
        Assert.Equal(row["reason_nl"], json.Single()!["reasonNl"]!.GetValue<string>());
    }

    [Fact]
    public async Task Exports_are_the_owners_alone()
    {
        var (_, other, _, _) = await app.FacilitatorAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client(other).GetAsync($"/api/v1/studies/{app.StudyId}/export/answers.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Facilitator.GetAsync($"/api/v1/studies/{app.StudyId}/export/identities.csv")).StatusCode);
        var anonymous = await app.Client(followRedirects: false).GetAsync($"/f/studies/{app.StudyId}/export/answers.csv");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Equal("/login", anonymous.Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().GetAsync($"/api/v1/studies/{app.StudyId}/export/answers.csv")).StatusCode);
    }

    /// <summary>An RFC 4180 reader: rows as column → text.</summary>
    internal static List<Dictionary<string, string>> Csv(string text)
    {
        var records = new List<List<string>>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                fields.Add(field.ToString()); field.Clear();
                records.Add(fields); fields = [];
                i++;
            }
            else field.Append(c);
        }
        var header = records[0];
        Assert.All(records, r => Assert.Equal(header.Count, r.Count));
        return records.Skip(1).Select(r => header.Zip(r).ToDictionary(x => x.First, x => x.Second)).ToList();
    }
}
