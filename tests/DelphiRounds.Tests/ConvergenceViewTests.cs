using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Issue 5, convergence view: server-drawn SVG charts with text alternatives, per item and per group, live while a round is open, with the verdicts.</summary>
[Collection(FinishedStudyCollection.Name)]
public sealed class ConvergenceViewTests(FinishedStudyApp app)
{
    internal static string Item(string html, long itemId) =>
        Regex.Match(html, $"<article class=\"item-card convergence-item\" id=\"convergence-item-{itemId}\".*?</article>", RegexOptions.Singleline).Value;

    [Fact]
    public async Task Every_chart_has_a_title_a_description_and_a_table_with_the_same_figures()
    {
        var browser = await PanelAttritionTests.LoggedInAsync(app, app.Token);
        var html = await browser.GetStringAsync($"/f/studies/{app.StudyId}/convergence");
        var charts = Regex.Matches(html, "<svg class=\"chart[^\"]*\" id=\"([^\"]+)\"[^>]*role=\"img\" aria-labelledby=\"([^\"]+)\".*?</svg>", RegexOptions.Singleline);
        Assert.True(charts.Count >= 10 * 2 + 10 * 4, $"{charts.Count} charts");
        foreach (Match chart in charts)
        {
            var id = chart.Groups[1].Value;
            Assert.Equal($"{id}-title {id}-desc", chart.Groups[2].Value);
            Assert.Matches($"<title id=\"{id}-title\">[^<]+</title>", chart.Value);
            Assert.Matches($"<desc id=\"{id}-desc\">[^<]+</desc>", chart.Value);
        }
        Assert.DoesNotContain(" style=", html);

        // Item 1: the median chart says in words what the table says in figures, round by round.
        var convergence = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/convergence");
        var item1 = Item(html, app.Demo.Items[1]);
        var desc = Regex.Match(item1, "<desc id=\"conv-\\d+-location-desc\">([^<]+)</desc>").Groups[1].Value;
        Assert.Contains("Ronde 3: ", desc);
        var final = convergence.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == app.Demo.Items[1]).GetProperty("analysis");
        var median = final.GetProperty("median").GetDouble().ToString("0.##", System.Globalization.CultureInfo.GetCultureInfo("nl"));
        Assert.Contains($"Ronde 3: {final.GetProperty("n").GetInt32()} antwoorden, mediaan {median}", desc);
        Assert.Matches($"<tr class=\"utrecht-table__row\" data-round=\"3\">.*?data-figure=\"n\">{final.GetProperty("n").GetInt32()}<.*?data-figure=\"median\">{median}<", Regex.Replace(item1, @"\s+", " "));
        Assert.Contains("<span class=\"verdict verdict--consensus-for\">Consensus: eens</span>", item1);
        // A small chart per stakeholder group, each with its own title.
        Assert.Equal(6, Regex.Matches(item1, "<figure class=\"chart-figure chart-figure--small\" data-group=").Count);
    }

    [Fact]
    public async Task The_demo_shows_a_consensus_against_and_a_fragile_consensus_with_its_warning_in_words()
    {
        var convergence = await app.GetJsonAsync($"/api/v1/studies/{app.StudyId}/convergence");
        JsonElement Of(int n) => convergence.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("itemId").GetInt64() == app.Demo.Items[n]);
        var against = Of(12);
        Assert.Equal("consensus-against", against.GetProperty("verdict").GetString());
        var analysis = against.GetProperty("analysis");
        var n12 = analysis.GetProperty("n").GetInt32();
        var chose = (int)Math.Round(analysis.GetProperty("disagreementInBand").GetDouble() * n12);
        Assert.Equal($"{chose} of {n12} chose 1 or 2; 70 % was needed.", against.GetProperty("reasons").GetProperty("en")[0].GetString());
        Assert.Equal($"{chose} van de {n12} kozen 1 of 2; 70% was nodig.", against.GetProperty("reasons").GetProperty("nl")[0].GetString());

        // Item 1's consensus holds, but some single answers would tip it.
        var fragile = Of(1);
        var flips = fragile.GetProperty("analysis").GetProperty("consensus").GetProperty("flipsWithoutOne").GetInt32();
        Assert.True(flips > 0);
        Assert.Equal(flips, fragile.GetProperty("fragility").GetProperty("flipsWithoutOne").GetInt32());
        Assert.Contains($"This consensus rests on one answer: without any one of {flips} answers it would not hold.",
            fragile.GetProperty("warnings").GetProperty("en").EnumerateArray().Select(x => x.GetString()));

        var browser = await PanelAttritionTests.LoggedInAsync(app, app.Token);
        var html = await browser.GetStringAsync($"/f/studies/{app.StudyId}/convergence");
        Assert.Contains("<span class=\"verdict verdict--consensus-against\">Consensus: oneens</span>", Item(html, app.Demo.Items[12]));
        Assert.Contains($"{chose} van de {n12} kozen 1 of 2; 70% was nodig.", Item(html, app.Demo.Items[12]));
        Assert.Contains($"Deze consensus hangt aan één antwoord: zonder één van {flips} antwoorden houdt hij geen stand.", Item(html, app.Demo.Items[1]));
        Assert.DoesNotContain("<code>", html);
    }

    [Fact]
    public async Task Ranking_items_show_kendalls_w_over_the_rounds_and_retired_items_say_so()
    {
        var browser = await PanelAttritionTests.LoggedInAsync(app, app.Token);
        var html = await browser.GetStringAsync($"/f/studies/{app.StudyId}/convergence");
        var ranking = Item(html, app.Demo.Items[9]);
        Assert.Contains("Kendalls W", ranking);
        Assert.Equal(3, Regex.Matches(ranking, "data-figure=\"kendallW\">0,\\d+<").Count);
        Assert.Contains("gemiddelde plaats per keuze", ranking);
        var retired = Item(html, app.Demo.Items[8]);
        Assert.Contains("niet meer gevraagd na ronde 2", retired);
        Assert.DoesNotContain("data-round=\"3\"", retired);
        var dissent = Item(html, app.Demo.Items[5]);
        // Item 5 is stable dissent between two camps: it shows as polarised, with its poles named.
        Assert.Contains("verdict--polarised", dissent);
        Assert.Contains("Eens: Woningcorporaties, Bewoners en gebruikers. Oneens: Energieproducenten en warmtebedrijven, Havenbedrijf en havenindustrie.", dissent);
        // The study-level stopping rule.
        Assert.Contains("De studie stopt.", html);
        Assert.Contains("Het maximale aantal rondes (3) is bereikt.", html);
        // No open round: no live script.
        Assert.DoesNotContain("convergence.js", html);
    }

    [Fact]
    public async Task An_open_round_is_drawn_live_small_groups_are_left_out_and_one_item_can_be_fetched_alone()
    {
        var s = await Scenario.CreateAsync(app);
        // Grid operators and housing answer in full, residents only twice: too few to show. Each group's three are
        // released together (a read of the figures releases what may be released); residents' two are held.
        foreach (var group in new[] { "grid-operators", "housing", "residents" })
        {
            foreach (var p in s.Participants.Where(p => p.Group == group).Take(group == "residents" ? 2 : 3))
                await Scenario.Expect(await Scenario.AnswerAsync(app, p.Token, s.RoundId, new { itemId = s.SevenPointItem, value = 5 }), HttpStatusCode.Created);
            await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/rounds/{s.RoundId}/stats"), HttpStatusCode.OK);
        }
        var browser = await PanelAttritionTests.LoggedInAsync(app, s.FacilitatorToken);
        var html = await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence");
        Assert.Contains($"data-convergence-round=\"{s.RoundId}\"", html);
        Assert.Contains("js/convergence.js", html);
        Assert.Contains("data-live-pause", html);
        var item = Item(html, s.SevenPointItem);
        Assert.Contains("Ronde 1 (open)", item);
        Assert.Contains("chart__point chart__point--open", item);
        // Residents' 2 answers are not released: showing them with the rest would let the panel's change give them
        // away (threshold release), so the page shows the six released answers and the two full groups.
        Assert.Contains("data-group=\"grid-operators\"", item);
        Assert.Contains("data-group=\"housing\"", item);
        Assert.DoesNotContain("data-group=\"residents\"", item);
        Assert.Matches("data-figure=\"n\">6<", item);

        // The script swaps in one item's block, drawn again from the live figures.
        await Scenario.Expect(await Scenario.AnswerAsync(app, s.Participants.Last().Token, s.RoundId, new { itemId = s.SevenPointItem, value = 6 }), HttpStatusCode.Created);
        var partial = await browser.GetStringAsync($"/f/studies/{s.StudyId}/convergence?handler=Item&itemId={s.SevenPointItem}");
        Assert.StartsWith("<article class=\"item-card convergence-item\"", partial.Trim());
        Assert.Matches("data-figure=\"n\">9<", partial);
        Assert.Contains("data-group=\"residents\"", partial); // three answers now
        Assert.Contains("data-group=\"grid-operators\"", partial); // no group under 3 left to give away
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/f/studies/{s.StudyId}/convergence?handler=Item&itemId=999999")).StatusCode);
        var other = await PanelAttritionTests.LoggedInAsync(app, app.Token);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/f/studies/{s.StudyId}/convergence")).StatusCode);
    }
}
