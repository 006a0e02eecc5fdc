using System.Net;
using DelphiRounds.Testing;
using DelphiRounds.Tests.Trust;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// A facilitator changes their own password on the account page (the first one is printed by the server),
/// and an operator sets a new one with <c>delphi facilitator password</c> for someone who lost theirs.
/// Either way every other session with the old password ends; bad input changes nothing.
/// </summary>
public sealed class PasswordTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private const string Current = "correct horse battery staple"; // DelphiApp.FacilitatorAsync's password
    private const string Chosen = "warmte uit de haven voor iedereen";

    /// <summary>A client that keeps its cookies and does not follow redirects, logged in as this facilitator.</summary>
    internal static async Task<HttpClient> LoginAsync(DelphiApp app, string email, string password)
    {
        var browser = app.Client(followRedirects: false);
        var posted = await PostLoginAsync(browser, email, password);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        return browser;
    }

    private static async Task<HttpResponseMessage> PostLoginAsync(HttpClient browser, string email, string password)
    {
        var page = await browser.GetStringAsync("/login");
        return await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
        }));
    }

    internal static async Task<HttpResponseMessage> ChangeAsync(HttpClient browser, string current, string chosen, string repeat)
    {
        var page = await browser.GetStringAsync("/f/account/password");
        return await browser.PostAsync("/f/account/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["CurrentPassword"] = current, ["NewPassword"] = chosen, ["RepeatPassword"] = repeat,
            ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
        }));
    }

    private static async Task<bool> LoggedInAsync(HttpClient browser) => (await browser.GetAsync("/f")).StatusCode == HttpStatusCode.OK;

    [Fact]
    public async Task A_facilitator_changes_their_password_stays_logged_in_here_and_their_other_sessions_end()
    {
        var (_, token, email, _) = await app.FacilitatorAsync();
        var here = await LoginAsync(app, email, Current);
        var elsewhere = await LoginAsync(app, email, Current);
        Assert.Contains("href=\"/f/account/password\"", await here.GetStringAsync("/f/account"));

        var changed = await ChangeAsync(here, Current, Chosen, Chosen);
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal("/f/account", changed.Headers.Location!.OriginalString);
        var account = await here.GetStringAsync("/f/account");
        Assert.Contains("Uw wachtwoord is veranderd.", account);
        Assert.DoesNotContain("Uw wachtwoord is veranderd.", await here.GetStringAsync("/f/account")); // said once

        // This browser stays logged in; the other session ends on its next request and goes to the login page.
        Assert.True(await LoggedInAsync(here));
        var ended = await elsewhere.GetAsync("/f");
        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
        Assert.StartsWith("/login", ended.Headers.Location!.PathAndQuery);

        // The old password no longer works, the new one does; the password is stored only as a hash.
        Assert.Equal(HttpStatusCode.BadRequest, (await PostLoginAsync(app.Client(followRedirects: false), email, Current)).StatusCode);
        Assert.True(await LoggedInAsync(await LoginAsync(app, email, Chosen)));
        Assert.DoesNotContain(Chosen, DatabaseDump.Take(app.DatabasePath));
        // API tokens are separate credentials, listed and revoked on the same account page.
        Assert.Equal(HttpStatusCode.OK, (await app.Client(token).GetAsync("/api/v1/studies")).StatusCode);
    }

    public static TheoryData<string, string, string, string, string> Refusals => new()
    {
        { "wrong current", "not my password at all", Chosen, Chosen, "field-currentpassword-error" },
        { "no current", "", Chosen, Chosen, "field-currentpassword-error" },
        { "too short", Current, "kort", "kort", "field-newpassword-error" },
        { "the same", Current, Current, Current, "field-newpassword-error" },
        { "repeat differs", Current, Chosen, Chosen + "!", "field-repeatpassword-error" },
    };

    [Theory, MemberData(nameof(Refusals))]
    public async Task A_refused_change_says_why_next_to_the_field_and_changes_nothing(string why, string current, string chosen, string repeat, string errorId)
    {
        var (_, _, email, _) = await app.FacilitatorAsync();
        var browser = await LoginAsync(app, email, Current);
        var before = DatabaseDump.Take(app.DatabasePath);

        var refused = await ChangeAsync(browser, current, chosen, repeat);
        Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, why);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Matches($"id=\"{errorId}\">[^<]+<", html);
        var field = errorId[..^"-error".Length];
        Assert.Matches($"id=\"{field}\"[^>]*aria-describedby=\"[^\"]*{errorId}\"[^>]*aria-invalid=\"true\"", html);
        Assert.Contains($"href=\"#{field}\"", html); // the summary at the top links to the field
        // What was typed is never sent back into the page.
        foreach (var typed in new[] { current, chosen, repeat }.Where(t => t.Length > 0))
            Assert.DoesNotContain($"value=\"{typed}\"", html);

        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        Assert.True(await LoggedInAsync(browser));
        Assert.True(await LoggedInAsync(await LoginAsync(app, email, Current)));
    }

    [Fact]
    public async Task The_password_page_needs_a_login_and_its_form_needs_the_antiforgery_token()
    {
        var anonymous = await app.Client(followRedirects: false).GetAsync("/f/account/password");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/login", anonymous.Headers.Location!.PathAndQuery);

        var (_, _, email, _) = await app.FacilitatorAsync();
        var browser = await LoginAsync(app, email, Current);
        var before = DatabaseDump.Take(app.DatabasePath);
        var forged = await browser.PostAsync("/f/account/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["CurrentPassword"] = Current, ["NewPassword"] = Chosen, ["RepeatPassword"] = Chosen,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task Changing_the_password_counts_against_the_login_limit_so_the_current_password_cannot_be_guessed_there()
    {
        using var low = new LowLimitsApp(); // login: 2 per 5 minutes per address
        var (_, _, email, _) = await low.FacilitatorAsync();
        var store = low.Services.GetRequiredService<DelphiRounds.Accounts.FacilitatorStore>();
        var browser = await LoginAsync(low, email, Current); // the first of the two
        Assert.Equal(HttpStatusCode.BadRequest, (await ChangeAsync(browser, "guess one", Chosen, Chosen)).StatusCode);
        var refused = await ChangeAsync(browser, Current, Chosen, Chosen);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.Contains("Retry-After"));
        Assert.NotNull(await store.CheckPasswordAsync(email, Current)); // unchanged
    }
}

/// <summary><c>delphi facilitator password EMAIL</c> against the database of a running server.</summary>
public sealed class FacilitatorPasswordCommandTests : IAsyncLifetime
{
    private readonly DelphiApp _app = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "delphi-tests", "password-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(Path.Combine(_folder, "appsettings.json"), $$"""
            { "Storage": { "SqlitePath": "{{_app.DatabasePath}}", "KeysFolder": "{{Path.Combine(_app.DataFolder, "keys")}}" },
              "Accounts": { "CreateFirstFacilitator": false }, "Demo": { "SeedWhenEmpty": false },
              "Logging": { "LogLevel": { "Default": "Warning" } } }
            """);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    // The command reads the SQLite file the app writes (the PostgreSQL run has none).
    [Fact, Trait("Storage", "Sqlite")]
    public async Task An_operator_sets_a_new_password_that_is_shown_once_and_the_old_sessions_end()
    {
        var (_, _, email, _) = await _app.FacilitatorAsync();
        var session = await PasswordTests.LoginAsync(_app, email, "correct horse battery staple");

        var (code, output, error) = await DelphiCli.RunAsync(_folder, TimeSpan.FromMinutes(2), "facilitator", "password", email.ToUpperInvariant());
        Assert.True(code == 0, error + output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("New password set (shown only now; the facilitator's open sessions have ended):", lines[0]);
        Assert.Equal("e-mail:   " + email, lines[1]);
        var password = Assert.Single(lines, l => l.StartsWith("password: ", StringComparison.Ordinal))["password: ".Length..];
        Assert.True(password.Length >= 20, password);

        Assert.Equal(HttpStatusCode.Redirect, (await session.GetAsync("/f")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await PasswordTests.LoginAsync(_app, email, password)).GetAsync("/f")).StatusCode);
        Assert.DoesNotContain(password, DatabaseDump.Take(_app.DatabasePath));
    }

    [Fact, Trait("Storage", "Sqlite")]
    public async Task An_unknown_address_or_bad_arguments_are_refused_and_change_nothing()
    {
        await _app.FacilitatorAsync();
        var before = DatabaseDump.Take(_app.DatabasePath);
        var unknown = await DelphiCli.RunAsync(_folder, TimeSpan.FromMinutes(2), "facilitator", "password", "nobody@example.org");
        Assert.Equal(1, unknown.Code);
        Assert.Equal("email: there is no facilitator with e-mail nobody@example.org", unknown.Err.Trim());
        Assert.Equal("", unknown.Out);
        var bad = await DelphiCli.RunAsync(_folder, TimeSpan.FromMinutes(2), "facilitator", "password");
        Assert.Equal(2, bad.Code);
        Assert.StartsWith("usage: delphi facilitator add EMAIL", bad.Err);
        Assert.Contains("delphi facilitator password EMAIL", bad.Err);
        Assert.Equal(before, DatabaseDump.Take(_app.DatabasePath));
    }
}
