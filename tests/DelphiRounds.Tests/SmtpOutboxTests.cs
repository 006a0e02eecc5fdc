using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>The app with <c>Mail:SmtpHost</c> set, pointed at a small SMTP server run by the test.</summary>
public sealed class SmtpApp : DelphiApp
{
    public FakeSmtpServer Smtp { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Mail:Enabled"] = "true",
        ["Mail:SmtpHost"] = "127.0.0.1",
        ["Mail:SmtpPort"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mail:EnableSsl"] = "false",
        ["Mail:From"] = "Gemeente Rotterdam <delphi@example.nl>",
        ["Mail:PollSeconds"] = "1",
        ["Mail:MaxAttempts"] = "2",
    };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Smtp.Dispose();
    }
}

/// <summary>Issue 5: with an SMTP server configured, invitations go out over SMTP; a refused address is retried, then given up, and its links revoked.</summary>
public sealed class SmtpOutboxTests(SmtpApp app) : IClassFixture<SmtpApp>
{
    [Fact]
    public async Task Invitations_go_out_over_smtp_and_a_refused_address_fails_after_the_last_attempt_with_its_links_revoked()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        var refused = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/participants",
            new { group = "housing", name = "Wim Weiger", email = "reject@example.org", language = "en" }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);

        var counts = await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        Assert.Equal(9, counts.GetProperty("sent").GetInt32());
        Assert.Equal(1, counts.GetProperty("failed").GetInt32());
        Assert.Contains("reject", counts.GetProperty("lastError").GetString(), StringComparison.OrdinalIgnoreCase);

        var delivered = app.Smtp.Messages.Select(m => Mailbox.Parse(m.Data)).Where(m => m.StudyId == s.StudyId).ToList();
        Assert.Equal(9, delivered.Count);
        Assert.All(delivered, m => Assert.Equal("delphi@example.nl", app.Smtp.Messages.First(x => x.Data.Contains(m.Token)).From));
        Assert.DoesNotContain(app.Smtp.Messages, m => m.To.Contains("reject@example.org"));
        var one = delivered.Single(m => m.To == "housing.0@example.org");
        Assert.Equal(HttpStatusCode.Redirect, (await app.Client(followRedirects: false).GetAsync(new Uri(one.Link).PathAndQuery)).StatusCode);

        // Two attempts, each with its own link; both links are revoked because they reached no one.
        var id = refused.GetProperty("id").GetInt64();
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM participant_tokens WHERE participant_id = {id}"));
        Assert.Equal(0, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM participant_tokens WHERE participant_id = {id} AND revoked_at IS NULL"));
        Assert.Equal(2, DatabaseDump.Count(app.DatabasePath, $"SELECT attempts FROM outbox WHERE participant_id = {id}"));
    }

    [Fact]
    public async Task An_English_participant_gets_the_message_in_English()
    {
        var s = await Scenario.CreateAsync(app, open: false);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/participants",
            new { group = "residents", name = "Jane Doe", email = "jane@example.org", language = "en" }), HttpStatusCode.Created);
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{s.RoundId}/open", null), HttpStatusCode.OK);
        await Mailbox.WaitUntilSentAsync(s.Facilitator, s.StudyId);
        var mails = app.Smtp.Messages.Select(m => Mailbox.Parse(m.Data)).Where(m => m.StudyId == s.StudyId).ToList();
        var jane = mails.Single(m => m.To == "jane@example.org");
        Assert.Equal("Invitation to round 1: Warmtevisie test", jane.Subject);
        Assert.StartsWith("Dear Jane Doe,", jane.Text);
        Assert.Contains("lang=\"en\"", jane.Html);
        var dutch = mails.Single(m => m.To == "residents.0@example.org");
        Assert.Equal("Uitnodiging voor ronde 1: Warmtevisie test", dutch.Subject);
        Assert.StartsWith("Beste residents 0,", dutch.Text);
    }
}

/// <summary>
/// Just enough SMTP (RFC 5321) to receive what <c>System.Net.Mail</c> sends: no TLS, no authentication.
/// Refuses recipients whose address contains "reject" with 550, like a server that does not know them.
/// </summary>
public sealed class FakeSmtpServer : IDisposable
{
    public sealed record Received(string From, string To, string Data);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Received> _messages = new();

    public FakeSmtpServer()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public IReadOnlyList<Received> Messages => _messages.ToList();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 fake.smtp ESMTP");
        string from = "", to = "";
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ', ':')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-fake.smtp");
                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "MAIL":
                        from = Between(line);
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        if (line.Contains("reject", StringComparison.OrdinalIgnoreCase)) await writer.WriteLineAsync("550 5.1.1 reject: no such user");
                        else { to = Between(line); await writer.WriteLineAsync("250 OK"); }
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } d && d != ".")
                            data.Append(d.StartsWith("..", StringComparison.Ordinal) ? d[1..] : d).Append("\r\n");
                        _messages.Enqueue(new Received(from, to, data.ToString()));
                        await writer.WriteLineAsync("250 OK queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("250 OK");
                        break;
                }
            }
        }
        catch (IOException) { }
    }

    private static string Between(string line) => line[(line.IndexOf('<') + 1)..line.LastIndexOf('>')];

    private int _disposed;

    /// <summary>Stops listening; safe to call more than once (the app's factory disposes both ways).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
