using DelphiRounds.Hosting;
using DelphiRounds.Themes;
using Scalar.AspNetCore;

namespace DelphiRounds.People;

/// <summary>
/// What makes DelphiRounds fit the people who use and run it (issue 9): settings checked at start-up,
/// themes, metrics, request ids in the logs, and the interactive API reference.
/// </summary>
public static class PeopleSetup
{
    public static IServiceCollection AddPeople(this IServiceCollection services)
    {
        services.AddSettingsValidation();
        services.AddThemes();
        services.AddDelphiTelemetry();
        return services;
    }

    public static WebApplication MapPeople(this WebApplication app)
    {
        app.UseRequestIds();
        app.MapDelphiMetrics();
        app.MapApiReference();
        return app;
    }
}
