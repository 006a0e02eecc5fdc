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
        new("error-403", "anonymous", _ => "/error/403"),
        new("error-400", "anonymous", _ => "/error/400"),
        new("error-429", "anonymous", _ => "/error/429"),
        new("not-found-page", "anonymous", _ => "/no/such/page"),
        new("help", "anonymous", _ => "/help"),
        new("invalid-link", "anonymous", _ => "/p/dlp_thisLinkDoesNotExist0000000000000"),
        new("welcome-back", "anonymous", _ => "/p/welcome-back"),
        new("sign", "anonymous", w => $"/sign/{w.UnsignedToken}"),
        new("sign-unconfirmed", "anonymous", w => $"/sign/{w.UnsignedToken}", async (p, _) =>
            await p.Locator("form button[type=submit]").Last.ClickAsync()),
        new("sign-already-signed", "anonymous", w => $"/sign/{w.SignedToken}"),
        new("receipt", "anonymous", w => $"/sign/{w.SignedToken}/receipt"),
        new("verify", "anonymous", w => $"/verify/{w.FrozenStudy}"),
        new("verify-unknown", "anonymous", _ => "/verify/987654"),

        // Facilitator
        new("studies", "facilitator", _ => "/f"),
        new("account", "facilitator", _ => "/f/account"),
        new("account-password", "facilitator", _ => "/f/account/password"),
        new("account-password-refused", "facilitator", _ => "/f/account/password", async (p, _) =>
        {
            // A wrong current password and a repeat that differs: both messages next to their fields, nothing changes.
            await p.Locator("#field-currentpassword").FillAsync("not the password");
            await p.Locator("#field-newpassword").FillAsync("een nieuw lang wachtwoord");
            await p.Locator("#field-repeatpassword").FillAsync("een ander lang wachtwoord");
            await p.Locator("form.stack button[type=submit]").ClickAsync();
            await Assertions.Expect(p.Locator("#field-currentpassword-error")).ToBeVisibleAsync();
        }),
        new("study-draft", "facilitator", w => $"/f/studies/{w.DraftStudy}"),
        new("study-running", "facilitator", w => $"/f/studies/{w.AllKindsStudy}"),
        new("study-finished", "facilitator", w => $"/f/studies/{w.FrozenStudy}"),
        new("panel", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/panel"),
        new("panel-reminders-sending", "facilitator", w => $"/f/studies/{w.ClassicStudy}/panel", async (p, _) =>
        {
            // Mail is switched off in the tests: the reminders wait in the outbox and the progress shows them pending.
            await p.Locator("input[name=RemindGroups]").First.CheckAsync();
            await p.Locator("form[action*=Remind] button[type=submit]").ClickAsync();
            await Assertions.Expect(p.Locator("[data-outbox=pending]")).Not.ToHaveTextAsync("0");
        }),
        new("panel-remind-error", "facilitator", w => $"/f/studies/{w.ClassicStudy}/panel", async (p, _) =>
        {
            await p.Locator("form[action*=Remind] button[type=submit]").ClickAsync();
            await Assertions.Expect(p.Locator("#remind-error")).ToBeVisibleAsync();
        }),
        new("panel-erase", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/panel/{w.ErasableParticipant}/erase"),
        new("items", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/items"),
        new("items-draft", "facilitator", w => $"/f/studies/{w.DraftStudy}/items"),
        new("items-ideas", "facilitator", w => $"/f/studies/{w.IdeasStudy}/items"),
        new("dashboard", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/dashboard", Live),
        new("dashboard-classic", "facilitator", w => $"/f/studies/{w.ClassicStudy}/dashboard", Live),
        new("dashboard-blind", "facilitator", w => $"/f/studies/{w.BlindStudy}/dashboard", Live),
        new("convergence", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/convergence", OpenTables),
        new("convergence-blind", "facilitator", w => $"/f/studies/{w.BlindStudy}/convergence", Live),
        new("convergence-ideas", "facilitator", w => $"/f/studies/{w.IdeasStudy}/convergence"),
        new("convergence-finished", "facilitator", w => $"/f/studies/{w.FrozenStudy}/convergence", OpenTables),
        new("report", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/report"),
        new("report-blind", "facilitator", w => $"/f/studies/{w.BlindStudy}/report"),
        new("report-finished", "facilitator", w => $"/f/studies/{w.FrozenStudy}/report"),
        new("exports", "facilitator", w => $"/f/studies/{w.AllKindsStudy}/exports"),
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
        new("questionnaire-blind-revealed", "participant:blind-answered", _ => "/p", Live),
        new("questionnaire-classic-answered", "participant:classic-answered", _ => "/p"),
        new("questionnaire-finished", "participant:finished", _ => "/p"),
        new("questionnaire-ideas", "participant:ideas", _ => "/p"),
        new("vision-review-participant", "participant:reviewer", _ => "/p/vision"),
        new("vision-review-participant-error", "participant:reviewer", _ => "/p/vision", async (p, _) =>
        {
            await p.Locator("main form button[type=submit]").Last.ClickAsync();
            await Assertions.Expect(p.Locator(".utrecht-form-field-error-message").First).ToBeVisibleAsync();
        }),
        new("questionnaire-with-review-notice", "participant:reviewer", _ => "/p"),
    ];

    /// <summary>Waits until the live figures are connected (the status line says so).</summary>
    public static async Task Live(IPage page, PeopleWorld _) =>
        await page.WaitForFunctionAsync("""
            () => { const s = document.querySelector('[data-live-status]');
              const connected = x => x && x.connection.state === 'Connected';
              return !s || connected(window.delphiLive) || connected(window.delphiConvergence); }
            """, null, new() { Timeout = 10_000 });

    /// <summary>Live, and every chart's data table opened (they are checked as a reader who opens them sees them).</summary>
    public static async Task OpenTables(IPage page, PeopleWorld world)
    {
        await Live(page, world);
        await page.EvaluateAsync("() => document.querySelectorAll('details.chart-table').forEach(d => d.open = true)");
    }

    public static IEnumerable<object[]> Names => All.Select(s => new object[] { s.Name });

    public static PageState Named(string name) => All.Single(s => s.Name == name);
}
