using System.Net;
using System.Text;
using DelphiRounds.Testing;
using DelphiRounds.Tests.Trust;

namespace DelphiRounds.Tests.Hardening;

/// <summary>Issue 17, items 6 and 11: an oversized form gets 413 like JSON does, and logging out needs the antiforgery token.</summary>
public sealed class RequestHardeningTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    private static HttpContent Login(string antiforgery, int passwordLength) => new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["Email"] = "x@example.org", ["Password"] = new string('p', passwordLength), ["__RequestVerificationToken"] = antiforgery,
    });

    [Fact]
    public async Task A_chunked_form_post_over_8_MB_to_login_gets_413_and_the_page_for_people()
    {
        var browser = app.Client(followRedirects: false);
        var page = await browser.GetStringAsync("/login");
        var before = DatabaseDump.Take(app.DatabasePath);
        var bytes = await Login(TrustCast.Antiforgery(page)!, 8 * 1024 * 1024 + 4096).ReadAsByteArrayAsync();
        var content = new StreamContent(new UnseekableStream(bytes));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");

        var response = await browser.PostAsync("/login", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Dit verzoek klopt niet", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        // Under the limit, chunked, the form is read as usual: a wrong password, not a broken form.
        var small = await Login(TrustCast.Antiforgery(await browser.GetStringAsync("/login"))!, 20).ReadAsByteArrayAsync();
        var ok = new StreamContent(new UnseekableStream(small));
        ok.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        var wrong = await browser.PostAsync("/login", ok);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.DoesNotContain("Dit verzoek klopt niet", await wrong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_declared_form_length_over_8_MB_is_answered_413_before_the_body_is_sent()
    {
        // A client that asks first (Expect: 100-continue, as curl does for large bodies) learns the answer without sending 8 MB.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(app.Address.Host, app.Address.Port);
        var stream = tcp.GetStream();
        var head = $"POST /login HTTP/1.1\r\nHost: {app.Address.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
                   $"Content-Length: {9 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("HTTP/1.1 413 Payload Too Large", status);
    }

    [Fact]
    public async Task Logout_without_the_antiforgery_token_is_refused_and_the_session_goes_on()
    {
        var (_, _, email, password) = await app.FacilitatorAsync();
        var browser = await PasswordTests.LoginAsync(app, email, password);

        var bare = await browser.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        var forged = await browser.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = "forged" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/f")).StatusCode);

        var page = await browser.GetStringAsync("/f");
        var logout = await browser.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = TrustCast.Antiforgery(page)! }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/f")).StatusCode);
    }

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
