using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace DelphiRounds.Kernel;

/// <summary>
/// RFC 9457 problem details that name the field at fault: every refusal carries an <c>errors</c>
/// object (field → messages), whatever its status, so a client always knows what to fix.
/// </summary>
public static class Problems
{
    /// <summary>A refusal naming one field.</summary>
    public static ProblemHttpResult Field(int status, string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = status,
            Title = TitleFor(status),
            Detail = $"{field}: {message}",
            Type = TypeFor(status),
        });

    /// <summary>A 400 naming several fields.</summary>
    public static ProblemHttpResult Fields(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = 400,
            Title = TitleFor(400),
            Detail = string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
            Type = TypeFor(400),
        });

    public static ProblemHttpResult NotFound(string field, string message) => Field(404, field, message);
    public static ProblemHttpResult Conflict(string field, string message) => Field(409, field, message);
    public static ProblemHttpResult BadRequest(string field, string message) => Field(400, field, message);

    /// <summary>Writes a problem outside an endpoint (authentication challenges, exception handler).</summary>
    public static Task Write(HttpContext context, ProblemDetails problem, IDictionary<string, string[]> errors)
    {
        var body = new HttpValidationProblemDetails(errors)
        {
            Status = problem.Status,
            Title = problem.Title ?? TitleFor(problem.Status ?? 500),
            Detail = problem.Detail,
            Type = problem.Type ?? TypeFor(problem.Status ?? 500),
            Instance = problem.Instance,
        };
        context.Response.StatusCode = problem.Status ?? 500;
        return context.Response.WriteAsJsonAsync(body, body.GetType(), options: null, contentType: "application/problem+json");
    }

    public static string TitleFor(int status) => status switch
    {
        400 => "The request has a problem",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Request too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        429 => "Too many requests",
        _ => "Error",
    };

    public static string TypeFor(int status) => status switch
    {
        400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        403 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.4",
        404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        409 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
        413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        415 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
        422 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
        429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        _ => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.1",
    };
}
