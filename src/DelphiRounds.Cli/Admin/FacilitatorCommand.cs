using DelphiRounds.Accounts;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Cli.Admin;

/// <summary>
/// <c>delphi facilitator add EMAIL [--name NAME] [--token NAME]</c>: a facilitator account, its password shown once.
/// <c>delphi facilitator password EMAIL</c>: a new random password for a facilitator who lost theirs, shown once;
/// the facilitator's open sessions end.
/// </summary>
public static class FacilitatorCommand
{
    public const string Usage = "delphi facilitator add EMAIL [--name \"Display name\"] [--token TOKEN-NAME]\n       delphi facilitator password EMAIL";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length < 2 || args[0] is not ("add" or "password") || !args[1].Contains('@'))
        {
            stderr.WriteLine("usage: " + Usage);
            return 2;
        }
        if (args[0] == "password") return await NewPasswordAsync(args[1], stdout, stderr);
        var email = args[1];
        var name = Option(args, "--name") ?? email.Split('@')[0];
        var tokenName = Option(args, "--token");

        using var host = await AdminHost.StartAsync();
        var store = host.Services.GetRequiredService<FacilitatorStore>();
        if (await store.FindByEmailAsync(email) is not null)
        {
            stderr.WriteLine($"email: a facilitator with e-mail {email} already exists");
            return 2;
        }
        var created = await store.CreateAsync(email, name);
        stdout.WriteLine($"Facilitator account created (the password is shown only now):");
        stdout.WriteLine($"  e-mail:   {created.Account.Email}");
        stdout.WriteLine($"  password: {created.Password}");
        if (tokenName is not null)
        {
            var token = await store.CreateApiTokenAsync(created.Account.Id, tokenName);
            stdout.WriteLine($"  API token ({tokenName}): {token}");
        }
        return 0;
    }

    private static async Task<int> NewPasswordAsync(string email, TextWriter stdout, TextWriter stderr)
    {
        using var host = await AdminHost.StartAsync();
        var store = host.Services.GetRequiredService<FacilitatorStore>();
        var account = await store.FindByEmailAsync(email);
        var changed = account is null ? null : await store.SetPasswordAsync(account);
        if (changed is null)
        {
            stderr.WriteLine($"email: there is no facilitator with e-mail {email}");
            return 1;
        }
        stdout.WriteLine("New password set (shown only now; the facilitator's open sessions have ended):");
        stdout.WriteLine($"  e-mail:   {changed.Account.Email}");
        stdout.WriteLine($"  password: {changed.Password}");
        return 0;
    }

    internal static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
