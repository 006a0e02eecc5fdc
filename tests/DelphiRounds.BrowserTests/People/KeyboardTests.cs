using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// A participant answers every item kind of a whole questionnaire with the keyboard alone (Tab, Space,
/// Enter, arrow keys, typing), and wherever focus lands it is visible.
/// </summary>
[Collection(PeopleCollection.Name)]
public sealed class KeyboardTests(PeopleWorld world)
{
    /// <summary>Empty when the focused element shows a focus indicator (an outline of at least 2 px or a box shadow) or focus is outside the page; else what lacks it.</summary>
    private const string FocusVisible = """
        () => {
          const el = document.activeElement;
          // Tab past the page's last element leaves the page (Chromium's own controls): the body holds focus for that
          // one stop before Tab wraps to the skip link. That is the browser's stop, not one of the page's.
          if (!el || el === document.body) return '';
          const s = getComputedStyle(el);
          const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
          const shadow = s.boxShadow && s.boxShadow !== 'none';
          return outline || shadow ? '' : (el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.getAttribute('name') || el.textContent.trim().slice(0, 30)));
        }
        """;

    private readonly List<string> _invisibleFocus = [];
    private int _tabs;

    /// <summary>Presses Tab until the focused element matches <paramref name="selector"/>, checking each stop's focus indicator.</summary>
    private async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 250; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            _tabs++;
            var invisible = await page.EvaluateAsync<string>(FocusVisible);
            if (invisible.Length > 0) _invisibleFocus.Add(invisible);
            if (await page.EvaluateAsync<bool>("s => document.activeElement && document.activeElement.matches(s)", selector)) return;
        }
        Assert.Fail($"Tab never reached {selector}");
    }

    private async Task SaveAsync(IPage page, long itemId)
    {
        await TabToAsync(page, $"#item-{itemId} button[type=submit]");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        await Assertions.Expect(page.Locator($"#item-{itemId} .answered-note")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_participant_answers_every_item_kind_with_the_keyboard_alone_and_focus_is_always_visible()
    {
        var items = world.AllKindsItems;
        var page = await world.PageAsync("participant:keyboard", "nl");
        await page.GotoAsync(world.Url("/p").ToString());

        // The skip link is the first stop and takes focus to the main content.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("#main", await page.EvaluateAsync<string>("() => document.activeElement.getAttribute('href')"));
        Assert.Equal("", await page.EvaluateAsync<string>(FocusVisible));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        // Rating 1–7: Tab into the radio group, Space picks the focused point, arrows move to 5.
        await TabToAsync(page, $"#item-{items["rating"]} input[type=radio]");
        await page.Keyboard.PressAsync("Space");
        for (var i = 0; i < 8 && await page.EvaluateAsync<string>("() => document.activeElement.value") != "5"; i++)
            await page.Keyboard.PressAsync("ArrowRight");
        await TabToAsync(page, $"#item-{items["rating"]}-why");
        await page.Keyboard.TypeAsync("Restwarmte is er al.");
        await SaveAsync(page, items["rating"]);

        // Rating 1–5: Space on the first point, then one arrow to 2.
        await TabToAsync(page, $"#item-{items["rating5"]} input[type=radio]");
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("ArrowRight");
        await SaveAsync(page, items["rating5"]);

        // Three-point estimate with the Dutch decimal comma.
        await TabToAsync(page, $"#item-{items["numeric"]}-low");
        await page.Keyboard.TypeAsync("12,5");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("20");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("35,5");
        await SaveAsync(page, items["numeric"]);

        await TabToAsync(page, $"#item-{items["pj"]}-value");
        await page.Keyboard.TypeAsync("7,25");
        await SaveAsync(page, items["pj"]);

        await TabToAsync(page, $"#item-{items["year"]}-value");
        await page.Keyboard.TypeAsync("2031");
        await SaveAsync(page, items["year"]);

        // Ranking: each select gets its place with the arrow keys (grid 1, municipality 2, state 3).
        foreach (var (option, place) in new[] { ("municipality", 2), ("grid", 1), ("state", 3) })
        {
            await TabToAsync(page, $"#item-{items["ranking"]}-rank-{option}");
            for (var i = 0; i < place; i++) await page.Keyboard.PressAsync("ArrowDown");
            Assert.Equal(place.ToString(), await page.EvaluateAsync<string>("() => document.activeElement.value"));
        }
        await SaveAsync(page, items["ranking"]);

        await TabToAsync(page, $"#item-{items["text"]}-text-answer");
        await page.Keyboard.TypeAsync("Een vaste prijs en een aansluiting zonder kosten.");
        await SaveAsync(page, items["text"]);

        await Assertions.Expect(page.Locator("#progress")).ToContainTextAsync("7 van 7");
        Assert.True(_invisibleFocus.Count == 0, $"focus not visible on {_invisibleFocus.Count} of {_tabs} stops: {string.Join("; ", _invisibleFocus.Distinct().Take(10))}");

        // What was stored is what was typed (12,5 is 12.5).
        var stored = new Dictionary<long, string>();
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={world.App.DatabasePath};Mode=ReadOnly;Pooling=False"))
        {
            db.Open();
            using var query = db.CreateCommand();
            query.CommandText = "SELECT item_id, COALESCE(value, ''), COALESCE(detail_json, '') FROM answers WHERE round_id = $r AND participant_id = $p";
            query.Parameters.AddWithValue("$r", world.AllKindsRound2);
            query.Parameters.AddWithValue("$p", world.KeyboardParticipant);
            using var reader = query.ExecuteReader();
            while (reader.Read()) stored[reader.GetInt64(0)] = System.Convert.ToString(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) + " " + reader.GetString(2);
        }
        Assert.Equal(7, stored.Count);
        Assert.StartsWith("5 ", stored[items["rating"]]);
        Assert.StartsWith("2 ", stored[items["rating5"]]);
        Assert.Matches(@"^20 .*""low"":12\.5.*""high"":35\.5", stored[items["numeric"]]);
        Assert.StartsWith("7.25 ", stored[items["pj"]]);
        Assert.StartsWith("2031 ", stored[items["year"]]);
        Assert.Matches(@"""grid"":1\b", stored[items["ranking"]]);
        Assert.Contains("Een vaste prijs", stored[items["text"]]);
    }
}
