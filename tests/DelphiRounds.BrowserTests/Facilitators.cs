using DelphiRounds.BrowserTests.People;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>A facilitator of a fresh account, signed in through the login page in a browser context of their own.</summary>
public static class Facilitators
{
    /// <summary>The signed-in context (axe added) and the facilitator's API token, for setting up a study over the API.</summary>
    public static async Task<(IBrowserContext Context, string Token)> SignedInAsync(this Browser browser, DelphiApp app, string locale = "nl-NL")
    {
        var (_, token, email, password) = await app.FacilitatorAsync();
        return (await browser.SignedInAsync(app, email, password, locale), token);
    }

    /// <summary>A context (axe added) signed in through the login page as the facilitator with this e-mail address and password.</summary>
    public static async Task<IBrowserContext> SignedInAsync(this Browser browser, DelphiApp app, string email, string password, string locale = "nl-NL")
    {
        var context = await browser.NewPersonAsync(locale);
        await Axe.AddToAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(app.Address, "/login").ToString());
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("form.stack button[type=submit]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Uri(app.Address, "/f").ToString());
        await page.CloseAsync();
        return context;
    }
}
