using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace DelphiRounds.CrashTests;

/// <summary>
/// The real DelphiRounds server as its own process (<c>dotnet DelphiRounds.dll</c>) on a SQLite file in a
/// temporary folder, started with <c>DELPHI_SETTINGS</c> and <c>--urls</c>; it can be killed with SIGKILL
/// and started again on the same file.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private Process? _process;
    private readonly StringBuilder _log = new();

    public string Folder { get; }
    public string SettingsPath => Path.Combine(Folder, "appsettings.json");
    public string DatabasePath => Path.Combine(Folder, "delphi.db");
    public Uri Address { get; private set; } = new("http://127.0.0.1/");
    /// <summary>How many times the server was started.</summary>
    public int Starts { get; private set; }
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    internal ServerProcess(string folder) => Folder = folder;

    // Running servers by port, so a failed request can name what its server logged (Api.Expect, Unexpected).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, ServerProcess> Running = new();

    /// <summary>The log of the server that listens at <paramref name="address"/>'s port: its last lines, for a failure message.</summary>
    public static string LogTailFor(Uri? address, int lines = 80) =>
        address is not null && Running.TryGetValue(address.Port, out var server) ? server.LogTail(lines) : "(no server log for " + address + ")";

    /// <summary>The last <paramref name="lines"/> lines the server wrote (warnings and errors: its log level is Warning).</summary>
    public string LogTail(int lines = 80)
    {
        var all = Log.Split('\n');
        return $"--- server log, last {Math.Min(lines, all.Length)} of {all.Length} lines ---\n" + string.Join('\n', all.TakeLast(lines));
    }

    // Kept across restarts, so clients that reconnect by themselves find the server again.
    private int _port;

    /// <summary>A new installation: settings file, database migrated by <c>delphi facilitator add</c>, server running.</summary>
    public static async Task<(ServerProcess Server, string FacilitatorToken)> CreateAsync()
    {
        var server = new ServerProcess(Path.Combine(Path.GetTempPath(), "delphi-crash", Guid.NewGuid().ToString("N")));
        Directory.CreateDirectory(server.Folder);
        await File.WriteAllTextAsync(server.SettingsPath, JsonSerializer.Serialize(new
        {
            Storage = new { SqlitePath = "delphi.db", KeysFolder = "keys" },
            Accounts = new { CreateFirstFacilitator = false },
            Site = new { PublicBaseUrl = "" },
            RateLimits = new
            {
                Answers = new { PermitLimit = 1_000_000, WindowSeconds = 60 },
                Login = new { PermitLimit = 1_000_000, WindowSeconds = 60 },
                Signing = new { PermitLimit = 1_000_000, WindowSeconds = 60 },
            },
            Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Warning" } },
        }));
        var output = await server.CliAsync("facilitator", "add", "crash@example.org", "--token", "crash");
        var token = output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("API token", StringComparison.Ordinal)).Split(' ').Last();
        await server.StartAsync();
        return (server, token);
    }

    /// <summary>Starts the server on the installation's file and waits until it is ready.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("already running");
        var port = _port = _port != 0 ? _port : FreePort();
        Address = new Uri($"http://127.0.0.1:{port}/");
        var info = Dotnet(Paths.ServerDll, "--urls", $"http://127.0.0.1:{port}");
        _process = Process.Start(info)!;
        Capture(_process);
        Running[port] = this;
        Starts++;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) throw new InvalidOperationException($"the server exited with {_process.ExitCode}:\n{Log}");
            try
            {
                if ((await http.GetAsync(new Uri(Address, "/health/ready"))).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"the server did not get ready in 60 s:\n{Log}");
    }

    /// <summary>SIGKILL: no shutdown, no flush, no goodbye — as a power cut looks to the process.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } p) return;
        p.Kill(); // SIGKILL on Linux
        p.WaitForExit();
    }

    public async Task RestartAsync()
    {
        Kill();
        await StartAsync();
    }

    /// <summary>Runs <c>delphi …</c> (the built CLI) against this installation; returns its standard output.</summary>
    public async Task<string> CliAsync(params string[] args)
    {
        var info = Dotnet(Paths.CliDll, args);
        using var cli = Process.Start(info)!;
        var stdout = cli.StandardOutput.ReadToEndAsync();
        var stderr = cli.StandardError.ReadToEndAsync();
        await cli.WaitForExitAsync();
        if (cli.ExitCode != 0) throw new InvalidOperationException($"delphi {string.Join(' ', args)} exited with {cli.ExitCode}: {await stderr}{await stdout}");
        return await stdout;
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private ProcessStartInfo Dotnet(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DELPHI_SETTINGS"] = SettingsPath;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    private void Capture(Process p)
    {
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        Running.TryRemove(new KeyValuePair<int, ServerProcess>(_port, this));
        _process?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}

/// <summary>Where the built server and CLI are: beside this test's own build, in the same configuration.</summary>
public static class Paths
{
    public static string Root { get; } = FindRoot();
    public static string Configuration { get; } =
        typeof(Paths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
    public static string ServerDll => Built(Path.Combine(Root, "src", "DelphiRounds", "bin", Configuration, "net10.0", "DelphiRounds.dll"));
    public static string CliDll => Built(Path.Combine(Root, "src", "DelphiRounds.Cli", "bin", Configuration, "net10.0", "delphi.dll"));

    private static string Built(string path) => File.Exists(path) ? path
        : throw new FileNotFoundException($"{path} is missing: build the solution first (dotnet build DelphiRounds.sln -c {Configuration}).");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("DelphiRounds.sln not found above " + AppContext.BaseDirectory);
    }
}
