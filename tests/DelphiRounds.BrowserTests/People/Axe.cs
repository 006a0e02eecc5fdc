using System.Text.Json;
using Deque.AxeCore.Commons;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// axe-core (the copy embedded in Deque.AxeCore.Commons, nothing downloaded), run in the page. The script
/// is added once per browser context as an init script, so it is not sent over the wire for every check
/// (which made the suite slow); only the violations come back, in a compact form.
/// </summary>
public static class Axe
{
    /// <summary>The rules run: WCAG 2.0/2.1/2.2 A and AA (EN 301 549 follows them) and axe's best practices.</summary>
    public static readonly string[] Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "EN-301-549"];

    private static readonly Lazy<string> Source = new(() => new BundledAxeScriptProvider().GetScript());

    /// <summary>Makes axe available in every page of this context (call once, before its pages open).</summary>
    public static Task AddToAsync(IBrowserContext context) => context.AddInitScriptAsync(Source.Value);

    public sealed record Node(string Target, string Html, string Why);
    public sealed record Violation(string Id, string? Impact, string Help, Node[] Nodes)
    {
        public override string ToString() =>
            $"{Id} ({Impact}): {Help}" + string.Concat(Nodes.Take(6).Select(n =>
                $"\n    {n.Target}  {(n.Html.Length > 160 ? n.Html[..160] + "…" : n.Html)}\n      {n.Why}"));
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Fails the test with each violation listed when the page as it is now has any.</summary>
    public static async Task AssertNoViolationsAsync(IPage page)
    {
        var violations = await RunAsync(page);
        Assert.True(violations.Length == 0, $"{page.Url}: {string.Join("\n", violations.Select(v => v.ToString()))}");
    }

    /// <summary>The violations on the page as it is now (axe is injected first if the context lacks it).</summary>
    public static async Task<Violation[]> RunAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
            await page.EvaluateAsync(Source.Value);
        var json = await page.EvaluateAsync<string>("""
            async (tags) => {
              const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
              return JSON.stringify(r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({ target: n.target.join(' '), html: n.html,
                  why: [...n.any, ...n.all, ...n.none].map(c => c.message).join('; ') })) })));
            }
            """, Tags);
        return JsonSerializer.Deserialize<Violation[]>(json, Json)!;
    }
}
