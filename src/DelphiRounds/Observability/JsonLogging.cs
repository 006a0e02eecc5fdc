using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DelphiRounds.Kernel;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Observability;

/// <summary>
/// Structured logs: one JSON object per line on standard output, with the request id (and trace id) of
/// the request that wrote it. No personal data: invitation, signing and API tokens are cut to their prefix
/// and e-mail addresses are replaced wherever they would appear (a message, an exception, a path); names
/// are never logged by the app. Pick <c>text</c> in <c>Logging:Format</c> for the usual console lines.
/// </summary>
public sealed partial class DelphiJsonFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "delphi-json";

    [GeneratedRegex(@"\b(dl[pfs])_[A-Za-z0-9_\-]{8,}")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();

    /// <summary>Removes secrets and personal data from a text that goes into the log.</summary>
    public static string Redact(string text) =>
        EmailPattern().Replace(TokenPattern().Replace(text, "$1_…"), "(e-mail address)");

    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopes, TextWriter writer)
    {
        var message = entry.Formatter?.Invoke(entry.State, entry.Exception);
        if (message is null && entry.Exception is null) return;
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow.ToString("O"));
            json.WriteString("level", entry.LogLevel.ToString());
            json.WriteString("category", entry.Category);
            if (entry.EventId.Id != 0) json.WriteNumber("eventId", entry.EventId.Id);
            json.WriteString("message", Redact(message ?? ""));
            string? requestId = null;
            scopes?.ForEachScope((scope, _) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    foreach (var (key, value) in pairs)
                        if (key == "RequestId" && value is not null) requestId = value.ToString();
            }, (object?)null);
            if (requestId is not null) json.WriteString("requestId", requestId);
            if (Activity.Current is { } activity)
            {
                json.WriteString("traceId", activity.TraceId.ToHexString());
                json.WriteString("spanId", activity.SpanId.ToHexString());
            }
            if (entry.Exception is { } e) json.WriteString("exception", Redact(e.ToString()));
            json.WriteEndObject();
        }
        writer.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}

/// <summary>Settings of the logs. Bound from <c>Logging</c> (beside the usual <c>Logging:LogLevel</c>).</summary>
public sealed class LogFormatOptions
{
    public const string Section = "Logging";

    /// <summary><c>json</c> (one object per line, for log collectors) or <c>text</c> (readable lines for a developer).</summary>
    public string Format { get; set; } = "json";
}

public static class JsonLogging
{
    /// <summary>Console logs in the configured format; every response says its request id (<c>X-Request-Id</c>) so a person can quote it.</summary>
    public static WebApplicationBuilder AddDelphiLogging(this WebApplicationBuilder builder)
    {
        var format = builder.Configuration[$"{LogFormatOptions.Section}:Format"] ?? "json";
        builder.Services.AddOptions<LogFormatOptions>().BindConfiguration(LogFormatOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<LogFormatOptions>>(new SettingsValidator<LogFormatOptions>(LogFormatOptions.Section,
            o => o.Format is "json" or "text" ? [] : [$"Format: '{o.Format}' is not a log format; use json or text"]));
        builder.Services.AddOptions<LogFormatOptions>().ValidateOnStart();
        builder.Logging.AddConsoleFormatter<DelphiJsonFormatter, ConsoleFormatterOptions>();
        if (format == "json")
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = DelphiJsonFormatter.Name);
        return builder;
    }

    public static void UseRequestIds(this WebApplication app) =>
        app.Use((context, next) =>
        {
            context.Response.Headers["X-Request-Id"] = context.TraceIdentifier;
            return next(context);
        });
}
