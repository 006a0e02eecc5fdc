using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using DelphiRounds.Security;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests.Trust;

/// <summary>Security headers on every kind of response; pages that need no inline script or style; request size limits.</summary>
public sealed partial class SecurityHeaderTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private const string Csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    [Fact]
    public async Task Every_kind_of_response_carries_the_security_headers()
    {
        var s = await Scenario.CreateAsync(app);
        var anonymous = app.Client(followRedirects: false);
        var responses = new Dictionary<string, HttpResponseMessage>
        {
            ["page"] = await anonymous.GetAsync("/login"),
            ["redirect"] = await anonymous.GetAsync("/f"),
            ["missing page"] = await anonymous.GetAsync("/nothing-here"),
            ["static file"] = await anonymous.GetAsync("/css/site.css"),
            ["api"] = await app.Client(s.Participants[0].Token).GetAsync($"/api/v1/rounds/{s.RoundId}/stats"),
            ["api refusal"] = await anonymous.GetAsync("/api/v1/studies"),
            ["bad json"] = await app.Client(s.Participants[0].Token).PostAsync($"/api/v1/rounds/{s.RoundId}/answers", new StringContent("{", Encoding.UTF8, "application/json")),
            ["health"] = await anonymous.GetAsync("/health/ready"),
        };
        foreach (var (what, r) in responses)
        {
            Assert.True(r.Headers.TryGetValues("Content-Security-Policy", out var csp) && csp.Single() == Csp, $"{what}: CSP");
            Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", r.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", r.Headers.GetValues("Referrer-Policy").Single());
        }
        Assert.Equal(SecurityHeadersMiddleware.ContentSecurityPolicy, Csp);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<[^>]+\sstyle\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyle();

    [GeneratedRegex(@"<[^>]+\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandler();

    [GeneratedRegex(@"<style[\s>]", RegexOptions.IgnoreCase)]
    private static partial Regex StyleElement();

    [Fact]
    public async Task No_page_needs_inline_script_or_style_so_the_policy_breaks_nothing()
    {
        var cast = await TrustCast.CreateAsync(app);
        var world = await cast.NewWorldAsync();
        var pages = TrustRoutes.All(app.Services).Where(r => r.IsPage && r.Method == "GET").ToList();
        var checkedPages = 0;
        foreach (var route in pages)
        {
            foreach (var role in new[] { Role.FacilitatorA, Role.ParticipantA, Role.Signatory, Role.Anonymous })
            {
                using var response = await world.Clients[role].Http.GetAsync(world.Url(route, world.Clients[role]));
                if (response.Content.Headers.ContentType?.MediaType != "text/html") continue;
                var html = await response.Content.ReadAsStringAsync();
                checkedPages++;
                Assert.False(InlineScript().IsMatch(html), $"{route.Key} as {role}: inline <script>");
                Assert.False(InlineStyle().IsMatch(html), $"{route.Key} as {role}: style attribute");
                Assert.False(StyleElement().IsMatch(html), $"{route.Key} as {role}: <style> element");
                Assert.False(EventHandler().IsMatch(html), $"{route.Key} as {role}: on…= event handler");
                Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
            }
        }
        Assert.True(checkedPages >= 10, $"only {checkedPages} pages checked");
    }

    [Fact]
    public async Task A_json_body_over_64_KB_is_refused_with_413_naming_body_whether_its_length_is_declared_or_not()
    {
        var s = await Scenario.CreateAsync(app);
        var json = "{\"itemId\":" + s.SevenPointItem + ",\"value\":3,\"rationale\":\"" + new string('a', 70_000) + "\"}";
        var before = DatabaseDump.Take(app.DatabasePath);
        foreach (var chunked in new[] { false, true })
        {
            HttpContent content = new StringContent(json, Encoding.UTF8, "application/json");
            if (chunked)
            {
                content = new StreamContent(new ChunkedStream(Encoding.UTF8.GetBytes(json)));
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            }
            var response = await app.Client(s.Participants[0].Token).PostAsync($"/api/v1/rounds/{s.RoundId}/answers", content);
            var problem = await Scenario.Expect(response, HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));
        }
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        // Just under the limit is read (and refused for its content: the rationale is too long).
        var under = "{\"itemId\":" + s.SevenPointItem + ",\"value\":3,\"rationale\":\"" + new string('a', 60_000) + "\"}";
        var ok = await app.Client(s.Participants[0].Token).PostAsync($"/api/v1/rounds/{s.RoundId}/answers", new StringContent(under, Encoding.UTF8, "application/json"));
        Assert.True((await Scenario.Expect(ok, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("rationale", out _));
    }

    [Fact]
    public async Task A_form_over_1_MB_is_refused_with_413_and_a_page_for_people()
    {
        var browser = app.Client(followRedirects: false);
        var page = await browser.GetStringAsync("/login");
        var before = DatabaseDump.Take(app.DatabasePath);
        var response = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = "x@example.org", ["Password"] = new string('p', 1_100_000), ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)!,
        }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Dit verzoek klopt niet", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task Facilitator_passwords_are_stored_only_as_PasswordHasher_hashes()
    {
        var (id, _, _, password) = await app.FacilitatorAsync();
        var dump = DatabaseDump.Take(app.DatabasePath);
        Assert.DoesNotContain(password, dump);
        var hash = Convert.FromBase64String(DatabaseDump.Text(app.DatabasePath, $"SELECT password_hash FROM facilitators WHERE id = {id}"));
        Assert.Equal(0x01, hash[0]); // ASP.NET Core Identity v3 format: PBKDF2 with a salt and an iteration count
    }

    private sealed class ChunkedStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
