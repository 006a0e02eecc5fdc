using DelphiRounds.Cli.Admin;
using DelphiRounds.Cli.Analyze;
using DelphiRounds.Cli.Verify;

const string Usage = """
    usage: delphi COMMAND [ARGS]

    commands:
      analyze FILE               statistics and consensus verdict of one item (FILE may be - for standard input)
      demo [--if-empty] [--rounds N]
                                 seed the demo study "Warmtevisie Rotterdam 2030" (round 1 open) and the same study
                                 run to the end (round 0 and N rounds, default 3), and print how to try it
      facilitator add EMAIL      create a facilitator account (password printed once) [--name NAME] [--token TOKEN-NAME]
      facilitator password EMAIL set a new random password for a facilitator who lost theirs (printed once; their
                                 open sessions end)
      verify FILE [--key FINGERPRINT]
                                 check an endorsement ledger, a receipt or an evidence bundle (.zip) offline: hash
                                 chain, passkey signatures, key list, signed head (FILE may be -); with --key (repeatable),
                                 the head must be signed by that service key or one it introduced
      key rotate                 replace the key that signs ledger heads: the old key signs the new one into the
                                 key list published with every ledger (old heads stay verifiable); key list shows them
      backup [--out FILE]        consistent online backup of the SQLite database while the server runs
      export STUDY-ID [--out FOLDER]
                                 write a study's data files (answers, aggregates, arguments, changelog as CSV and
                                 JSON, and export.json; pseudonymous) to a folder, a line per file
    """;

try
{
    return await RunAsync(args);
}
catch (DelphiRounds.Kernel.SettingsFileException e)
{
    // The admin commands work on the server's database: without its settings they would make a new, empty one.
    Console.Error.WriteLine("delphi: " + e.Message);
    return 1;
}

async Task<int> RunAsync(string[] args)
{
    switch (args)
    {
        case ["analyze", .. var rest]:
            return AnalyzeCommand.Run(rest, Console.In, Console.Out, Console.Error);
        case ["demo", .. var rest]:
            return await DemoCommand.RunAsync(rest, Console.Out, Console.Error);
        case ["verify", .. var rest]:
            return VerifyCommand.Run(rest, Console.In, Console.Out, Console.Error);
        case ["facilitator", .. var rest]:
            return await FacilitatorCommand.RunAsync(rest, Console.Out, Console.Error);
        case ["export", .. var rest]:
            return await ExportCommand.RunAsync(rest, Console.Out, Console.Error);
        case ["key", .. var rest]:
            return await KeyCommand.RunAsync(rest, Console.Out, Console.Error);
        case ["backup", .. var rest]:
            return BackupCommand.Run(rest, Console.Out, Console.Error);
        case ["help" or "--help" or "-h"]:
            Console.Out.WriteLine(Usage);
            return 0;
        case []:
            Console.Error.WriteLine(Usage);
            return 2;
        default:
            Console.Error.WriteLine($"delphi: unknown command '{args[0]}'");
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
