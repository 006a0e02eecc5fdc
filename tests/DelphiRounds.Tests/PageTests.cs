using System.Net;
using System.Text.RegularExpressions;

using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>The pages work without script: plain GETs and form POSTs with anti-forgery tokens.</summary>
public sealed partial class PageTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static string Antiforgery(string html) => AntiforgeryField().Match(html).Groups[1].Value;

    [Fact]
    public async Task The_invitation_link_signs_in_and_the_form_saves_an_answer_without_script()
    {
        var s = await Scenario.CreateAsync(app);
        var p = s.Participants[0];
        var browser = app.Client(followRedirects: false);

        var enter = await browser.GetAsync($"/p/{p.Token}");
        Assert.Equal(HttpStatusCode.Redirect, enter.StatusCode);
        Assert.Equal("/p", enter.Headers.Location!.OriginalString);

        var page = await browser.GetStringAsync("/p");
        Assert.Contains("Warmtevisie test", page);
        Assert.Contains("0 van 2 beantwoord", page);

        var post = await browser.PostAsync("/p?handler=Answer", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ItemId"] = s.SevenPointItem.ToString(),
            ["Value"] = "5",
            ["Rationale"] = "<script>alert(1)</script> warmte",
            ["IdempotencyKey"] = Guid.NewGuid().ToString("N"),
            ["__RequestVerificationToken"] = Antiforgery(page),
        }));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.Equal($"/p#item-{s.SevenPointItem}", post.Headers.Location!.OriginalString);

        var after = await browser.GetStringAsync("/p");
        Assert.Contains("1 van 2 beantwoord", after);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; warmte", after); // stored as written, rendered encoded
        Assert.DoesNotContain("<script>alert(1)</script>", after);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}"));
    }

    [Fact]
    public async Task A_form_with_a_value_outside_the_scale_shows_the_message_next_to_the_field_and_saves_nothing()
    {
        var s = await Scenario.CreateAsync(app);
        var browser = app.Client();
        var page = await browser.GetStringAsync($"/p/{s.Participants[1].Token}");
        var before = DatabaseDump.Take(app.DatabasePath);
        var post = await browser.PostAsync("/p?handler=Answer", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ItemId"] = s.FivePointItem.ToString(),
            ["Value"] = "9",
            ["__RequestVerificationToken"] = Antiforgery(page),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        var html = await post.Content.ReadAsStringAsync();
        Assert.Matches($"id=\"item-{s.FivePointItem}-error\">9 ligt niet op de schaal", html);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused()
    {
        var s = await Scenario.CreateAsync(app);
        var browser = app.Client();
        await browser.GetStringAsync($"/p/{s.Participants[2].Token}");
        var before = DatabaseDump.Take(app.DatabasePath);
        var post = await browser.PostAsync("/p?handler=Answer", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ItemId"] = s.FivePointItem.ToString(),
            ["Value"] = "3",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task An_unknown_invitation_link_says_so()
    {
        var response = await app.Client().GetAsync("/p/dlp_" + new string('Z', 43));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Deze link werkt niet", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_facilitator_logs_in_and_runs_a_round_from_the_pages()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var study = await Scenario.Expect(await s.Facilitator.GetAsync($"/api/v1/studies/{s.StudyId}"), HttpStatusCode.OK);
        _ = study;
        var (_, _, email, password) = await app.FacilitatorAsync();
        var browser = app.Client();
        var login = await browser.GetStringAsync("/login");
        var posted = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = "wrong", ["__RequestVerificationToken"] = Antiforgery(login),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        login = await posted.Content.ReadAsStringAsync();
        posted = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = "correct horse battery staple", ["__RequestVerificationToken"] = Antiforgery(login),
        }));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("Uw studies", await posted.Content.ReadAsStringAsync());
        _ = password;

        // This facilitator creates a study with a round and opens it, all in forms.
        var studies = await browser.GetStringAsync("/f");
        var created = await browser.PostAsync("/f", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Title"] = "Koude uit de haven", ["Question"] = "Hoe?", ["HorizonYear"] = "2030",
            ["GroupLines"] = "Netbeheerders | Grid operators\nBewoners", ["__RequestVerificationToken"] = Antiforgery(studies),
        }));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var studyUrl = created.RequestMessage!.RequestUri!.AbsolutePath;
        Assert.Matches("^/f/studies/[0-9]+$", studyUrl);

        var items = await browser.GetStringAsync(studyUrl + "/items");
        var added = await browser.PostAsync(studyUrl + "/items", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["TextNl"] = "Koude wordt benut.", ["ScaleMax"] = "5", ["__RequestVerificationToken"] = Antiforgery(items),
        }));
        Assert.Contains("Koude wordt benut.", await added.Content.ReadAsStringAsync());

        var panel = await browser.GetStringAsync(studyUrl + "/panel");
        // With sending off (the test default) the Dutch page says so in Dutch, not in the log's English.
        Assert.Contains("Versturen staat uit", panel);
        Assert.DoesNotContain("nowhere yet", panel);
        var groupId = Regex.Match(panel, "<option value=\"([0-9]+)\"").Groups[1].Value;
        var withMember = await browser.PostAsync(studyUrl + "/panel?handler=Add", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["GroupId"] = groupId, ["Name"] = "Jan Jansen", ["Email"] = "jan@example.org", ["__RequestVerificationToken"] = Antiforgery(panel),
        }));
        var memberHtml = await withMember.Content.ReadAsStringAsync();
        // The one-time link, whole, in its read-only box (a textarea that wraps it, with a copy button beside it).
        Assert.Matches("id=\"new-link\"[^>]*>http://[^<]+/p/dlp_[A-Za-z0-9_-]{43}</textarea>", memberHtml);

        var overview = await browser.GetStringAsync(studyUrl);
        var prepared = await browser.PostAsync(studyUrl + "?handler=NewRound", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Antiforgery(overview),
        }));
        var preparedHtml = await prepared.Content.ReadAsStringAsync();
        var openAction = Regex.Match(preparedHtml, "action=\"([^\"]*handler=Open[^\"]*)\"").Groups[1].Value.Replace("&amp;", "&");
        Assert.NotEmpty(openAction);
        var opened = await browser.PostAsync(openAction, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Antiforgery(preparedHtml),
        }));
        var openedHtml = await opened.Content.ReadAsStringAsync();
        Assert.Contains("Ronde 1 is open", openedHtml);
        Assert.Matches("<code class=\"hash\">[0-9a-f]{64}</code>", openedHtml);
    }

    [Fact]
    public async Task Pages_switch_to_English_and_remember_it()
    {
        var browser = app.Client();
        var nl = await browser.GetStringAsync("/login");
        Assert.Contains("<html lang=\"nl\"", nl);
        Assert.Contains("Inloggen voor begeleiders", nl);
        var en = await browser.GetStringAsync("/language/en?returnUrl=%2Flogin");
        Assert.Contains("<html lang=\"en\"", en);
        Assert.Contains("Log in for facilitators", en);
        Assert.Contains("Log in for facilitators", await browser.GetStringAsync("/login"));
    }

    [Fact]
    public async Task The_browser_language_is_the_default()
    {
        var browser = app.Client();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-GB,en;q=0.9");
        Assert.Contains("<html lang=\"en\"", await browser.GetStringAsync("/"));
    }
}
