using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace DelphiRounds.Kernel;

/// <summary>
/// Turns a request the framework could not read (malformed JSON, a string where a number belongs,
/// a body too large) into a problem naming the field, instead of an empty 400 or a 500.
/// </summary>
public sealed class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad || context.Response.HasStarted) return false;
        var (field, message) = Describe(bad);
        await Problems.Write(context, new ProblemDetails { Status = bad.StatusCode, Detail = $"{field}: {message}" },
            new Dictionary<string, string[]> { [field] = [message] });
        return true;
    }

    internal static (string Field, string Message) Describe(BadHttpRequestException bad)
    {
        for (Exception? e = bad; e is not null; e = e.InnerException)
        {
            if (e is JsonException json)
            {
                var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');
                var where = json.LineNumber is { } line ? $" (line {line + 1}, position {json.BytePositionInLine + 1})" : "";
                var what = json.Path is null or "$" || json.InnerException is JsonException
                    ? "The body is not valid JSON" + where + "."
                    : "This value has the wrong type or format" + where + ".";
                return (field, what);
            }
        }
        return bad.StatusCode switch
        {
            413 => ("body", "The request body is too large."),
            415 => ("Content-Type", "Send the body as application/json."),
            // The framework's own wording ("Implicit body inferred … no body was provided") is meant for developers.
            400 when bad.Message.Contains("no body was provided", StringComparison.Ordinal) => ("body", "A JSON body is required."),
            _ => ("body", bad.Message),
        };
    }
}
