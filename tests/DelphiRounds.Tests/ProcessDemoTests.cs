using System.Text.Json;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>
/// Issue 5, the demo: a whole three-round study simulated with Bogus through the real services does what
/// the demo README promises — consensus on items 1, 4, 6 and 8, stable dissent on 5 and 7, numeric
/// quartiles narrowing round by round — and every step of the process leaves its trace.
/// </summary>
[Collection(FinishedStudyCollection.Name)]
public sealed class ProcessDemoTests(FinishedStudyApp app)
{
    private long Item(int number) => app.Demo.Items[number];

    [Fact]
    public async Task Round_0_and_three_numbered_rounds_are_closed_and_the_study_stops_at_the_round_limit()
    {
        var rounds = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/rounds");
        Assert.Equal([(0, "ideas"), (1, "rating"), (2, "rating"), (3, "rating")],
            rounds.EnumerateArray().Select(r => (r.GetProperty("number").GetInt32(), r.GetProperty("kind").GetString()!)));
        Assert.All(rounds.EnumerateArray(), r => Assert.Equal("closed", r.GetProperty("state").GetString()));
        Assert.Equal(["classic", "live", "blind"], rounds.EnumerateArray().Skip(1).Select(r => r.GetProperty("mode").GetString()));

        var convergence = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/convergence");
        Assert.True(convergence.GetProperty("stops").GetBoolean());
        Assert.Equal(3, convergence.GetProperty("maxRounds").GetInt32());
    }

    [Fact]
    public async Task Items_1_4_6_and_8_reach_consensus_and_items_5_and_7_end_in_stable_dissent()
    {
        var convergence = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/convergence");
        var verdicts = convergence.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("itemId").GetInt64());
        foreach (var n in new[] { 1, 4, 6, 8 })
        {
            Assert.Equal("consensus-for", verdicts[Item(n)].GetProperty("verdict").GetString());
            Assert.True(verdicts[Item(n)].GetProperty("analysis").GetProperty("consensus").GetProperty("reached").GetBoolean());
        }
        foreach (var n in new[] { 5, 7 })
        {
            var v = verdicts[Item(n)];
            Assert.Equal("stable-dissent", v.GetProperty("verdict").GetString());
            Assert.Equal(3, v.GetProperty("lastRound").GetInt32());
            var analysis = v.GetProperty("analysis");
            // Version 2 judges a rating's stability by the net change of its distribution (at most 0.15).
            Assert.True(analysis.GetProperty("stability").GetProperty("netChange").GetDouble() <= 0.15);
            Assert.True(analysis.GetProperty("stability").GetProperty("stable").GetBoolean());
            // The split runs between housing corporations and energy producers.
            var groups = analysis.GetProperty("groups");
            var housing = groups.GetProperty("housing-corporations").GetProperty("median").GetDouble();
            var energy = groups.GetProperty("energy-producers").GetProperty("median").GetDouble();
            Assert.True(Math.Abs(housing - energy) >= 4, $"item {n}: housing {housing}, energy {energy}");
        }
        // Item 8 reached consensus after round 2, was retired and not asked in round 3.
        Assert.Equal(2, verdicts[Item(8)].GetProperty("lastRound").GetInt32());
        var items = (await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/items")).EnumerateArray().ToDictionary(i => i.GetProperty("id").GetInt64());
        Assert.Equal(2, items[Item(8)].GetProperty("retiredAfterRound").GetInt32());
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM round_items WHERE round_id = {app.Demo.RoundIds[2]} AND item_id = {Item(8)}"));
    }

    [Fact]
    public void Numeric_estimates_narrow_round_by_round()
    {
        foreach (var n in new[] { 2, 3 })
        {
            var iqr = app.Demo.RoundIds.Select(r => Iqr(r, Item(n))).ToList();
            Assert.True(iqr[0] > iqr[1] && iqr[1] > iqr[2], $"item {n}: IQR {string.Join(" → ", iqr)}");
        }
    }

    private double Iqr(long roundId, long itemId)
    {
        using var c = DatabaseDump.Open(app.DatabasePath);
        using var cmd = c.CreateCommand();
        var iqr = DatabaseDump.IsPostgres(app.DatabasePath) ? "(analysis_json::json ->> 'iqr')::float8" : "json_extract(analysis_json, '$.iqr')";
        cmd.CommandText = $"SELECT {iqr} FROM round_snapshots WHERE round_id = {roundId} AND item_id = {itemId}";
        return Convert.ToDouble(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Ideas_of_round_0_were_merged_into_items_and_item_10_was_reworded_with_a_reason()
    {
        var ideas = DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE round_id = {app.Demo.IdeasRoundId}");
        Assert.InRange(ideas, 20, 40);
        foreach (var n in new[] { 4, 6, 8, 10 })
            Assert.True(DatabaseDump.Count(app.DatabasePath,
                $"SELECT COUNT(*) FROM item_sources s JOIN answers a ON a.id = s.answer_id WHERE s.item_id = {Item(n)} AND a.round_id = {app.Demo.IdeasRoundId}") > 0, $"item {n} has no ideas");
        var changes = (await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/items/changelog")).EnumerateArray().ToList();
        var change = Assert.Single(changes);
        Assert.Equal(Item(10), change.GetProperty("itemId").GetInt64());
        Assert.Equal(1, change.GetProperty("afterRound").GetInt32());
        Assert.Contains("zorg", change.GetProperty("reasonNl").GetString());
    }

    [Fact]
    public void Everyone_was_invited_to_every_round_and_reminders_went_only_to_those_who_had_not_answered()
    {
        Assert.Equal(4 * 40, app.Demo.Invitations);
        Assert.True(app.Demo.Reminders > 0);
        Assert.Equal(4, DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(DISTINCT round_id) FROM outbox WHERE study_id = {app.StudyId} AND purpose = 'invitation'"));
        // A reminder never went to someone who had already answered its round.
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath,
            $"""
            SELECT COUNT(*) FROM outbox o WHERE o.study_id = {app.StudyId} AND o.purpose = 'reminder'
              AND EXISTS (SELECT 1 FROM answers a WHERE a.round_id = o.round_id AND a.participant_id = o.participant_id AND a.created_at < o.created_at)
            """));
        // Some who skipped round 1 came back in round 2.
        var (r1, r2) = (app.Demo.RoundIds[0], app.Demo.RoundIds[1]);
        Assert.True(DatabaseDump.Count(app.DatabasePath,
            $"""
            SELECT COUNT(DISTINCT p.id) FROM participants p WHERE p.study_id = {app.StudyId}
              AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.round_id = {r1} AND a.participant_id = p.id)
              AND EXISTS (SELECT 1 FROM answers a WHERE a.round_id = {r2} AND a.participant_id = p.id)
            """) > 0);
        // Every message was delivered to the pickup folder (the demo never uses SMTP).
        Assert.Equal(app.Demo.Invitations + app.Demo.Reminders, Mailbox.Read(app.OutboxFolder).Count(m => m.StudyId == app.StudyId));
    }

    [Fact]
    public async Task The_blind_round_has_first_answers_and_revisions_made_after_seeing_the_panel()
    {
        var blind = app.Demo.RoundIds[2];
        Assert.True(DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE round_id = {blind} AND revision = 2") > 0);
        var export = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/export.json");
        var round3 = export.GetProperty("rounds").EnumerateArray().Single(r => r.GetProperty("id").GetInt64() == blind);
        var item1 = round3.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == Item(1));
        // Before seeing the panel the laggards had not moved yet: the first answers agree less than the revised ones.
        Assert.True(item1.GetProperty("firstAggregate").GetProperty("agreementInBand").GetDouble()
                    < item1.GetProperty("aggregate").GetProperty("agreementInBand").GetDouble());
    }

    [Fact]
    public async Task The_year_item_has_every_figure_but_a_coefficient_of_variation_in_the_export_and_in_delphi_analyze()
    {
        var export = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/export.json");
        var years = export.GetProperty("rounds").EnumerateArray().SelectMany(r => r.GetProperty("items").EnumerateArray())
            .Where(i => i.GetProperty("kind").GetString() == "year" && i.TryGetProperty("aggregate", out _)).ToList();
        Assert.NotEmpty(years);
        foreach (var item in years)
        {
            var aggregate = item.GetProperty("aggregate");
            Assert.True(item.GetProperty("answers").GetProperty("year").GetBoolean());
            Assert.Equal(JsonValueKind.Null, aggregate.GetProperty("cv").ValueKind);
            Assert.All(aggregate.GetProperty("groups").EnumerateObject(), g => Assert.Equal(JsonValueKind.Null, g.Value.GetProperty("cv").ValueKind));
            Assert.Equal(JsonValueKind.Number, aggregate.GetProperty("median").ValueKind);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.Equal(0, DelphiRounds.Cli.Analyze.AnalyzeCommand.Run(["-"], new StringReader(item.GetProperty("answers").GetRawText()), stdout, stderr));
            Assert.Equal(JsonSerializer.Serialize(aggregate), JsonSerializer.Serialize(JsonDocument.Parse(stdout.ToString()).RootElement));
        }
    }

    [Fact]
    public void The_simulation_reports_its_progress_round_by_round()
    {
        Assert.Contains(app.Progress, l => l.StartsWith("  Round 0 (ideas):", StringComparison.Ordinal));
        foreach (var r in new[] { 1, 2, 3 }) Assert.Contains(app.Progress, l => l.StartsWith($"  Round {r} (", StringComparison.Ordinal) && l.Contains("verdicts:"));
        Assert.Contains(app.Progress, l => l.Contains("Item 8 reached consensus in round 2 and is retired"));
    }
}
