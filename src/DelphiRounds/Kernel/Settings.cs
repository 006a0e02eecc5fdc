namespace DelphiRounds.Kernel;

/// <summary>
/// Reads the installation's <c>appsettings.json</c> (made from <c>appsettings.template.json</c> by
/// <c>scripts/run.sh</c>): from <c>DELPHI_SETTINGS</c> when set, else the one beside <c>DelphiRounds.sln</c>.
/// Relative paths in it (the database file, the outbox folder) are relative to the file's folder.
/// </summary>
public static class Settings
{
    public const string FileVariable = "DELPHI_SETTINGS";
    public const string FolderKey = "Delphi:SettingsFolder";

    /// <summary>
    /// The settings file: <c>DELPHI_SETTINGS</c> when set, else <c>appsettings.json</c> beside the
    /// <c>DelphiRounds.sln</c> above <paramref name="contentRoot"/>; null when neither applies.
    /// </summary>
    public static string? Locate(string contentRoot)
    {
        var file = Environment.GetEnvironmentVariable(FileVariable);
        if (!string.IsNullOrWhiteSpace(file)) return Path.GetFullPath(file);
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln")))
                return Path.Combine(dir.FullName, "appsettings.json");
        return null;
    }

    /// <summary>
    /// Adds the settings file and the environment. A file named by <c>DELPHI_SETTINGS</c> that does not exist,
    /// or one that is not JSON (with comments), is a <see cref="SettingsFileException"/> naming it — never
    /// silently the defaults.
    /// </summary>
    public static void AddDelphiSettings(this IConfigurationManager configuration, string contentRoot)
    {
        var file = Locate(contentRoot);
        if (file is not null)
        {
            configuration[FolderKey] = Path.GetDirectoryName(file);
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(FileVariable)) && !File.Exists(file))
                throw new SettingsFileException($"Settings file {file} ({FileVariable}) does not exist.");
            if (File.Exists(file))
            {
                try { configuration.AddJsonFile(file, optional: true, reloadOnChange: false); }
                catch (InvalidDataException e) { throw NotJson(file, e); }
                catch (UnauthorizedAccessException)
                {
                    throw new SettingsFileException($"Settings file {file} cannot be read by this user.");
                }
            }
        }
        // Environment variables (DELPHI_… and the usual ASPNETCORE_/DOTNET_ ones) override the file.
        configuration.AddEnvironmentVariables();
    }

    /// <summary>
    /// For the admin commands: the settings file must exist, or they would work on a new, empty database of
    /// their own instead of the server's.
    /// </summary>
    public static void RequireFile(string contentRoot)
    {
        var file = Locate(contentRoot);
        var named = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(FileVariable));
        if (named && file is not null && !File.Exists(file))
            throw new SettingsFileException($"Settings file {file} ({FileVariable}) does not exist.");
        if (file is null || !File.Exists(file))
            throw new SettingsFileException(
                $"no settings file{(file is null ? "" : " (" + file + ")")}: set {FileVariable} to the server's appsettings.json, " +
                "e.g. DELPHI_SETTINGS=/etc/delphirounds/appsettings.json (in the repository scripts/run.sh makes one from the template).");
    }

    /// <summary>A settings file the JSON reader refused, with where it stopped (the innermost reason names line and position).</summary>
    public static SettingsFileException NotJson(string file, Exception e)
    {
        var reason = e;
        while (reason.InnerException is not null) reason = reason.InnerException;
        return new SettingsFileException($"Settings file {file} is not valid JSON: {reason.Message}");
    }

    /// <summary>Resolves a path from the settings against the settings file's folder.</summary>
    public static string ResolvePath(IConfiguration configuration, string path) =>
        Path.IsPathRooted(path) ? path
        : Path.GetFullPath(Path.Combine(configuration[FolderKey] ?? Directory.GetCurrentDirectory(), path));
}

/// <summary>The settings file is missing, unreadable or not JSON: the server (exit code 1) and the commands stop with this one line.</summary>
public sealed class SettingsFileException(string message) : Exception(message);
