using System.Diagnostics;
using DelphiRounds.Endorsement;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Tests;

/// <summary>The contract from outside: <c>scripts/delphi verify FILE</c> as a process, its output line and exit codes.</summary>
public sealed class EndorsementCliProcessTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "delphi-verify-cli", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Scripts_delphi_verify_exits_0_on_a_sound_ledger_1_on_a_tampered_one_and_2_on_an_unreadable_file()
    {
        Directory.CreateDirectory(_folder);
        using var key = new LedgerSigningKey(Options.Create(new EndorsementOptions { SigningKeyPath = Path.Combine(_folder, "key.pem") }),
            NullLogger<LedgerSigningKey>.Instance);
        var sound = Path.Combine(_folder, "ledger.json");
        File.WriteAllText(sound, EndorsementLedgerVerifierTests.Ledger(key).ToJsonString());
        var tampered = EndorsementLedgerVerifierTests.Ledger(key);
        tampered["entries"]![3]!["organisation"] = "Iemand anders";
        var broken = Path.Combine(_folder, "tampered.json");
        File.WriteAllText(broken, tampered.ToJsonString());
        var unreadable = Path.Combine(_folder, "garbage.json");
        File.WriteAllText(unreadable, "\u0001 not json");

        var ok = await RunAsync(sound);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Equal($"ledger verifies: 5 entries, head signed by {key.Fingerprint}", ok.Out.Trim());
        var bad = await RunAsync(broken);
        Assert.Equal(1, bad.Code);
        Assert.Equal("entry 4 (sequence 4): hash does not match the entry's contents", bad.Out.Trim());
        var garbage = await RunAsync(unreadable);
        Assert.Equal(2, garbage.Code);
        Assert.Contains("not JSON", garbage.Err);
    }

    internal static async Task<(int Code, string Out, string Err)> RunAsync(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var start = new ProcessStartInfo("bash", [Path.Combine(dir!.FullName, "scripts", "delphi"), "verify", file])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // The first call may build the CLI (scripts/delphi builds it when sources changed).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
