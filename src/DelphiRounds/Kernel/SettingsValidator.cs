using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Kernel;

/// <summary>
/// Checks one settings section when the server starts: the data annotations of its options class (nested
/// objects too) and any further rules, each failure one line that names the setting as it is written in
/// <c>appsettings.json</c>: <c>Setting Storage:BusyTimeoutSeconds: must be between 1 and 600 (is 0).</c>
/// </summary>
public sealed class SettingsValidator<TOptions>(string section, Func<TOptions, IEnumerable<string>>? rules = null)
    : IValidateOptions<TOptions> where TOptions : class
{
    public const string Prefix = "Setting ";

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = new List<string>();
        Annotations(options, section, failures, depth: 0);
        if (rules is not null) failures.AddRange(rules(options).Select(f => $"{Prefix}{section}:{f}."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Annotations(object options, string path, List<string> failures, int depth)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            var value = property.GetValue(options);
            var key = $"{path}:{property.Name}";
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (attribute.IsValid(value)) continue;
                failures.Add($"{Prefix}{key}: {Explain(attribute, property.Name)} (is {Show(value)}).");
            }
            // Nested settings objects (RateLimits:Answers:PermitLimit…).
            if (depth < 3 && value is not null && property.PropertyType.IsClass && property.PropertyType != typeof(string)
                && !property.PropertyType.IsArray && property.PropertyType.Namespace?.StartsWith("DelphiRounds", StringComparison.Ordinal) == true)
                Annotations(value, key, failures, depth + 1);
        }
    }

    private static string Explain(ValidationAttribute attribute, string member) => attribute switch
    {
        RangeAttribute r when attribute.ErrorMessage is null => $"must be between {r.Minimum} and {r.Maximum}",
        RequiredAttribute when attribute.ErrorMessage is null => "must be set",
        _ => attribute.FormatErrorMessage(member),
    };

    private static string Show(object? value) => value switch
    {
        null => "empty",
        string s => $"'{s}'",
        string[] a => $"[{string.Join(", ", a)}]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>
/// Each feature binds and checks its own settings section (<c>ValidateOnStart</c>); a bad one stops the server
/// with a line naming it. There is no central list: a feature's <c>AddX</c> calls <see cref="AddSettings{T}"/>.
/// </summary>
public static class SettingsValidation
{
    /// <summary>Binds <paramref name="section"/> to <typeparamref name="T"/> and checks it when the host starts.</summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section, Func<T, IEnumerable<string>>? rules = null) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(section, rules));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }
}
