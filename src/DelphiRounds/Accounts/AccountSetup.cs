using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Accounts;

public static class AccountSetup
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        return services;
    }

    public static void MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", async (HttpContext context, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery) =>
        {
            // A cross-site form could otherwise log a facilitator out (and in again as someone else after).
            if (!await antiforgery.IsRequestValidAsync(context)) return Results.StatusCode(StatusCodes.Status400BadRequest);
            await context.SignOutAsync(Auth.FacilitatorCookie);
            return Results.LocalRedirect("/login");
        }).RequireAuthorization(Auth.FacilitatorPages).ExcludeFromDescription();
    }

    /// <summary>
    /// With no facilitator account yet, creates the first one and prints its password once, so a new
    /// installation can be used straight away. Returns the new account, or null when there already was one.
    /// </summary>
    public static async Task<NewFacilitator?> EnsureFirstFacilitatorAsync(this IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AccountOptions>>().Value;
        var store = services.GetRequiredService<FacilitatorStore>();
        if (!options.CreateFirstFacilitator || await store.CountAsync() > 0) return null;
        var created = await store.CreateAsync(options.FirstFacilitatorEmail, "Facilitator");
        Console.WriteLine($"""

            First facilitator account created (shown only now):
              e-mail:   {created.Account.Email}
              password: {created.Password}
            Log in and change it at once: Account → Change password (/f/account/password).

            """);
        return created;
    }
}
