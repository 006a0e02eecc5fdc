using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Dapper;
using DelphiRounds.Accounts;
using DelphiRounds.Data;
using DelphiRounds.Hosting;
using DelphiRounds.Kernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DelphiRounds.Load;

/// <summary>A participant of the benchmark's round.</summary>
public sealed record BenchParticipant(long Id, string Group, string Token);

/// <summary>
/// A DelphiRounds server in its own process (the Release build of src/DelphiRounds) with its own fresh
/// database, and a study set up for the benchmark: three stakeholder groups, rating items on 1–7, a live
/// round, N participants.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    private Process? _process;
    private IHost? _core;

    public required string ServerDll { get; init; }
    public required string Folder { get; init; }
    public required string Variant { get; init; }
    public string? Postgres { get; init; }

    /// <summary>
    /// Also listen for HTTP/2 with prior knowledge (h2c) on a second port, where WebSockets run over HTTP/2 (RFC 8441):
    /// many hub connections share one TCP connection, <see cref="Http2StreamsPerConnection"/> each.
    /// </summary>
    public bool Http2 { get; init; }

    /// <summary>Kestrel's limit of streams (here: hub connections) on one HTTP/2 connection.</summary>
    public const int Http2StreamsPerConnection = 200;

    /// <summary>The HTTP/2 endpoint's address when <see cref="Http2"/> is set.</summary>
    public Uri? Http2Address { get; private set; }

    public Uri Address { get; private set; } = null!;
    public int Pid => _process!.Id;
    public Database Db => _core!.Services.GetRequiredService<Database>();
    public long RoundId { get; private set; }
    public long StudyId { get; private set; }
    public IReadOnlyList<long> ItemIds { get; private set; } = [];
    public IReadOnlyList<BenchParticipant> Participants { get; private set; } = [];
    public HttpClient Http { get; private set; } = null!;

    public async Task StartAsync(int participants, int items)
    {
        Directory.CreateDirectory(Folder);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:SqlitePath"] = Path.Combine(Folder, "delphi.db"),
            ["Storage:KeysFolder"] = Path.Combine(Folder, "keys"),
            ["ConnectionStrings:Postgres"] = Postgres ?? "",
        };
        // The same core services as `delphi` uses: migrate, and a facilitator with an API token.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Folder });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddDelphiCore(builder.Configuration);
        _core = builder.Build();
        await _core.Services.GetRequiredService<Migrator>().MigrateAsync();
        var facilitators = _core.Services.GetRequiredService<FacilitatorStore>();
        var f = await facilitators.CreateAsync($"bench-{Guid.NewGuid():N}@example.org", "Bench");
        var token = await facilitators.CreateApiTokenAsync(f.Account.Id, "bench");

        var port = FreePort();
        Address = new Uri($"http://127.0.0.1:{port}/");
        // The coalesced variant is DelphiRounds as shipped; the naive baseline is the same server with NaivePusher
        // composed in, which only this project's own entry point ('serve') does.
        var dll = Variant == "naive" ? typeof(NaivePusher).Assembly.Location : ServerDll;
        string[] arguments = Variant == "naive"
            ? [dll, "serve", "--applicationName", "DelphiRounds", "--urls", Address.ToString().TrimEnd('/')]
            : [dll, "--urls", Address.ToString().TrimEnd('/')];
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Garbage collector settings given to the load generator (DOTNET_GC… variables) are not the server's: it runs with its own.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        // A settings file of its own (the server refuses to start without one): defaults + these variables.
        var settingsFile = Path.Combine(Folder, "appsettings.json");
        await File.WriteAllTextAsync(settingsFile, "{}\n");
        start.Environment["DELPHI_SETTINGS"] = settingsFile;
        start.Environment["Storage__SqlitePath"] = settings["Storage:SqlitePath"];
        start.Environment["Storage__KeysFolder"] = settings["Storage:KeysFolder"];
        start.Environment["ConnectionStrings__Postgres"] = Postgres ?? "";
        start.Environment["Accounts__CreateFirstFacilitator"] = "false";
        start.Environment["Live__Variant"] = Variant;
        // The followers are participants; latency is measured from the acceptance stamp, which only the benchmark gets.
        start.Environment["Live__TimestampsToParticipants"] = "true";
        start.Environment["Answers__Writer__GroupCommit"] = Variant == "naive" ? "false" : "true";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Error";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (Http2)
        {
            // Kestrel's endpoints from configuration replace --urls: HTTP/1.1 as always, and an h2c endpoint beside it.
            Http2Address = new Uri($"http://127.0.0.1:{FreePort()}/");
            start.Environment["Kestrel__Endpoints__Http1__Url"] = Address.ToString().TrimEnd('/');
            start.Environment["Kestrel__Endpoints__Http1__Protocols"] = "Http1";
            start.Environment["Kestrel__Endpoints__H2c__Url"] = Http2Address.ToString().TrimEnd('/');
            start.Environment["Kestrel__Endpoints__H2c__Protocols"] = "Http2";
            start.Environment["Kestrel__Limits__Http2__MaxStreamsPerConnection"] = Http2StreamsPerConnection.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        _process = Process.Start(start)!;
        var log = Path.Combine(Folder, "server.log");
        _pipes = [PipeAsync(_process.StandardOutput, log), PipeAsync(_process.StandardError, log + ".err")];

        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromMinutes(2),
        };
        for (var i = 0; ; i++)
        {
            try
            {
                if ((await Http.GetAsync("/health/ready")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            if (_process.HasExited || i > 600)
            {
                await Task.Delay(500); // what it wrote before it ended
                var said = string.Join(Environment.NewLine, File.Exists(log + ".err") ? File.ReadLines(log + ".err").TakeLast(20) : [])
                    + Environment.NewLine + string.Join(Environment.NewLine, File.Exists(log) ? File.ReadLines(log).TakeLast(5) : []);
                throw new InvalidOperationException($"the server did not start ({(_process.HasExited ? $"exited with {_process.ExitCode}" : "not ready in 60 s")}); it said:{Environment.NewLine}{said}");
            }
            await Task.Delay(100);
        }
        _facilitatorToken = token;
        await SetUpStudyAsync(token, participants, items);
    }

    private string _facilitatorToken = "";

    /// <summary>The study's facilitator's API token (a facilitator's screen follows the round with it).</summary>
    public string FacilitatorToken => _facilitatorToken;

    /// <summary>Closes the round as its facilitator: threshold release holds the last one or two changes of an item until then.</summary>
    public async Task CloseRoundAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/rounds/{RoundId}/close");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _facilitatorToken);
        using var response = await Http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"closing the round: {(int)response.StatusCode}");
    }

    private async Task SetUpStudyAsync(string token, int participants, int items)
    {
        async Task<JsonElement> Post(string url, object? body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {url}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        string[] groups = ["grid-operators", "housing", "residents"];
        var study = await Post("/api/v1/studies", new
        {
            title = "Benchmark", question = "Live at scale", organiser = "Bench", horizonYear = 2030,
            groups = new[]
            {
                new { name = "Netbeheerders", nameEn = "Grid operators", slug = groups[0] },
                new { name = "Woningcorporaties", nameEn = "Housing corporations", slug = groups[1] },
                new { name = "Bewoners", nameEn = "Residents", slug = groups[2] },
            },
        });
        StudyId = study.GetProperty("id").GetInt64();
        var itemIds = new List<long>();
        for (var i = 0; i < items; i++)
        {
            var item = await Post($"/api/v1/studies/{StudyId}/items", new
            {
                kind = "rating",
                text = new { nl = $"Stelling {i + 1}", en = $"Statement {i + 1}" },
                scale = new { min = 1, max = 7 },
            });
            itemIds.Add(item.GetProperty("id").GetInt64());
        }
        ItemIds = itemIds;
        RoundId = (await Post($"/api/v1/studies/{StudyId}/rounds", new { mode = "live" })).GetProperty("id").GetInt64();

        // The panel goes straight into the database in one transaction (thousands of invitations through the
        // API would take minutes and measure nothing of interest); tokens are stored as SHA-256 as usual.
        var groupIds = (await Db.ReadAsync(c => c.QueryAsync<(long Id, string Slug)>(
            "SELECT id, slug FROM stakeholder_groups WHERE study_id = @StudyId", new { StudyId }))).ToDictionary(g => g.Slug, g => g.Id);
        var list = new List<BenchParticipant>(participants);
        var now = DateTimeOffset.UtcNow;
        await Db.WriteAsync(async (c, tx) =>
        {
            for (var i = 0; i < participants; i++)
            {
                var group = groups[i % groups.Length];
                var t = Secrets.NewToken(Secrets.ParticipantTokenPrefix);
                var id = await c.ExecuteScalarAsync<long>(
                    """
                    INSERT INTO participants (study_id, group_id, pseudonym, token_hash, created_at)
                    VALUES (@StudyId, @groupId, @pseudonym, @hash, @now) RETURNING id
                    """, new { StudyId, groupId = groupIds[group], pseudonym = $"bench-{StudyId}-{i}", hash = Secrets.Hash(t), now }, tx);
                await c.ExecuteAsync("INSERT INTO participant_identities (participant_id) VALUES (@id)", new { id }, tx);
                list.Add(new BenchParticipant(id, group, t));
            }
        });
        Participants = list;
        await Post($"/api/v1/rounds/{RoundId}/open", null);
    }

    /// <summary>Posts an answer as a participant; returns the status code and the answer id (0 when refused).</summary>
    public async Task<(HttpStatusCode Status, long Id)> AnswerAsync(BenchParticipant p, long itemId, int value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/rounds/{RoundId}/answers")
        {
            Content = JsonContent.Create(new { itemId, value }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", p.Token);
        using var response = await Http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Created) return (response.StatusCode, 0);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return (response.StatusCode, doc.RootElement.GetProperty("id").GetInt64());
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private Task[] _pipes = [];

    private static async Task PipeAsync(StreamReader reader, string file)
    {
        // Written through at once: what a server said just before a run failed must be in the file when the run ends.
        await using var w = new StreamWriter(file, append: true) { AutoFlush = true };
        while (await reader.ReadLineAsync() is { } line) await w.WriteLineAsync(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // SIGTERM: the host shuts down cleanly.
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await _process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        // The rest of what it printed on its way out.
        await Task.WhenAny(Task.WhenAll(_pipes), Task.Delay(TimeSpan.FromSeconds(5)));
        _process?.Dispose();
        Http?.Dispose();
        _core?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
