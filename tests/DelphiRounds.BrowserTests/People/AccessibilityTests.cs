using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// axe-core (embedded in Deque.AxeCore.Playwright, nothing downloaded) on every page and state of
/// <see cref="PageStates"/>, in Dutch and in English: WCAG 2.0/2.1/2.2 A and AA rules and axe's best
/// practices (landmarks, heading order, one h1). Zero violations.
/// </summary>
[Collection(PeopleCollection.Name)]
public sealed class AccessibilityTests(PeopleWorld world, ITestOutputHelper output)
{
    /// <summary>The rules run: WCAG 2.x A/AA (EN 301 549 follows WCAG 2.1 AA) and axe's best practices.</summary>
    public static readonly AxeRunOptions Options = new()
    {
        RunOnly = new RunOnlyOptions
        {
            Type = "tag",
            Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "EN-301-549"],
        },
        // Only the violations come back from the page: the suite stays fast.
        ResultTypes = [ResultType.Violations],
    };

    [Theory]
    [MemberData(nameof(PageStates.Names), MemberType = typeof(PageStates))]
    public async Task Page_state_has_no_axe_violations_in_Dutch_and_English(string name)
    {
        var state = PageStates.Named(name);
        var report = new StringBuilder();
        // Both languages at once: two pages of the same browser.
        var counts = await Task.WhenAll(new[] { "nl", "en" }.Select(async lang =>
        {
            var page = await world.PageAsync(state.Who, lang);
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await page.GotoAsync(world.Url(state.Path(world)).ToString());
                if (state.Act is not null) await state.Act(page, world);
                Assert.Equal(lang, await page.EvaluateAsync<string>("() => document.documentElement.lang"));
                var loaded = clock.ElapsedMilliseconds;
                var result = await page.RunAxe(Options);
                lock (report)
                {
                    output.WriteLine($"{name} [{lang}]: {result.Violations.Length} violations (page {loaded} ms, axe {clock.ElapsedMilliseconds - loaded} ms)");
                    foreach (var v in result.Violations) report.AppendLine(Describe(lang, v));
                }
                return result.Violations.Length;
            }
            finally { await page.CloseAsync(); }
        }));
        var total = counts.Sum();
        Assert.True(total == 0, $"{name}: {total} axe violation(s)\n{report}");
    }

    private static string Describe(string lang, AxeResultItem v)
    {
        var text = new StringBuilder($"[{lang}] {v.Id} ({v.Impact}): {v.Help}");
        foreach (var node in v.Nodes.Take(6))
            text.Append("\n    ").Append(string.Join(" ", node.Target?.ToString() ?? "")).Append("  ").Append(node.Html.Length > 160 ? node.Html[..160] + "…" : node.Html)
                .Append("\n      ").Append(string.Join("; ", node.Any.Concat(node.All).Concat(node.None).Select(c => c.Message)));
        return text.ToString();
    }
}
