using System.Diagnostics;

namespace DelphiRounds.Tests;

/// <summary>Runs the built <c>delphi</c> command in a folder whose <c>appsettings.json</c> it reads.</summary>
internal static class DelphiCli
{
    public static Task<(int Code, string Out, string Err)> RunAsync(string folder, TimeSpan timeout, params string[] args) =>
        RunAsync(folder, timeout, new Dictionary<string, string>(), args);

    public static async Task<(int Code, string Out, string Err)> RunAsync(string folder, TimeSpan timeout, IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "delphi.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DELPHI_SETTINGS"] = Path.Combine(folder, "appsettings.json");
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
