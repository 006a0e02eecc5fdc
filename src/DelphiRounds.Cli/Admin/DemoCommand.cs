using DelphiRounds.Data;
using DelphiRounds.Demo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Cli.Admin;

/// <summary>
/// <c>delphi demo [--if-empty]</c>: seeds the demo study "Warmtevisie Rotterdam 2030" and prints how to
/// try it. With <c>--if-empty</c> (what scripts/run.sh uses) a database that already holds a study is
/// left alone and the access details saved when it was seeded are printed again.
/// </summary>
public static class DemoCommand
{
    public const string Usage = "delphi demo [--if-empty]";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var ifEmpty = args.Contains("--if-empty");
        using var host = await AdminHost.StartAsync();
        var seeder = host.Services.GetRequiredService<DemoSeeder>();
        var db = host.Services.GetRequiredService<Database>();
        var accessFile = Path.Combine(Path.GetDirectoryName(db.SqlitePath ?? Path.GetFullPath("data/delphi.db"))!, "demo-access.txt");

        if (!await seeder.IsEmptyAsync())
        {
            if (!ifEmpty)
            {
                stderr.WriteLine("database: it already holds a study; the demo is seeded only into an empty database (use a new Storage:SqlitePath)");
                return 2;
            }
            stdout.WriteLine(File.Exists(accessFile)
                ? File.ReadAllText(accessFile)
                : "The database already holds studies; log in with your facilitator account.");
            return 0;
        }
        if (ifEmpty && !host.Services.GetRequiredService<IOptions<DemoOptions>>().Value.SeedWhenEmpty)
        {
            stdout.WriteLine("Empty database; the demo is not seeded (Demo:SeedWhenEmpty is false).");
            return 0;
        }

        stdout.WriteLine("Seeding the demo study \"Warmtevisie Rotterdam 2030\"…");
        var access = await seeder.SeedAsync();
        var text = Describe(access);
        // Kept beside the database so run.sh can show it again; it holds demo credentials, so only the owner may read it.
        File.WriteAllText(accessFile, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(accessFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        stdout.WriteLine(text);
        return 0;
    }

    public static string Describe(DemoAccess access)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("Demo study \"Warmtevisie Rotterdam 2030\"");
        sb.AppendLine($"  Facilitator login:  {access.FacilitatorEmail} / {access.FacilitatorPassword ?? "(your existing password)"}");
        sb.AppendLine($"  API token (scripts): Authorization: Bearer {access.ApiToken}");
        sb.AppendLine("  Participant links (each one person; open them in separate browsers or private windows):");
        foreach (var (group, url) in access.ParticipantLinks) sb.AppendLine($"    {group,-40} {url}");
        if (access.VerificationUrl is not null) sb.AppendLine($"  Endorsed vision, public verification page: {access.VerificationUrl}");
        return sb.ToString();
    }
}
