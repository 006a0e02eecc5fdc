using FluentValidation;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DelphiRounds.Kernel;

/// <summary>
/// Runs the FluentValidation validator of the request body <typeparamref name="T"/> before the
/// endpoint; a refusal is a 400 naming every field at fault and the endpoint never runs.
/// </summary>
public sealed class ValidationFilter<T>(IValidator<T> validator) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var body = context.Arguments.OfType<T>().FirstOrDefault();
        if (body is null)
            return Problems.BadRequest("body", "A JSON body is required.");
        var result = await validator.ValidateAsync(body, context.HttpContext.RequestAborted);
        if (!result.IsValid)
        {
            var errors = result.Errors
                .GroupBy(e => JsonFieldName(e.PropertyName))
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
            return Problems.Fields(errors);
        }
        return await next(context);
    }

    /// <summary><c>Groups[0].Name</c> → <c>groups[0].name</c>, the way the field looks in the JSON.</summary>
    internal static string JsonFieldName(string property) =>
        string.Join('.', property.Split('.').Select(p => p.Length == 0 ? p : char.ToLowerInvariant(p[0]) + p[1..]));
}

public static class ValidationFilterExtensions
{
    /// <summary>Validates the body of type <typeparamref name="T"/> with its registered validator.</summary>
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem();

    /// <summary>Registers a feature's validator unless the assembly scan of the web host already did.</summary>
    public static IServiceCollection TryAddValidator<T, TValidator>(this IServiceCollection services)
        where TValidator : class, IValidator<T>
    {
        services.TryAddSingleton<IValidator<T>, TValidator>();
        return services;
    }
}
