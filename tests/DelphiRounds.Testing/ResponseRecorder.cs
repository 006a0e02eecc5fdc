using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Testing;

/// <summary>One API response as a test received it, with the route the request matched.</summary>
public sealed record RecordedResponse(string Method, string Path, string RoutePattern, int Status, string? MediaType, string? Body)
{
    public override string ToString() => $"{Method} {Path} → {Status}";
}

/// <summary>
/// Records every <c>/api/…</c> response the app gives (outermost middleware, so after the exception handler and
/// the status code pages) with the route pattern the request matched. <see cref="DelphiApp"/> checks them against
/// the OpenAPI document when the test class ends, so the document cannot drift from what the API does.
/// </summary>
public sealed class ResponseRecorder : IStartupFilter, IObserver<KeyValuePair<string, object?>>, IObserver<DiagnosticListener>
{
    private const string Matched = "Microsoft.AspNetCore.Routing.EndpointMatched";
    private const string Key = "DelphiRounds.Testing.MatchedEndpoint";
    /// <summary>Bodies longer than this are not kept (large exports): their status and media type are still checked.</summary>
    public const int MaxBody = 512 * 1024;

    public ConcurrentQueue<RecordedResponse> Responses { get; } = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        // The exception handler clears the endpoint before it writes its problem: keep the one routing matched.
        app.ApplicationServices.GetRequiredService<DiagnosticListener>().Subscribe(this, (name, _, _) => name == Matched);
        app.Use(async (context, nextMiddleware) =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/api") || path.StartsWithSegments("/api/docs"))
            {
                await nextMiddleware(context);
                return;
            }
            var original = context.Response.Body;
            using var tee = new TeeStream(original, MaxBody);
            context.Response.Body = tee;
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                context.Response.Body = original;
            }
            var endpoint = context.Items[Key] as RouteEndpoint ?? context.GetEndpoint() as RouteEndpoint;
            if (endpoint?.RoutePattern.RawText is { } pattern)
            {
                var mediaType = context.Response.ContentType is { } ct ? ct.Split(';')[0].Trim() : null;
                Responses.Enqueue(new RecordedResponse(context.Request.Method, path.Value!, pattern, context.Response.StatusCode, mediaType, tee.Captured));
            }
        });
        next(app);
    };

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == Matched && value.Value is HttpContext context && context.GetEndpoint() is { } endpoint) context.Items[Key] = endpoint;
    }

    public void OnNext(DiagnosticListener value) { }
    public void OnCompleted() { }
    public void OnError(Exception error) { }

    /// <summary>Passes writes through and keeps a copy of the first <c>cap</c> bytes; <see cref="Captured"/> is null beyond that.</summary>
    private sealed class TeeStream(Stream inner, int cap) : Stream
    {
        private readonly MemoryStream _copy = new();
        private bool _overflow;

        public string? Captured => _overflow ? null : System.Text.Encoding.UTF8.GetString(_copy.GetBuffer(), 0, (int)_copy.Length);

        private void Keep(ReadOnlySpan<byte> data)
        {
            if (_overflow) return;
            if (_copy.Length + data.Length > cap) { _overflow = true; return; }
            _copy.Write(data);
        }

        public override void Write(byte[] buffer, int offset, int count) { Keep(buffer.AsSpan(offset, count)); inner.Write(buffer, offset, count); }
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) { Keep(buffer.AsSpan(offset, count)); return inner.WriteAsync(buffer, offset, count, ct); }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) { Keep(buffer.Span); return inner.WriteAsync(buffer, ct); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) _copy.Dispose(); base.Dispose(disposing); }
    }
}
