using System.ComponentModel.DataAnnotations;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Security;

/// <summary>How large a request may be. Bound from the <c>RequestLimits</c> section.</summary>
public sealed class RequestLimitOptions
{
    public const string Section = "RequestLimits";

    /// <summary>Largest body of a page request (forms), in bytes.</summary>
    [Range(16 * 1024, 64 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest body of a JSON API request (<c>/api/…</c>), in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxJsonBodyBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// A body over its limit is still read (and thrown away) up to this many times <see cref="MaxBodyBytes"/>,
    /// so the client gets to read the 413; beyond that the connection is closed.
    /// </summary>
    internal const int DrainFactor = 8;

    /// <summary>Kestrel's hard limit: nothing larger is ever read.</summary>
    internal long HardLimit => MaxBodyBytes * DrainFactor;
}

/// <summary>
/// Caps request bodies: 64 KB for the JSON API, 1 MB for forms (configurable), a background document's upload
/// <see cref="Uploads.MaxBodyBytes"/>. A declared length over
/// the limit is refused with 413 before the endpoint runs — a problem naming <c>body</c> for the API,
/// the error page for a form. A chunked body is cut off at the limit by Kestrel, and the exception
/// handler turns that into the same problem.
/// </summary>
public sealed class RequestLimitsMiddleware(RequestDelegate next, IOptions<RequestLimitOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var o = options.Value;
        var api = context.Request.Path.StartsWithSegments("/api");
        // A background document may be larger than any other body (Kernel/Uploads); nothing else may.
        var limit = Uploads.IsDocumentUpload(context.Request) ? Math.Max(Uploads.MaxBodyBytes, api ? o.MaxJsonBodyBytes : o.MaxBodyBytes)
            : api ? o.MaxJsonBodyBytes : o.MaxBodyBytes;
        var size = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (context.Request.ContentLength is { } length && length > limit)
        {
            await DrainAsync(context, size, length, o.HardLimit);
            if (!api)
            {
                await ShowPageAsync(context, StatusCodes.Status413PayloadTooLarge);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            var message = $"The request body is too large: at most {limit} bytes.";
            await Problems.Write(context, new ProblemDetails { Status = 413, Detail = "body: " + message },
                new Dictionary<string, string[]> { ["body"] = [message] });
            return;
        }
        if (!api && context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true
            && size is { IsReadOnly: false })
        {
            // A chunked form is read to its end here: read later, by antiforgery or model binding, a cut-off
            // body only looks like a bad form (400), and the person would never learn it was too large.
            context.Request.Body = new LimitedBody(context.Request.Body, limit);
            context.Request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: limit);
            try
            {
                await Microsoft.AspNetCore.WebUtilities.StreamHelperExtensions.DrainAsync(context.Request.Body, context.RequestAborted);
                context.Request.Body.Position = 0;
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                context.Response.Headers.Connection = "close";
                await ShowPageAsync(context, StatusCodes.Status413PayloadTooLarge);
                return;
            }
        }
        else if (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true
            && size is { IsReadOnly: false })
        {
            // No declared length (chunked): count while reading, and read a refused body to its end before
            // failing, so the client can read the 413 (Kestrel's own cut-off would leave it a broken pipe).
            context.Request.Body = new LimitedBody(context.Request.Body, limit);
        }
        else if (size is { IsReadOnly: false }) size.MaxRequestBodySize = limit;
        await next(context);
    }

    /// <summary>A person gets the error page (a 413 with the "this request is not right" text).</summary>
    private Task ShowPageAsync(HttpContext context, int status)
    {
        context.Request.Path = $"/error/{status}";
        context.Request.QueryString = QueryString.Empty;
        context.Request.Method = HttpMethods.Get;
        context.Request.ContentType = null;
        return next(context);
    }

    /// <summary>
    /// Reads and discards a refused body that is not absurdly large: a client that is still sending when we
    /// answer and close would never see the 413 (it gets a broken pipe instead).
    /// </summary>
    private static async Task DrainAsync(HttpContext context, IHttpMaxRequestBodySizeFeature? size, long length, long hardLimit)
    {
        if (length > hardLimit || size is not { IsReadOnly: false })
        {
            context.Response.Headers.Connection = "close";
            return;
        }
        size.MaxRequestBodySize = length;
        try
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            context.Response.Headers.Connection = "close";
        }
    }
}

/// <summary>A request body that fails with 413 once more than <c>limit</c> bytes came, after reading the rest (Kestrel's hard limit stops that).</summary>
internal sealed class LimitedBody(Stream inner, long limit) : Stream
{
    private long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer, ct);
        _read += n;
        if (_read > limit)
        {
            try
            {
                await inner.CopyToAsync(Stream.Null, ct);
            }
            catch (Exception e) when (e is BadHttpRequestException or IOException)
            {
                // Beyond the hard limit: the connection closes after the answer.
            }
            throw new BadHttpRequestException($"The request body is too large: at most {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
