using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// One state of one page as a person meets it: who looks (<c>anonymous</c>, <c>facilitator</c>,
/// <c>participant:NAME</c> from <see cref="PeopleWorld.ParticipantTokens"/>), the address, and what they
/// do on the page before it is checked (fill a form wrongly, open a confirmation…).
/// </summary>
public sealed record PageState(string Name, string Who, Func<PeopleWorld, string> Path, Func<IPage, PeopleWorld, Task>? Act = null)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every page and state the accessibility, reflow and screenshot tests visit, in Dutch and in English.
/// To cover a new page, add one line here (the world in <see cref="PeopleWorld"/> has studies in every state).
/// </summary>
public static class PageStates
{
    public static readonly IReadOnlyList<PageState> All =
    [
        // Everyone
        new("home", "anonymous", _ => "/"),
        new("login", "anonymous", _ => "/login"),
        new("login-failed", "anonymous", _ => "/login", async (p, _) =>
        {
            await p.Locator("#email").FillAsync("nobody@example.org");
            await p.Locator("#password").FillAsync("wrong");
            await p.Locator("form.stack button[type=submit]").ClickAsync();
            await Assertions.Expect(p.Locator("#login-error")).ToBeVisibleAsync();
        }),
        new("error-404", "anonymous", _ => "/error/404"),
        new("error-500", "anonymous", _ => "/error/500"),
        new("not-found-page", "anonymous", _ => "/no/such/page"),
        new("help", "anonymous", _ => "/help"),
        new("invalid-link", "anonymous", _ => "/p/dlp_thisLinkDoesNotExist0000000000000"),
        new("welcome-back", "anonymous", _ => "/p/welcome-back"),
        new("sign", "anonymous", w => $"/sign/{w.UnsignedToken}"),
        new("sign-unconfirmed", "anonymous", w => $"/sign/{w.UnsignedToken}", async (p, _) =>
            await p.Locator("form button[type=submit]").Last.ClickAsync()),
        new("receipt", "anonymous", w => $"/sign/{w.SignedToken}/receipt"),
        new("verify", "anonymous", w => $"/verify/{w.FrozenStudy}"),

        // Facilitator
        new("studies", "facilitator", _ => "/f"),
        new("account", "facilitator", _ => "/f/account"),
        new("study-draft", "facilitator", w => $"/f/studies/{w.DraftStudy}"),
        new("study-running", "facilitator", w => $"/f/studies/{w.AllKindsStudy}"),
        new("panel", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/panel"),
        new("panel-erase", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/panel/{w.ErasableParticipant}/erase"),
        new("items", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/items"),
        new("items-draft", "facilitator", w => $"/f/studies/{w.DraftStudy}/items"),
        new("items-ideas", "facilitator", w => $"/f/studies/{w.IdeasStudy}/items"),
        new("dashboard", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/dashboard", Live),
        new("dashboard-classic", "facilitator", w => $"/f/studies/{w.ClassicStudy}/dashboard", Live),
        new("vision-review", "facilitator", w => $"/f/studies/{w.ReviewStudy}/vision"),
        new("vision-frozen", "facilitator", w => $"/f/studies/{w.FrozenStudy}/vision"),
        new("vision-draft", "facilitator", w => $"/f/studies/{w.DraftStudy}/vision"),
        new("signatories", "facilitator", w => $"/f/studies/{w.FrozenStudy}/vision/signatories"),

        // Participant
        new("questionnaire-round2", "participant:round2", _ => "/p", Live),
        new("questionnaire-round2-paused", "participant:round2", _ => "/p", async (p, w) =>
        {
            await Live(p, w);
            await p.Locator("[data-live-pause]").ClickAsync();
            await Assertions.Expect(p.Locator("[data-live-pause]")).ToHaveAttributeAsync("aria-pressed", "true");
        }),
        new("questionnaire-error", "participant:answering", _ => "/p", async (p, w) =>
        {
            var card = p.Locator($"#item-{w.AllKindsItems["pj"]}");
            await card.Locator("input[name=Value]").FillAsync("veel");
            await card.Locator("button[type=submit]").ClickAsync();
            await Assertions.Expect(p.Locator(".utrecht-form-field-error-message").First).ToBeVisibleAsync();
        }),
        new("questionnaire-classic", "participant:classic", _ => "/p"),
        new("questionnaire-blind", "participant:blind", _ => "/p"),
        new("questionnaire-ideas", "participant:ideas", _ => "/p"),
        new("vision-review-participant", "participant:reviewer", _ => "/p/vision"),
        new("questionnaire-with-review-notice", "participant:reviewer", _ => "/p"),
    ];

    /// <summary>Waits until the live figures are connected (the status line says so).</summary>
    public static async Task Live(IPage page, PeopleWorld _) =>
        await page.WaitForFunctionAsync("() => { const s = document.querySelector('[data-live-status]'); return !s || (window.delphiLive && window.delphiLive.connection.state === 'Connected'); }",
            null, new() { Timeout = 10_000 });

    public static IEnumerable<object[]> Names => All.Select(s => new object[] { s.Name });

    public static PageState Named(string name) => All.Single(s => s.Name == name);
}
