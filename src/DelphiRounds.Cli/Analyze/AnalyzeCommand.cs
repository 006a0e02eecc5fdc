using DelphiRounds.Consensus;

namespace DelphiRounds.Cli.Analyze;

/// <summary>
/// <c>delphi analyze FILE|-</c>: one analyze document in, one result document out. Kept thin on purpose:
/// every rule lives in <see cref="AnalysisJson"/>, <see cref="Analyzer"/> (consensus rules version 1) and
/// <see cref="AnalyzerV2"/> (version 2, the default unless <c>criteria.version</c> says 1), tested there.
/// </summary>
public static class AnalyzeCommand
{
    /// <summary>How to call it, for usage messages.</summary>
    public const string Usage = "usage: delphi analyze FILE   (FILE may be - for standard input)";

    /// <summary>
    /// Runs the command on the arguments after the word <c>analyze</c>. Exit code 0 with one JSON document
    /// on <paramref name="stdout"/>; 2 with one line on <paramref name="stderr"/> naming the field at fault
    /// (or the file) and nothing on <paramref name="stdout"/>.
    /// </summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        if (args.Length != 1)
        {
            stderr.WriteLine(Usage);
            return 2;
        }

        var path = args[0];
        string json;
        if (path != "-" && Directory.Exists(path))
        {
            stderr.WriteLine($"{path}: is a directory, not a file");
            return 2;
        }
        try
        {
            json = path == "-" ? stdin.ReadToEnd() : File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            stderr.WriteLine($"{path}: no such file");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{path}: cannot be read ({OneLine(e.Message)})");
            return 2;
        }

        string result;
        try
        {
            // The whole document is built before anything is written, so a refusal leaves stdout empty.
            result = AnalysisJson.Analyze(json, indented: true);
        }
        catch (AnalysisInputException e)
        {
            stderr.WriteLine(OneLine(e.Field.Length == 0 ? e.Problem : e.Message));
            return 2;
        }

        stdout.WriteLine(result);
        return 0;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
