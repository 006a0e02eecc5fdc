using DelphiRounds.Endorsement;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Cli.Admin;

/// <summary>
/// <c>delphi key rotate</c>: replaces the service key that signs ledger heads. The old key signs the new one into the
/// service's key list (published with every ledger as <c>keys</c>), so heads signed with the old key stay verifiable
/// and a head signed with any key outside the list is refused. A running server signs new heads with the new key
/// from then on (it reads the key file again when it changes). <c>delphi key list</c>: the keys, oldest first.
/// </summary>
public static class KeyCommand
{
    public const string Usage = "delphi key rotate | delphi key list";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args is not (["rotate"] or ["list"]))
        {
            stderr.WriteLine("usage: " + Usage);
            return 2;
        }
        using var host = await AdminHost.StartAsync();
        var service = host.Services.GetRequiredService<EndorsementService>();
        var keys = await service.KeysAsync();
        if (args[0] == "list")
        {
            foreach (var k in keys)
                stdout.WriteLine($"{k.Position} {k.Fingerprint} {k.IntroducedAt}{(k.PreviousFingerprint is null ? " (first key)" : $" (signed by {k.PreviousFingerprint})")}");
            return 0;
        }
        var key = host.Services.GetRequiredService<LedgerSigningKey>();
        var current = keys[^1];
        if (current.Fingerprint != key.Fingerprint)
        {
            stderr.WriteLine($"key: {key.Path} holds key {key.Fingerprint}, but the service's last published key is {current.Fingerprint}; put that key back before rotating");
            return 1;
        }
        var (next, install) = key.PrepareRotation(current, host.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        if (!await host.Services.GetRequiredService<ServiceKeyStore>().AppendAsync(next))
        {
            stderr.WriteLine("key: another rotation happened at the same time; run delphi key list and try again");
            return 1;
        }
        install();
        stdout.WriteLine($"key rotated: {current.Fingerprint} -> {next.Fingerprint}");
        stdout.WriteLine($"the old key signed the new one; the old key file is kept as {Path.GetFileNameWithoutExtension(key.Path)}.retired-{current.Fingerprint[..16]}.pem");
        return 0;
    }
}
