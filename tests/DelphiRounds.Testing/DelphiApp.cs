using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DelphiRounds.Accounts;
using DelphiRounds.Demo;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DelphiRounds.Testing;

/// <summary>
/// The real app on Kestrel (real sockets, real WebSockets) with its own fresh SQLite file. One per test
/// class (xunit class fixture), so classes never share data.
/// </summary>
public class DelphiApp : WebApplicationFactory<Program>
{
    public string DataFolder { get; }
    public string DatabasePath => Path.Combine(DataFolder, "delphi.db");
    /// <summary>Where the app writes e-mail (no SMTP server in tests): one <c>.eml</c> file per message.</summary>
    public string OutboxFolder => Path.Combine(DataFolder, "outbox");

    public DelphiApp() : this(Path.Combine(Path.GetTempPath(), "delphi-tests", Guid.NewGuid().ToString("N")), null)
    {
    }

    private DelphiApp(string dataFolder, string? postgres)
    {
        DataFolder = dataFolder;
        Directory.CreateDirectory(DataFolder);
        UseKestrel(0);
        if (postgres is not null || TestPostgres.AdminConnectionString is not null)
        {
            PostgresConnectionString = postgres ?? TestPostgres.CreateDatabase();
            TestPostgres.ByPath[DatabasePath] = PostgresConnectionString;
        }
    }

    private bool _keepData;

    /// <summary>
    /// A real restart: stops this server (its memory is gone) and starts a new one on the same database and data
    /// folder, which the new one deletes when it is disposed. Only for a plain <see cref="DelphiApp"/>.
    /// </summary>
    public DelphiApp Restart()
    {
        _keepData = true;
        Dispose();
        return new DelphiApp(DataFolder, PostgresConnectionString);
    }

    /// <summary>
    /// With <c>DELPHI_TEST_POSTGRES</c> set (scripts/test.sh's PostgreSQL run): this app's own fresh PostgreSQL
    /// database, used instead of the SQLite file; <see cref="DatabaseDump"/> then reads it for <see cref="DatabasePath"/>.
    /// </summary>
    public string? PostgresConnectionString { get; }

    /// <summary>Extra settings for a test class (override to change).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // The demo is not part of a server start; the tests that seed it get it composed here.
        builder.ConfigureServices(services => services.AddDemo());
        // Every API response is checked against the OpenAPI document when the test class ends (Dispose).
        builder.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(Recorder));
        builder.ConfigureAppConfiguration((_, config) =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["Storage:SqlitePath"] = DatabasePath,
                ["Storage:KeysFolder"] = Path.Combine(DataFolder, "keys"),
                ["Mail:PickupFolder"] = OutboxFolder,
                // No e-mail is sent in the background unless a test class asks for it (MailingApp), so a
                // sender writing tokens never races a test comparing database dumps.
                ["Mail:Enabled"] = "false",
                ["Accounts:CreateFirstFacilitator"] = "false",
                ["Live:PushIntervalMs"] = "25",
                ["Site:PublicBaseUrl"] = "",
                // Limits high enough never to throttle a test; RateLimitTests sets its own low ones.
                ["RateLimits:Answers:PermitLimit"] = "1000000",
                ["RateLimits:Login:PermitLimit"] = "1000000",
                ["RateLimits:Signing:PermitLimit"] = "1000000",
                ["RateLimits:TokenLookups:PermitLimit"] = "1000000",
                // A report is waited for as one request, as a person would see it from a small study; a test that
                // follows the progress of a slow one sets 0 (ReportGate holds the build at each step).
                ["Reports:ShowProgressAfterMs"] = "60000",
                ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("DELPHI_TEST_LOG") ?? "Warning",
            };
            if (PostgresConnectionString is not null) settings["ConnectionStrings:Postgres"] = PostgresConnectionString;
            foreach (var (k, v) in Settings) settings[k] = v;
            config.AddInMemoryCollection(settings);
        });
    }

    private Uri? _address;

    /// <summary>The address Kestrel listens on (starts the server on first use).</summary>
    public Uri Address
    {
        get
        {
            if (_address is null)
            {
                StartServer();
                var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
                _address = new Uri(addresses.First().Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"));
            }
            return _address;
        }
    }

    /// <summary>A plain client (no credentials) on the real server.</summary>
    public HttpClient Client(string? bearer = null, bool followRedirects = true)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = followRedirects, UseCookies = true };
        var client = new HttpClient(handler) { BaseAddress = Address };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    /// <summary>A SignalR client on <c>/hubs/live</c> (WebSockets) authenticated with a bearer token.</summary>
    public HubConnection Hub(string? token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Address, "/hubs/live"), o =>
            {
                if (token is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            })
            .Build();

    /// <summary>A facilitator account with an API token.</summary>
    public async Task<(long Id, string Token, string Email, string Password)> FacilitatorAsync(string? email = null)
    {
        var store = Services.GetRequiredService<FacilitatorStore>();
        email ??= $"f{Guid.NewGuid():N}@example.org";
        var created = await store.CreateAsync(email, "Test facilitator", "correct horse battery staple");
        var token = await store.CreateApiTokenAsync(created.Account.Id, "tests");
        return (created.Account.Id, token, email, created.Password);
    }

    /// <summary>The API responses this app gave (<see cref="ResponseRecorder"/>).</summary>
    public ResponseRecorder Recorder { get; } = new();

    private static OpenApiContract? _contract;
    private bool _contractChecked;
    private static readonly SemaphoreSlim ContractLock = new(1, 1);

    /// <summary>The app's OpenAPI document as a contract (read once per test run: every app serves the same one).</summary>
    public async Task<OpenApiContract> ContractAsync()
    {
        await ContractLock.WaitAsync();
        try
        {
            if (_contract is null)
            {
                using var client = Client();
                using var response = await client.GetAsync("/openapi/v1.json");
                response.EnsureSuccessStatusCode();
                _contract = new OpenApiContract(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
            }
            return _contract;
        }
        finally
        {
            ContractLock.Release();
        }
    }

    /// <summary>Each recorded response of a documented operation that breaks the OpenAPI document, described.</summary>
    public async Task<IReadOnlyList<string>> ContractViolationsAsync()
    {
        var recorded = Recorder.Responses.ToArray();
        if (recorded.Length == 0) return [];
        var contract = await ContractAsync();
        var violations = new List<string>();
        var checkedCount = 0;
        foreach (var r in recorded)
        {
            if (contract.Operation(r.Method, r.RoutePattern) is not { } op) continue;
            checkedCount++;
            foreach (var problem in contract.Check(op, r.Status, r.MediaType, r.Body))
                violations.Add($"{r.Method} {r.Path} → {r.Status}: {problem}");
        }
        if (Environment.GetEnvironmentVariable("DELPHI_CONTRACT_REPORT") is { Length: > 0 } report)
            lock (ContractLock) File.AppendAllText(report, $"{GetType().Name} {checkedCount} {violations.Count}\n");
        return violations;
    }

    // The SQLite connection string the app's Database uses (its pool is cleared at disposal: only this app's, as test
    // classes run side by side and ClearAllPools would pull pooled connections from under another class's app).
    private string? _sqliteConnectionString;

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        if (host.Services.GetService<DelphiRounds.Data.Database>() is { Provider: DelphiRounds.Data.DatabaseProvider.Sqlite } db)
            _sqliteConnectionString = db.ConnectionString;
        return host;
    }

    protected override void Dispose(bool disposing)
    {
        // The API responses of the test class against the OpenAPI document: a drift fails the class (its cleanup).
        IReadOnlyList<string> violations = [];
        // The factory's Dispose calls this again from within base.Dispose: check once.
        if (disposing && !_contractChecked && _address is not null && !Recorder.Responses.IsEmpty)
        {
            _contractChecked = true;
            violations = ContractViolationsAsync().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
        if (_sqliteConnectionString is not null)
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(new Microsoft.Data.Sqlite.SqliteConnection(_sqliteConnectionString));
        if (_keepData) return;
        if (PostgresConnectionString is not null)
        {
            TestPostgres.ByPath.TryRemove(DatabasePath, out _);
            TestPostgres.DropDatabase(PostgresConnectionString);
        }
        try { Directory.Delete(DataFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (violations.Count > 0)
            throw new Xunit.Sdk.XunitException($"{violations.Count} API response(s) of this test class break the OpenAPI document:\n"
                                               + string.Join("\n", violations.Distinct().Take(40)));
    }
}

/// <summary>The app with its outbox sender running: invitations and reminders are written to <see cref="DelphiApp.OutboxFolder"/>.</summary>
public class MailingApp : DelphiApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Mail:Enabled"] = "true" };
}

/// <summary>JSON helpers matching the API's camelCase.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, Web);
}
