using System.Text.RegularExpressions;
using DelphiRounds.Answers;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Answers;

/// <summary>
/// The idempotency key of an answer may come as the <c>Idempotency-Key</c> request header or as
/// <c>idempotencyKey</c> in the body. Both at once must agree: a mismatch is refused with 400 naming
/// <c>Idempotency-Key</c> rather than guessing which one the client meant to retry with.
/// </summary>
public static partial class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 100;

    /// <summary>The characters a key may hold (the OpenAPI document's <c>pattern</c>).</summary>
    public const string Pattern = "^[A-Za-z0-9._:-]+$";

    [GeneratedRegex(Pattern)]
    private static partial Regex Allowed();

    /// <summary>True when <paramref name="key"/> is a usable key (1–100 letters, digits, <c>. _ : -</c>).</summary>
    public static bool IsValid(string? key) => key is { Length: > 0 and <= MaxLength } && Allowed().IsMatch(key);

    /// <summary>The request with the header's key applied, or a problem naming <c>Idempotency-Key</c>.</summary>
    public static (AnswerRequest Request, ProblemHttpResult? Problem) Apply(string? header, AnswerRequest request)
    {
        if (header is null) return (request, null);
        if (!IsValid(header))
            return (request, Problems.BadRequest(Header, $"The {Header} header may hold 1 to {MaxLength} letters, digits and . _ : - only."));
        if (request.IdempotencyKey is not null && request.IdempotencyKey != header)
            return (request, Problems.BadRequest(Header, $"The {Header} header and idempotencyKey in the body differ; send one of them, or the same key in both."));
        return (request with { IdempotencyKey = header }, null);
    }
}
