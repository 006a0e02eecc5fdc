using System.ComponentModel.DataAnnotations;
using System.Reflection;
using DelphiRounds.Accounts;
using DelphiRounds.Data;
using DelphiRounds.Demo;
using DelphiRounds.Endorsement;
using DelphiRounds.Live;
using DelphiRounds.Privacy;
using DelphiRounds.Trust;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Hosting;

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

/// <summary>Every settings section is checked at start-up (<c>ValidateOnStart</c>); a bad one stops the server with a line naming it.</summary>
public static class SettingsValidation
{
    public static IServiceCollection AddSettingsValidation(this IServiceCollection services)
    {
        Check<SiteOptions>(services, SiteOptions.Section, o =>
            string.IsNullOrWhiteSpace(o.PublicBaseUrl) || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
                ? [] : [$"PublicBaseUrl: '{o.PublicBaseUrl}' is not an http(s) address such as https://delphi.example.nl; leave it empty to take it from each request"]);
        Check<StorageOptions>(services, StorageOptions.Section);
        Check<AccountOptions>(services, AccountOptions.Section, o =>
            !o.CreateFirstFacilitator || o.FirstFacilitatorEmail.Contains('@') ? []
                : [$"FirstFacilitatorEmail: '{o.FirstFacilitatorEmail}' is not an e-mail address"]);
        Check<DemoOptions>(services, DemoOptions.Section);
        Check<LiveOptions>(services, LiveOptions.Section);
        Check<Exports.ReportOptions>(services, Exports.ReportOptions.Section);
        Check<EndorsementOptions>(services, EndorsementOptions.Section);
        Check<PrivacyOptions>(services, PrivacyOptions.Section);
        Check<RequestLimitOptions>(services, RequestLimitOptions.Section);
        Check<Panel.MailOptions>(services, Panel.MailOptions.Section, o =>
            System.Net.Mail.MailAddress.TryCreate(o.From, out _) ? []
                : [$"From: '{o.From}' is not an e-mail address (e.g. \"Gemeente <delphi@example.nl>\")"]);
        Check<RateLimitOptions>(services, RateLimitOptions.Section, o =>
            new[] { ("Answers", o.Answers), ("Login", o.Login), ("Signing", o.Signing) }.SelectMany(limit => RateRules(limit.Item1, limit.Item2)));
        return services;

        static IEnumerable<string> RateRules(string name, RateLimit limit)
        {
            if (limit.PermitLimit < 1) yield return $"{name}:PermitLimit: must be at least 1 (is {limit.PermitLimit})";
            if (limit.WindowSeconds is < 1 or > 86_400) yield return $"{name}:WindowSeconds: must be between 1 and 86400 (is {limit.WindowSeconds})";
        }
    }

    private static void Check<T>(IServiceCollection services, string section, Func<T, IEnumerable<string>>? rules = null) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(section, rules));
        services.AddOptions<T>().ValidateOnStart();
    }

    /// <summary>
    /// Runs every start-up check now; on a bad setting writes one line per problem to standard error and
    /// returns false (the caller exits with code 1), so the operator reads what to fix instead of a stack trace.
    /// </summary>
    public static bool SettingsAreValid(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return true;
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException)
        {
            var failures = (e is AggregateException a ? a.InnerExceptions : [e]).OfType<OptionsValidationException>().SelectMany(x => x.Failures).ToList();
            var ours = failures.Where(f => f.StartsWith(SettingsValidator<object>.Prefix, StringComparison.Ordinal)).Distinct().ToList();
            foreach (var line in ours.Count > 0 ? ours : failures) Console.Error.WriteLine("DelphiRounds cannot start. " + line);
            // Under the integration tests' WebApplicationFactory the entry point's exit code is not seen: let the test see the failure.
            if (app.Environment.IsEnvironment("Testing")) throw;
            return false;
        }
    }
}
