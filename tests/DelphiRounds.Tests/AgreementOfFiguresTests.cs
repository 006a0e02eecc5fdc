using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Cli.Analyze;
using DelphiRounds.Demo;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// The stats endpoint, the export fed to <c>delphi analyze</c>, and the page show the same figures for
/// every item of the demo study: one library computes them all.
/// </summary>
public sealed class AgreementOfFiguresTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Fact]
    public async Task Stats_endpoint_export_analyze_and_dashboard_agree_on_every_demo_item()
    {
        var access = await app.Services.GetRequiredService<DemoSeeder>().SeedAsync();
        var facilitator = app.Client(access.ApiToken);
        var studyId = access.StudyId;

        var export = await Scenario.Expect(await facilitator.GetAsync($"/api/v1/studies/{studyId}/export.json"), HttpStatusCode.OK);
        var round = export.GetProperty("rounds").EnumerateArray().Single(r => r.GetProperty("state").GetString() == "open");
        var roundId = round.GetProperty("id").GetInt64();
        var stats = await Scenario.Expect(await facilitator.GetAsync($"/api/v1/rounds/{roundId}/stats"), HttpStatusCode.OK);

        var checkedItems = 0;
        foreach (var item in round.GetProperty("items").EnumerateArray())
        {
            var itemId = item.GetProperty("itemId").GetInt64();
            // 1. delphi analyze on the exported answers reproduces the exported aggregate, field for field.
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = AnalyzeCommand.Run(["-"], new StringReader(item.GetProperty("answers").GetRawText()), stdout, stderr);
            Assert.True(code == 0, stderr.ToString());
            var analyzed = JsonDocument.Parse(stdout.ToString()).RootElement;
            Assert.Equal(Canonical(item.GetProperty("aggregate")), Canonical(analyzed));

            // 2. The stats endpoint (incremental aggregate) equals it on every panel figure.
            var liveItem = Scenario.ItemStats(stats, itemId);
            var live = liveItem.GetProperty("overall");
            foreach (var field in new[] { "n", "mean", "sd", "cv", "median", "q1", "q3", "iqr", "min", "max", "tastleWierman", "vanDerEijkA", "bimodalityCoefficient", "agreementInBand" })
                AssertClose(analyzed.GetProperty(field), live.GetProperty(field), $"item {itemId} {field}");
            foreach (var category in analyzed.GetProperty("distribution").EnumerateObject())
                Assert.Equal(category.Value.GetInt32(), live.GetProperty("distribution").GetProperty(category.Name).GetInt32());
            // Group figures: equal where shown. Which groups are shown is worked out here from the answers in the
            // database, by the rule GroupSuppression documents (see ShownByRule), not by the app's own code.
            var counts = CurrentAnswersPerGroup(roundId, itemId);
            foreach (var group in analyzed.GetProperty("groups").EnumerateObject())
                Assert.Equal(counts.GetValueOrDefault(group.Name), group.Value.GetProperty("n").GetInt32());
            Assert.All(counts.Keys, g => Assert.True(analyzed.GetProperty("groups").TryGetProperty(g, out _), $"item {itemId}: group {g} missing from the analysis"));
            var allowed = ShownByRule(counts, 3);
            foreach (var group in analyzed.GetProperty("groups").EnumerateObject())
            {
                var shown = liveItem.GetProperty("groups").TryGetProperty(group.Name, out var liveGroup);
                Assert.True(shown == allowed.Contains(group.Name), $"item {itemId} group {group.Name} ({counts.GetValueOrDefault(group.Name)} answers): shown {shown}, expected {!shown}");
                if (shown) AssertClose(group.Value.GetProperty("median"), liveGroup.GetProperty("median"), $"item {itemId} group {group.Name}");
            }
            Assert.Equal(allowed.Order(StringComparer.Ordinal), liveItem.GetProperty("groups").EnumerateObject().Select(g => g.Name).Order(StringComparer.Ordinal));
            // The groups left out are not named at all (a name beside the panel's figures would tell who is missing).
            Assert.False(liveItem.TryGetProperty("hiddenGroups", out _), $"item {itemId}: the stats name the groups left out");
            checkedItems++;
        }
        Assert.Equal(8, checkedItems);

        // 3. The dashboard page shows the same n, median and quartiles.
        var browser = app.Client();
        await LogInAsync(browser, access.FacilitatorEmail, access.FacilitatorPassword!);
        var page = await browser.GetStringAsync($"/f/studies/{studyId}/dashboard");
        foreach (var item in round.GetProperty("items").EnumerateArray())
        {
            var itemId = item.GetProperty("itemId").GetInt64();
            var aggregate = item.GetProperty("aggregate");
            var block = Regex.Match(page, $"data-item=\"{itemId}\".*?</section>", RegexOptions.Singleline).Value;
            Assert.Contains($"data-stat=\"n\">{aggregate.GetProperty("n").GetInt32()}<", block);
            Assert.Contains($"data-stat=\"median\">{Dutch(aggregate.GetProperty("median").GetDouble())}<", block);
            Assert.Contains($"data-stat=\"quartiles\">{Dutch(aggregate.GetProperty("q1").GetDouble())} – {Dutch(aggregate.GetProperty("q3").GetDouble())}<", block);
        }
    }

    /// <summary>Current answers (each participant's newest revision) to one item, per stakeholder group, straight from the answers table.</summary>
    private Dictionary<string, int> CurrentAnswersPerGroup(long roundId, long itemId)
    {
        using var c = DatabaseDump.Open(app.DatabasePath);
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT g.slug, COUNT(*) FROM answers a
            JOIN participants p ON p.id = a.participant_id
            JOIN stakeholder_groups g ON g.id = p.group_id
            WHERE a.round_id = {roundId} AND a.item_id = {itemId}
              AND a.revision = (SELECT MAX(b.revision) FROM answers b WHERE b.round_id = a.round_id AND b.item_id = a.item_id AND b.participant_id = a.participant_id)
            GROUP BY g.slug
            """;
        using var r = cmd.ExecuteReader();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (r.Read()) counts[r.GetString(0)] = Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        return counts;
    }

    /// <summary>
    /// The rule of GroupSuppression's documentation, written out: a group is shown with at least <paramref name="threshold"/>
    /// answers; and while the groups left out have answers but fewer than the threshold together (so the panel's figures
    /// minus the shown groups' would give them away), the smallest shown group is left out too (ties: by slug).
    /// </summary>
    private static HashSet<string> ShownByRule(IReadOnlyDictionary<string, int> answers, int threshold)
    {
        var candidates = answers.Where(g => g.Value >= threshold).OrderBy(g => g.Value).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var withheld = answers.Values.Where(n => n < threshold).Sum();
        var dropped = 0;
        for (; dropped < candidates.Count && withheld is > 0 && withheld < threshold; dropped++) withheld += candidates[dropped].Value;
        return candidates.Skip(dropped).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
    }

    private static string Dutch(double v) => v.ToString("0.##", System.Globalization.CultureInfo.GetCultureInfo("nl"));

    private static void AssertClose(JsonElement expected, JsonElement actual, string what)
    {
        if (expected.ValueKind == JsonValueKind.Null) { Assert.True(actual.ValueKind == JsonValueKind.Null, what); return; }
        var e = expected.GetDouble();
        var a = actual.GetDouble();
        Assert.True(Math.Abs(e - a) <= 1e-9 * Math.Max(1, Math.Abs(e)), $"{what}: {e} vs {a}");
    }

    private static string Canonical(JsonElement e) => JsonSerializer.Serialize(e);

    internal static async Task LogInAsync(HttpClient browser, string email, string password)
    {
        var login = await browser.GetStringAsync("/login");
        var token = Regex.Match(login, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>
/// Version 2 of the consensus rules, on the finished demo study: for every item in every closed round the snapshot the
/// convergence endpoint serves, <c>export.json</c>'s aggregate and <c>delphi analyze</c> on the exported answers are the
/// same document (verdict, direction, fragility, poles, attrition, net change, median shift and all); the stats endpoint
/// gives the same verdict and figures, and the convergence page's table shows them.
/// </summary>
[Collection(FinishedStudyCollection.Name)]
public sealed class AgreementOfVerdictsTests(FinishedStudyApp app)
{
    [Fact]
    public async Task Convergence_stats_export_analyze_and_page_agree_on_every_version_2_figure()
    {
        var export = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/export.json");
        Assert.Equal(2, export.GetProperty("criteria").GetProperty("version").GetInt32());
        var convergence = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/convergence");
        var latest = convergence.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("itemId").GetInt64());
        var browser = await PanelAttritionTests.LoggedInAsync(app, app.Token);
        var page = Regex.Replace(await browser.GetStringAsync($"/f/studies/{app.StudyId}/convergence"), @"\s+", " ");
        var nl = System.Globalization.CultureInfo.GetCultureInfo("nl");

        var checkedFields = 0;
        var fragileSeen = 0;
        foreach (var round in export.GetProperty("rounds").EnumerateArray().Where(r => r.GetProperty("kind").GetString() == "rating"))
        {
            var number = round.GetProperty("number").GetInt32();
            var stats = await app.GetJsonAsync($"/api/v1/rounds/{round.GetProperty("id").GetInt64()}/stats");
            var verdicts = stats.GetProperty("verdicts").EnumerateArray().Where(v => v.GetProperty("round").GetInt32() == number)
                .ToDictionary(v => v.GetProperty("itemId").GetInt64());
            foreach (var item in round.GetProperty("items").EnumerateArray())
            {
                var itemId = item.GetProperty("itemId").GetInt64();
                if (!item.TryGetProperty("answers", out var answers)) continue;
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                Assert.True(AnalyzeCommand.Run(["-"], new StringReader(answers.GetRawText()), stdout, stderr) == 0, stderr.ToString());
                var analyzed = JsonDocument.Parse(stdout.ToString()).RootElement;
                var aggregate = item.GetProperty("aggregate");
                Assert.Equal(JsonSerializer.Serialize(aggregate), JsonSerializer.Serialize(analyzed));

                var verdict = item.GetProperty("verdict").GetString();
                Assert.Equal(verdict, verdicts[itemId].GetProperty("verdict").GetString());
                if (aggregate.TryGetProperty("verdict", out var contract))
                {
                    // The process verdict is the contract's, except that a consensus before round 2 waits for feedback.
                    var expected = number < 2 && contract.GetString()!.StartsWith("consensus", StringComparison.Ordinal) ? "continue" : contract.GetString();
                    Assert.Equal(expected, verdict);
                    checkedFields++;
                }
                if (aggregate.TryGetProperty("dissensus", out var dissensus) && dissensus.GetProperty("polarised").GetBoolean() && !verdict!.StartsWith("consensus", StringComparison.Ordinal))
                {
                    Assert.Equal("polarised", verdicts[itemId].GetProperty("outcome").GetString());
                    Assert.Equal(JsonSerializer.Serialize(dissensus.GetProperty("poles").GetProperty("for")), JsonSerializer.Serialize(verdicts[itemId].GetProperty("polesFor")));
                    Assert.Equal(JsonSerializer.Serialize(dissensus.GetProperty("poles").GetProperty("against")), JsonSerializer.Serialize(verdicts[itemId].GetProperty("polesAgainst")));
                    checkedFields++;
                }
                // Fragility and attrition: the stats endpoint's flags are what the analysis says.
                var (fragile, depends) = FragileAndDepends(verdict!, aggregate);
                Assert.True(fragile == verdicts[itemId].GetProperty("fragile").GetBoolean(), $"round {number} item {itemId} fragile");
                Assert.True(depends == verdicts[itemId].GetProperty("dependsOnDropouts").GetBoolean(), $"round {number} item {itemId} dependsOnDropouts");
                if (fragile) fragileSeen++;
                checkedFields += 2;
                if (aggregate.GetProperty("kind").GetString() == "ranking") continue;

                // The stats endpoint's figures of the closed round.
                var live = Scenario.ItemStats(stats, itemId).GetProperty("overall");
                foreach (var field in new[] { "n", "median", "q1", "q3", "iqr", "agreementInBand" })
                    if (aggregate.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number)
                    {
                        Assert.True(Math.Abs(value.GetDouble() - live.GetProperty(field).GetDouble()) <= 1e-9, $"round {number} item {itemId} {field}");
                        checkedFields++;
                    }

                // The convergence page's table row for the round.
                var block = Regex.Match(page, $"id=\"convergence-item-{itemId}\".*?</article>").Value;
                var row = Regex.Match(block, $"<tr class=\"utrecht-table__row\" data-round=\"{number}\">.*?</tr>").Value;
                string Percent(JsonElement e) => (100 * e.GetDouble()).ToString("0", nl) + "%";
                if (aggregate.TryGetProperty("disagreementInBand", out var against) && against.ValueKind == JsonValueKind.Number)
                {
                    Assert.Contains($"data-figure=\"disagreement\">{Percent(against)}<", row);
                    checkedFields++;
                }
                if (aggregate.TryGetProperty("stability", out var stability))
                {
                    if (stability.TryGetProperty("netChange", out var net) && net.ValueKind == JsonValueKind.Number)
                        Assert.Contains($"data-figure=\"netChange\">{Percent(net)}<", row);
                    if (stability.TryGetProperty("medianShift", out var shift) && shift.ValueKind == JsonValueKind.Number)
                        Assert.Contains($"data-figure=\"medianShift\">{shift.GetDouble().ToString("0.##", nl)}<", row);
                    checkedFields++;
                }
                Assert.Contains($"data-figure=\"median\">{aggregate.GetProperty("median").GetDouble().ToString("0.##", nl)}<", row);
            }
        }
        Assert.True(checkedFields > 100, $"{checkedFields} figures compared");
        // The demo shows a fragile consensus (issue 14, item 10): the comparison above met it.
        Assert.True(fragileSeen > 0, "no fragile consensus compared");

        // The convergence endpoint serves each item's last snapshot: the export's aggregate of that round, byte for byte.
        foreach (var (itemId, entry) in latest)
        {
            var lastRound = entry.GetProperty("lastRound").GetInt32();
            var exported = export.GetProperty("rounds").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "rating" && r.GetProperty("number").GetInt32() == lastRound)
                .GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == itemId);
            Assert.Equal(JsonSerializer.Serialize(exported.GetProperty("aggregate")), JsonSerializer.Serialize(entry.GetProperty("analysis")));
            Assert.Equal(exported.GetProperty("verdict").GetString(), entry.GetProperty("verdict").GetString());
            // Fragility and attrition in the convergence endpoint and, as warnings, on the page.
            var (fragile, depends) = FragileAndDepends(entry.GetProperty("verdict").GetString()!, exported.GetProperty("aggregate"));
            Assert.True(fragile == (entry.GetProperty("fragility").ValueKind == JsonValueKind.Object), $"item {itemId} fragility");
            if (fragile && exported.GetProperty("aggregate").GetProperty("consensus").TryGetProperty("flipsWithoutOne", out var flips))
                Assert.Equal(flips.GetInt32(), entry.GetProperty("fragility").GetProperty("flipsWithoutOne").GetInt32());
            Assert.Equal(depends, entry.GetProperty("dependsOnDropouts").GetBoolean());
            var block = Regex.Match(page, $"id=\"convergence-item-{itemId}\".*?</article>").Value;
            Assert.True((fragile || depends) == block.Contains("data-warning"), $"item {itemId}: warnings on the page");
        }
    }

    /// <summary>
    /// What the analysis says about a verdict: fragile (a consensus that one answer or one group would tip:
    /// <c>consensus.flipsWithoutOne</c> above 0 or any <c>flipsWithoutGroup</c>) and depending on who left
    /// (<c>attrition.directionWithDropouts</c> other than <c>consensus.direction</c>).
    /// </summary>
    private static (bool Fragile, bool DependsOnDropouts) FragileAndDepends(string verdict, JsonElement aggregate)
    {
        string? Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        var consensus = aggregate.TryGetProperty("consensus", out var c) && c.ValueKind == JsonValueKind.Object ? c : (JsonElement?)null;
        var fragile = verdict.StartsWith("consensus", StringComparison.Ordinal) && consensus is { } k && k.TryGetProperty("flipsWithoutOne", out var one)
            && (one.GetInt32() > 0 || (k.TryGetProperty("flipsWithoutGroup", out var groups) && groups.ValueKind == JsonValueKind.Array && groups.GetArrayLength() > 0));
        var direction = consensus is { } d && d.TryGetProperty("direction", out var dir) ? Text(dir) : null;
        var depends = aggregate.TryGetProperty("attrition", out var a) && a.ValueKind == JsonValueKind.Object
            && a.TryGetProperty("directionWithDropouts", out var dd) && Text(dd) != direction;
        return (fragile, depends);
    }
}
