using DelphiRounds.Kernel;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Themes;

/// <summary>
/// The look of every page: a design-tokens stylesheet of the NL Design System, chosen in the settings.
/// The components (Utrecht CSS) stay the same; the tokens give colours, fonts and spacing. Bound from <c>Theme</c>.
/// </summary>
public sealed class ThemeOptions
{
    public const string Section = "Theme";

    /// <summary><c>neutral</c> (the NL Design System example tokens), <c>utrecht</c> (Gemeente Utrecht's tokens), or a name of your own with <see cref="Stylesheet"/>.</summary>
    public string Name { get; set; } = "neutral";

    /// <summary>Your own theme: the tokens stylesheet, a path under <c>wwwroot</c> (e.g. <c>/themes/mijngemeente.css</c>).</summary>
    public string? Stylesheet { get; set; }

    /// <summary>Your own theme: the class its tokens are scoped to (e.g. <c>mijngemeente-theme</c>).</summary>
    public string? ClassName { get; set; }
}

/// <summary>A theme as the layout uses it: the stylesheet to link and the class on <c>&lt;html&gt;</c>.</summary>
public sealed record Theme(string Name, string Stylesheet, string ClassName);

/// <summary>The themes that ship with DelphiRounds (bundled from npm at build time, no CDN).</summary>
public static class Themes
{
    public static readonly IReadOnlyDictionary<string, Theme> BuiltIn = new Dictionary<string, Theme>
    {
        ["neutral"] = new("neutral", "/lib/voorbeeld-tokens/theme.css", "voorbeeld-theme"),
        ["utrecht"] = new("utrecht", "/lib/utrecht-tokens/theme.css", "utrecht-theme"),
    };

    public static IServiceCollection AddThemes(this IServiceCollection services)
    {
        services.AddOptions<ThemeOptions>().BindConfiguration(ThemeOptions.Section);
        services.AddSingleton<IValidateOptions<ThemeOptions>>(sp => new SettingsValidator<ThemeOptions>(ThemeOptions.Section,
            o => Problems(o, sp.GetRequiredService<IWebHostEnvironment>())));
        services.AddOptions<ThemeOptions>().ValidateOnStart();
        services.AddSingleton(sp => Resolve(sp.GetRequiredService<IOptions<ThemeOptions>>().Value));
        return services;
    }

    public static Theme Resolve(ThemeOptions o) =>
        BuiltIn.TryGetValue(o.Name, out var theme) ? theme : new Theme(o.Name, o.Stylesheet!, o.ClassName!);

    private static IEnumerable<string> Problems(ThemeOptions o, IWebHostEnvironment environment)
    {
        if (BuiltIn.ContainsKey(o.Name)) yield break;
        if (string.IsNullOrWhiteSpace(o.Stylesheet))
        {
            yield return $"Name: '{o.Name}' is not a theme; use {string.Join(" or ", BuiltIn.Keys)}, or give your own with Theme:Stylesheet and Theme:ClassName";
            yield break;
        }
        var file = environment.WebRootFileProvider.GetFileInfo(o.Stylesheet.TrimStart('/'));
        if (!o.Stylesheet.StartsWith('/') || !file.Exists)
            yield return $"Stylesheet: '{o.Stylesheet}' is not a file under wwwroot (write it as /themes/NAME.css)";
        if (string.IsNullOrWhiteSpace(o.ClassName) || !o.ClassName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            yield return $"ClassName: '{o.ClassName}' must be the class the tokens are scoped to, e.g. mijngemeente-theme";
    }
}
