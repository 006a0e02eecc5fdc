using System.Diagnostics;
using System.Text.Json;
using DelphiRounds.Agenda;
using DelphiRounds.Exports;
using DelphiRounds.Studies;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Cli.Admin;

/// <summary>
/// <c>delphi export STUDY-ID [--out FOLDER]</c>: every data file of a study (answers, aggregates, arguments,
/// changelog as CSV and JSON, and export.json), the same bytes as the report &amp; exports page serves,
/// written to a folder. Pseudonymous, like the downloads. Prints a line per file as it goes.
/// </summary>
public static class ExportCommand
{
    public const string Usage = "delphi export STUDY-ID [--out FOLDER]";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length is not (1 or 3) || !long.TryParse(args[0], out var studyId) || studyId < 1
            || (args.Length == 3 && (args[1] != "--out" || args[2].Length == 0)))
        {
            stderr.WriteLine("usage: " + Usage);
            return 2;
        }
        var folder = Path.GetFullPath(args.Length == 3 ? args[2] : $"study-{studyId}-export");
        using var host = await AdminHost.StartAsync(services => services.AddReports().AddExports().AddAgenda());
        var services = host.Services;
        if (await services.GetRequiredService<StudyStore>().FindAsync(studyId) is not { } study)
        {
            stderr.WriteLine($"export: there is no study {studyId}");
            return 1;
        }
        var clock = Stopwatch.StartNew();
        var total = DataFiles.Names.Length + 1;
        stdout.WriteLine($"Exporting study {studyId} \"{study.Title}\" to {folder} ({total} files, pseudonymous)");
        Directory.CreateDirectory(folder);
        stdout.WriteLine($"  Reading answers, aggregates and arguments…  [{clock.Elapsed.TotalSeconds:0.0}s]");
        var record = await services.GetRequiredService<StudyRecords>().LoadAsync(studyId);
        var done = 0;
        foreach (var name in DataFiles.Names)
        {
            var file = DataFiles.Build(record, name)!;
            await File.WriteAllBytesAsync(Path.Combine(folder, file.Name), file.Content);
            Progress(file.Name, file.Content.Length);
        }
        var json = await services.GetRequiredService<StudyExport>().BuildAsync(studyId);
        var exportName = $"study-{studyId}-export.json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(json);
        await File.WriteAllBytesAsync(Path.Combine(folder, exportName), bytes);
        Progress(exportName, bytes.Length);
        stdout.WriteLine($"Export written: {folder}");
        return 0;

        void Progress(string name, int length) =>
            stdout.WriteLine($"  [{++done}/{total}] {name} ({length:N0} bytes)  [{clock.Elapsed.TotalSeconds:0.0}s]");
    }
}
