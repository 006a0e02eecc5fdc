namespace DelphiRounds.Hosting;

/// <summary>
/// Reads the installation's <c>appsettings.json</c> (made from <c>appsettings.template.json</c> by
/// <c>scripts/run.sh</c>): from <c>DELPHI_SETTINGS</c> when set, else the one beside <c>DelphiRounds.sln</c>.
/// Relative paths in it (the database file, the outbox folder) are relative to the file's folder.
/// </summary>
public static class Settings
{
    public const string FileVariable = "DELPHI_SETTINGS";
    public const string FolderKey = "Delphi:SettingsFolder";

    public static void AddDelphiSettings(this IConfigurationManager configuration, string contentRoot)
    {
        var file = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrWhiteSpace(file))
        {
            for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln")))
                {
                    file = Path.Combine(dir.FullName, "appsettings.json");
                    break;
                }
            }
        }
        if (string.IsNullOrWhiteSpace(file)) return;
        file = Path.GetFullPath(file);
        configuration[FolderKey] = Path.GetDirectoryName(file);
        if (File.Exists(file)) configuration.AddJsonFile(file, optional: true, reloadOnChange: false);
        // Environment variables (DELPHI_… and the usual ASPNETCORE_/DOTNET_ ones) override the file.
        configuration.AddEnvironmentVariables();
    }

    /// <summary>Resolves a path from the settings against the settings file's folder.</summary>
    public static string ResolvePath(IConfiguration configuration, string path) =>
        Path.IsPathRooted(path) ? path
        : Path.GetFullPath(Path.Combine(configuration[FolderKey] ?? Directory.GetCurrentDirectory(), path));
}
