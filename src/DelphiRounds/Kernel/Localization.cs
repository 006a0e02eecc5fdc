using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;

namespace DelphiRounds.Kernel;

/// <summary>Marker type for the shared text resources (<c>Resources/nl.json</c>, <c>Resources/en.json</c>).</summary>
public sealed class Texts;

/// <summary>
/// All user-facing text comes from <c>Resources/{culture}.json</c> (embedded): Dutch is the default and
/// the fallback, English is complete (a test checks both files have the same keys).
/// </summary>
public sealed class JsonStringLocalizerFactory : IStringLocalizerFactory
{
    public static readonly string[] Cultures = ["nl", "en"];
    public const string DefaultCulture = "nl";

    private static readonly FrozenDictionary<string, FrozenDictionary<string, string>> Resources = Load();

    /// <summary>The keys and texts of one culture (for the completeness test).</summary>
    public static IReadOnlyDictionary<string, string> Table(string culture) => Resources[culture];

    private static FrozenDictionary<string, FrozenDictionary<string, string>> Load()
    {
        // Resources/{culture}.json plus one file per feature, Resources/{feature}.{culture}.json.
        var assembly = Assembly.GetExecutingAssembly();
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith("DelphiRounds.Resources.", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)).ToList();
        var result = new Dictionary<string, FrozenDictionary<string, string>>();
        foreach (var culture in Cultures)
        {
            var table = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in names.Where(n => n.EndsWith($".{culture}.json", StringComparison.Ordinal) || n == $"DelphiRounds.Resources.{culture}.json"))
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                foreach (var (key, text) in JsonSerializer.Deserialize<Dictionary<string, string>>(stream) ?? [])
                {
                    if (!table.TryAdd(key, text)) throw new InvalidOperationException($"Text key '{key}' is defined twice ({name}).");
                }
            }
            if (table.Count == 0) throw new InvalidOperationException($"No texts embedded for '{culture}'.");
            result[culture] = table.ToFrozenDictionary(StringComparer.Ordinal);
        }
        return result.ToFrozenDictionary();
    }

    public IStringLocalizer Create(Type resourceSource) => new JsonStringLocalizer();
    public IStringLocalizer Create(string baseName, string location) => new JsonStringLocalizer();

    private sealed class JsonStringLocalizer : IStringLocalizer
    {
        public LocalizedString this[string name] => Find(name, []);
        public LocalizedString this[string name, params object[] arguments] => Find(name, arguments);

        private static LocalizedString Find(string name, object[] arguments)
        {
            var culture = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName;
            if (!Resources.TryGetValue(culture, out var table)) table = Resources[DefaultCulture];
            var found = table.TryGetValue(name, out var text) || Resources[DefaultCulture].TryGetValue(name, out text);
            var value = found ? text! : name;
            if (arguments.Length > 0) value = string.Format(CultureInfo.CurrentCulture, value, arguments);
            return new LocalizedString(name, value, resourceNotFound: !found);
        }

        public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures)
        {
            var culture = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName;
            var table = Resources.GetValueOrDefault(culture) ?? Resources[DefaultCulture];
            return table.Select(kv => new LocalizedString(kv.Key, kv.Value));
        }
    }
}

/// <summary>Language choice: remembered in a cookie, else the browser's preference, else Dutch.</summary>
public static class LanguageSetup
{
    public static IServiceCollection AddLanguages(this IServiceCollection services)
    {
        services.AddSingleton<IStringLocalizerFactory, JsonStringLocalizerFactory>();
        services.AddSingleton(typeof(IStringLocalizer<>), typeof(StringLocalizer<>));
        services.Configure<RequestLocalizationOptions>(o =>
        {
            var cultures = JsonStringLocalizerFactory.Cultures.Select(c => new CultureInfo(c)).ToList();
            o.DefaultRequestCulture = new RequestCulture(JsonStringLocalizerFactory.DefaultCulture);
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            o.FallBackToParentCultures = true;
            o.FallBackToParentUICultures = true;
            o.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider(),
                new CookieRequestCultureProvider(),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
        return services;
    }

    /// <summary>
    /// Dates and numbers of a page follow the browser's own locale within the page's language: en-GB writes
    /// 6/12/2026 (day first), en-US 12/6/2026; without a regional preference, Dutch is nl-NL and English en-GB.
    /// The text stays in the page's language (nl or en). Runs after the request localization.
    /// </summary>
    public static IApplicationBuilder UseBrowserDateFormats(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api")) return next(context);
            var language = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName;
            var wanted = context.Request.GetTypedHeaders().AcceptLanguage
                .OrderByDescending(h => h.Quality ?? 1)
                .Select(h => h.Value.Value)
                .FirstOrDefault(v => v is not null && v.Contains('-') && v.StartsWith(language + "-", StringComparison.OrdinalIgnoreCase));
            CultureInfo format;
            try { format = CultureInfo.GetCultureInfo(wanted ?? (language == "en" ? "en-GB" : "nl-NL")); }
            catch (CultureNotFoundException) { format = CultureInfo.GetCultureInfo(language == "en" ? "en-GB" : "nl-NL"); }
            CultureInfo.CurrentCulture = format;
            return next(context);
        });

    /// <summary>True when the current request is in English.</summary>
    public static bool IsEnglish => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    /// <summary><c>GET /language/{culture}?returnUrl=…</c>: remembers the choice for a year and goes back.</summary>
    public static void MapLanguageSwitch(this IEndpointRouteBuilder app) =>
        app.MapGet("/language/{culture}", (string culture, string? returnUrl, HttpContext context) =>
        {
            if (!JsonStringLocalizerFactory.Cultures.Contains(culture)) culture = JsonStringLocalizerFactory.DefaultCulture;
            context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
            var target = returnUrl is not null && Uri.IsWellFormedUriString(returnUrl, UriKind.Relative) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//")
                ? returnUrl : "/";
            return Results.LocalRedirect(target);
        }).ExcludeFromDescription().AllowAnonymous();
}
