namespace DelphiRounds.Kernel;

/// <summary>A problem status an endpoint's handler may answer with (besides those of the pipeline), for the OpenAPI document.</summary>
public sealed record RefusalMetadata(int StatusCode);

/// <summary>The endpoint answers 200 with a file of one of these media types (the document shows them; the framework cannot).</summary>
public sealed record FileResponseMetadata(IReadOnlyList<string> ContentTypes);

public static class RefusalExtensions
{
    /// <summary>Declares that the endpoint answers 200 with a file of one of <paramref name="contentTypes"/>.</summary>
    public static TBuilder ProducesFile<TBuilder>(this TBuilder builder, params string[] contentTypes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FileResponseMetadata(contentTypes));

    /// <summary>
    /// Declares the problem statuses the handler returns itself (409 for a state that does not allow it, 404 for
    /// something named in the body…). The pipeline's own (400, 401, 403, 404 for an id in the address, 413, 415, 429)
    /// are added by Hosting/OpenApiSetup.
    /// </summary>
    public static TBuilder Refuses<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var s in statuses) builder.WithMetadata(new RefusalMetadata(s));
        return builder;
    }
}
