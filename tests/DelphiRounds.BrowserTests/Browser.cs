using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests;

/// <summary>
/// Debian's Chromium driven by Playwright. Nothing is downloaded: the browser is /usr/bin/chromium
/// (installed by scripts/test.sh with apt-get), or CHROMIUM_PATH when set.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Chromium { get; private set; } = null!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Chromium = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A fresh browser context: its own cookies, like a separate person on a separate device.</summary>
    public Task<IBrowserContext> NewPersonAsync(string locale = "nl-NL") =>
        Chromium.NewContextAsync(new BrowserNewContextOptions { Locale = locale, ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        Playwright.Dispose();
    }

    /// <summary>
    /// Where the tests' screenshots go: <c>TestResults/screenshots</c> in the repository, so a test run leaves
    /// the tracked files alone; with <c>DELPHI_SCREENSHOTS=update</c> (<c>scripts/test.sh --screenshots</c>)
    /// they replace the README's, in <c>docs/screenshots</c>.
    /// </summary>
    public static string ScreenshotPath(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DelphiRounds.sln"))) dir = dir.Parent;
        var update = Environment.GetEnvironmentVariable("DELPHI_SCREENSHOTS") == "update";
        var folder = update
            ? Path.Combine(dir?.FullName ?? Path.GetTempPath(), "docs", "screenshots")
            : Path.Combine(dir?.FullName ?? Path.GetTempPath(), "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
