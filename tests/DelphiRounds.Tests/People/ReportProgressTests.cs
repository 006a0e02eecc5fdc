using System.Net;
using System.Text.RegularExpressions;
using DelphiRounds.Exports;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests.People;

/// <summary>
/// Issue 9 (progress): the facilitator sees the study report being built — the step (round 2 of 3,
/// statement 4 of 9), a progress bar and the percentage, announced politely — and then the report itself.
/// The builds here are held at every step (<see cref="ReportGate"/>), as a large study's build is slow.
/// </summary>
public sealed class ReportProgressTests(ReportProgressApp app) : IClassFixture<ReportProgressApp>, IDisposable
{
    private string ReportUrl => $"/f/studies/{app.StudyId}/report";

    /// <summary>Asks for the report and returns the build address it is sent to (the build is held, so it is never ready at once).</summary>
    private async Task<string> StartAsync(ReportProgressApp app, string? language = null)
    {
        await app.ReadyAsync();
        var browser = await LoggedInWithoutRedirectsAsync(language);
        var response = await browser.GetAsync(ReportUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.Matches($"^/f/studies/{app.StudyId}/report\\?build=[0-9a-f]{{24}}$", location);
        return location;
    }

    private async Task<DelphiRounds.Accounts.Facilitator> Owner()
    {
        await app.ReadyAsync();
        return (await app.Services.GetRequiredService<DelphiRounds.Accounts.FacilitatorStore>().FindByApiTokenAsync(app.Token))!;
    }

    private async Task<HttpClient> LoggedInWithoutRedirectsAsync(string? language = null)
    {
        var account = await Owner();
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        var browser = new HttpClient(handler) { BaseAddress = app.Address };
        var follow = new HttpClient(new HttpClientHandler { AllowAutoRedirect = true, CookieContainer = handler.CookieContainer }) { BaseAddress = app.Address };
        await AgreementOfFiguresTests.LogInAsync(follow, account.Email, "correct horse battery staple");
        if (language is not null) await follow.GetAsync("/language/" + language);
        return browser;
    }

    private sealed record Shown(string State, int Value, int Max, string Stage, string Detail);

    private static Shown Read(string html)
    {
        var block = Regex.Match(html, "<section class=\"report-progress\".*?</section>", RegexOptions.Singleline).Value;
        Assert.False(block.Length == 0, "no progress block in:\n" + html);
        string Attr(string name) => Regex.Match(block, $"{name}=\"([^\"]*)\"").Groups[1].Value;
        var bar = Regex.Match(block, "<progress [^>]*max=\"(\\d+)\" value=\"(\\d+)\"");
        return new Shown(Attr("data-state"),
            bar.Success ? int.Parse(bar.Groups[2].Value) : -1, bar.Success ? int.Parse(bar.Groups[1].Value) : -1,
            WebUtility.HtmlDecode(Regex.Match(block, "data-report=\"stage\">([^<]*)<").Groups[1].Value.Trim()),
            WebUtility.HtmlDecode(Regex.Match(block, "data-report=\"detail\">([^<]*)<").Groups[1].Value.Trim()));
    }

    [Fact]
    public async Task A_slow_report_shows_each_step_with_its_bar_and_percentage_and_then_the_report()
    {
        app.Gate.Hold();
        var browser = await LoggedInWithoutRedirectsAsync();
        var address = await StartAsync(app);
        var progress = address + "&handler=Progress";

        // The first step: waiting for a free slot. The page is the progress, not (yet) the report.
        var first = await app.Gate.ReachedAsync();
        Assert.Equal(ReportStages.Waiting, first.Stage);
        var page = await browser.GetStringAsync(address);
        Assert.Contains("role=\"status\" aria-live=\"polite\" data-report=\"stage\"", page);
        Assert.Contains("Het rapport wordt gemaakt", page);
        Assert.Contains("Even wachten: eerst worden andere rapporten gemaakt.", page);
        Assert.Contains("src=\"/js/report-progress.js", page);
        Assert.Contains($"href=\"{address.Replace("&", "&amp;")}\"", page); // the refresh link, for a browser without script
        Assert.DoesNotContain("id=\"purpose\"", page);

        // Asking again while it is under way joins the same build.
        Assert.Equal(address, await StartAsync(app));

        // Step by step: what the page shows is the step the build is at, and the bar only moves forward.
        var seen = new List<(ReportStep Step, Shown Shown)>();
        app.Gate.Proceed();
        while (true)
        {
            var step = await app.Gate.ReachedAsync();
            var shown = Read(await browser.GetStringAsync(progress));
            seen.Add((step, shown));
            Assert.Equal(step.Stage, shown.State);
            Assert.Equal(step.Done, shown.Value);
            Assert.Equal(step.Total, shown.Max);
            Assert.Contains($"{step.Percent}% klaar", shown.Detail);
            if (step.Stage == ReportStages.Analysing)
            {
                Assert.Equal($"De cijfers van ronde {step.Round} van 3 worden berekend.", shown.Stage);
                Assert.EndsWith($"stelling {step.Item} van {step.Items}", shown.Detail);
            }
            if (step.Stage == ReportStages.Convergence) { app.Gate.Proceed(); break; }
            app.Gate.Proceed();
        }
        var stages = seen.Select(s => s.Step.Stage).Distinct().ToList();
        Assert.Equal([ReportStages.Ideas, ReportStages.Analysing, ReportStages.Reading, ReportStages.Convergence], stages);
        Assert.Equal([1, 2, 3], seen.Where(s => s.Step.Stage == ReportStages.Analysing).Select(s => s.Step.Round).Distinct());
        var values = seen.Select(s => s.Shown.Value).ToList();
        Assert.Equal(values.OrderBy(v => v), values);
        Assert.Equal(Enumerable.Range(0, values.Count), values); // one step each, none skipped
        Assert.Equal(values.Count, seen[0].Shown.Max);

        // Ready: the progress says so, and the build's address is the report.
        var ready = await PollAsync(browser, progress, s => s.State == ReportStages.Ready);
        Assert.Equal(ready.Max, ready.Value);
        var report = await browser.GetStringAsync(address);
        Assert.DoesNotContain("data-report-progress", report);
        foreach (var id in new[] { "purpose", "panel", "method", "response", "criteria", "changes", "results", "verdicts", "limitations", "dissent", "data", "credes" })
            Assert.Contains($"id=\"{id}\"", report);

        // The same report as one built without holding.
        app.Gate.Open();
        var again = await FollowAsync(browser, ReportUrl);
        Assert.Equal(Section(report, "results"), Section(again, "results"));
        Assert.Equal(Section(report, "dissent"), Section(again, "dissent"));
    }

    [Fact]
    public async Task The_progress_is_in_the_readers_language()
    {
        app.Gate.Hold();
        var browser = await LoggedInWithoutRedirectsAsync("en");
        var address = await StartAsync(app, "en");
        Assert.Equal(ReportStages.Waiting, (await app.Gate.ReachedAsync()).Stage);
        app.Gate.Proceed();
        ReportStep step;
        while ((step = await app.Gate.ReachedAsync()).Stage != ReportStages.Analysing || step.Round != 2) app.Gate.Proceed();
        var shown = Read(await browser.GetStringAsync(address + "&handler=Progress"));
        Assert.Equal("Working out the figures of round 2 of 3.", shown.Stage);
        Assert.Equal($"{step.Percent}% done · statement {step.Item} of {step.Items}", shown.Detail);
        var page = await browser.GetStringAsync(address);
        Assert.Contains("Building the report", page);
        Assert.Contains("<html lang=\"en\"", page);
        app.Gate.Open();
        await PollAsync(browser, address + "&handler=Progress", s => s.State == ReportStages.Ready);
        Assert.Contains("id=\"credes\"", await browser.GetStringAsync(address));
    }

    [Fact]
    public async Task A_build_is_only_its_own_facilitators_and_an_unknown_one_is_made_again()
    {
        app.Gate.Hold();
        var address = await StartAsync(app);
        await app.Gate.ReachedAsync();
        var buildId = address[(address.IndexOf("build=", StringComparison.Ordinal) + 6)..];

        // Another facilitator: not their study, so neither its report nor the build's progress.
        var (_, otherToken, _, _) = await app.FacilitatorAsync();
        var other = await PanelAttritionTests.LoggedInAsync(app, otherToken);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(address)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(address + "&handler=Progress")).StatusCode);

        // The owner with a build id this server does not know (expired, or from before a restart): the progress
        // says it is gone (the script then reloads the page), and the page starts a new build.
        var browser = await LoggedInWithoutRedirectsAsync();
        var unknown = $"{ReportUrl}?build={new string('0', 24)}";
        Assert.Equal(ReportStages.Gone, Read(await browser.GetStringAsync(unknown + "&handler=Progress")).State);
        var restarted = await browser.GetAsync(unknown);
        Assert.Equal(HttpStatusCode.Redirect, restarted.StatusCode);
        // The build under way for this study and facilitator is joined, not made twice.
        Assert.Equal(address, restarted.Headers.Location!.OriginalString);
        Assert.NotNull(app.Services.GetRequiredService<ReportBuilder>().Find(buildId, app.StudyId, (await Owner()).Id));
        app.Gate.Open();
        await PollAsync(browser, address + "&handler=Progress", s => s.State == ReportStages.Ready);
    }

    [Fact]
    public async Task A_build_that_fails_says_so_and_offers_to_make_it_again()
    {
        await app.ReadyAsync();
        var before = DatabaseDump.Take(app.DatabasePath);
        app.Gate.Hold();
        var browser = await LoggedInWithoutRedirectsAsync();
        var address = await StartAsync(app);
        await app.Gate.ReachedAsync();
        app.Gate.FailWith = new InvalidOperationException("disk gone");
        app.Gate.Proceed();
        var failed = await PollAsync(browser, address + "&handler=Progress", s => s.State == ReportStages.Failed);
        Assert.Equal(-1, failed.Value); // no bar on a failed build
        var page = await browser.GetStringAsync(address);
        Assert.Contains("Het rapport kon niet worden gemaakt", page);
        Assert.Contains("data-state=\"failed\"", page);
        Assert.Contains($"<a class=\"utrecht-link\" href=\"{ReportUrl}\">Maak het rapport opnieuw</a>", page);
        Assert.DoesNotContain("<progress", page);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));

        // Making it again works.
        app.Gate.Open();
        Assert.Contains("id=\"results\"", await FollowAsync(browser, ReportUrl));
    }

    private static async Task<Shown> PollAsync(HttpClient browser, string url, Func<Shown, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var shown = Read(await browser.GetStringAsync(url));
            if (until(shown)) return shown;
            Assert.True(DateTime.UtcNow < deadline, $"still {shown} after 30 s");
            await Task.Delay(20);
        }
    }

    /// <summary>GET, following the report page's redirects to its build, until the report (or the failure) is shown.</summary>
    private static async Task<string> FollowAsync(HttpClient browser, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await browser.GetAsync(url);
            if (response.StatusCode == HttpStatusCode.Redirect) { url = response.Headers.Location!.OriginalString; continue; }
            var html = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if (!html.Contains("data-report-progress") || html.Contains("data-state=\"failed\"")) return html;
            Assert.True(DateTime.UtcNow < deadline, "the report was not ready after 30 s");
            await Task.Delay(20);
        }
    }

    private static string Section(string html, string id) =>
        Regex.Match(html, $"<section class=\"report-section\" id=\"{id}\".*?(?=<section class=\"report-section\"|</article>)", RegexOptions.Singleline).Value;

    public void Dispose() => app.Gate.Open();
}
