using System.Diagnostics;
using DelphiRounds.Data;
using DelphiRounds.Demo;
using DelphiRounds.Kernel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Cli.Admin;

/// <summary>
/// <c>delphi demo [--if-empty] [--rounds N]</c>: seeds the demo study "Warmtevisie Rotterdam 2030" (round 1
/// open) and, beside it, the same study run to the end: round 0 (ideas) and N numbered rounds (default 3),
/// simulated through the real services, all closed — and prints how to try it. With <c>--if-empty</c>
/// (what scripts/run.sh uses) a database that already holds a study is left alone and the access details
/// saved when it was seeded are printed again. With <c>--rounds N</c> on a database that already holds
/// studies, only a finished study of N rounds is added.
/// </summary>
public static class DemoCommand
{
    public const string Usage = "delphi demo [--if-empty] [--rounds N]";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var ifEmpty = args.Contains("--if-empty");
        var roundsGiven = args.Contains("--rounds");
        var rounds = ProcessDemo.DefaultRounds;
        if (roundsGiven && !(int.TryParse(FacilitatorCommand.Option(args, "--rounds"), out rounds) && rounds is >= 1 and <= 10))
        {
            stderr.WriteLine("rounds: give the number of rounds to simulate, from 1 to 10 (e.g. --rounds 3)");
            return 2;
        }
        var unknown = args.Where((a, i) => a != "--if-empty" && a != "--rounds" && !(i > 0 && args[i - 1] == "--rounds")).FirstOrDefault();
        if (unknown is not null)
        {
            stderr.WriteLine($"demo: unknown argument '{unknown}'; usage: {Usage}");
            return 2;
        }

        using var host = await AdminHost.StartAsync();
        var seeder = host.Services.GetRequiredService<DemoSeeder>();
        var db = host.Services.GetRequiredService<Database>();
        var baseUrl = host.Services.GetRequiredService<SiteUrls>().BaseUrl();
        var accessFile = Path.Combine(Path.GetDirectoryName(db.SqlitePath ?? Path.GetFullPath("data/delphi.db"))!, "demo-access.txt");
        var clock = Stopwatch.StartNew();
        void Progress(string line) => stdout.WriteLine($"{line}  [{clock.Elapsed.TotalSeconds:0}s]");

        if (!await seeder.IsEmptyAsync())
        {
            if (ifEmpty)
            {
                stdout.WriteLine(File.Exists(accessFile)
                    ? File.ReadAllText(accessFile).Replace(BaseUrlMarker, baseUrl)
                    : "The database already holds studies; log in with your facilitator account.");
                return 0;
            }
            if (!roundsGiven)
            {
                stderr.WriteLine("database: it already holds a study; the demo is seeded only into an empty database (use a new Storage:SqlitePath), or add a finished study with --rounds N");
                return 2;
            }
            stdout.WriteLine($"Simulating a finished study of {rounds} rounds (round 0 and {rounds} numbered rounds)…");
            var (account, password, finished) = await seeder.SeedFinishedAsync(rounds, Progress);
            stdout.WriteLine(DescribeFinished(finished, rounds, baseUrl));
            if (password is not null) stdout.WriteLine($"  Facilitator login:  {account.Email} / {password}");
            return 0;
        }
        if (ifEmpty && !host.Services.GetRequiredService<IOptions<DemoOptions>>().Value.SeedWhenEmpty)
        {
            stdout.WriteLine("Empty database; the demo is not seeded (Demo:SeedWhenEmpty is false).");
            return 0;
        }

        stdout.WriteLine("Seeding the demo study \"Warmtevisie Rotterdam 2030\"…");
        stdout.WriteLine($"Simulating the same study run to the end: round 0 and {rounds} numbered rounds (this takes a little while)…");
        var access = await seeder.SeedAsync(rounds, Progress);
        var text = Describe(access, baseUrl);
        // Kept beside the database so run.sh can show it again; it holds demo credentials, so only the owner may read it.
        // The links are kept without their base URL, so a later start on another address prints links to that one.
        File.WriteAllText(accessFile, text.Replace(baseUrl, BaseUrlMarker));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(accessFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        stdout.WriteLine(text);
        return 0;
    }

    private const string BaseUrlMarker = "{base-url}";

    public static string Describe(DemoAccess access, string baseUrl)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("Demo study \"Warmtevisie Rotterdam 2030\"");
        sb.AppendLine($"  Facilitator login:  {access.FacilitatorEmail} / {access.FacilitatorPassword ?? "(your existing password)"}");
        sb.AppendLine($"  API token (scripts): Authorization: Bearer {access.ApiToken}");
        sb.AppendLine("  Participant links (each one person; open them in separate browsers or private windows):");
        foreach (var (group, url) in access.ParticipantLinks) sb.AppendLine($"    {group,-40} {url}");
        if (access.VerificationUrl is not null) sb.AppendLine($"  Endorsed vision, public verification page: {access.VerificationUrl}");
        if (access.AgendaUrl is not null) sb.AppendLine($"  After signing, public agenda page:         {access.AgendaUrl}");
        if (access.Finished is { } finished) sb.Append(DescribeFinished(finished, finished.RoundIds.Count, baseUrl));
        return sb.ToString();
    }

    private static string DescribeFinished(ProcessDemoResult finished, int rounds, string baseUrl)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"Finished study \"{ProcessScenario.Title}\" (round 0 and {rounds} rounds, all closed)");
        sb.AppendLine($"  Convergence:        {baseUrl}/f/studies/{finished.StudyId}/convergence");
        sb.AppendLine($"  Report and exports: {baseUrl}/f/studies/{finished.StudyId}/report");
        sb.AppendLine($"  E-mail sent:        {finished.Invitations} invitations and {finished.Reminders} reminders (Mail:PickupFolder)");
        return sb.ToString();
    }
}
