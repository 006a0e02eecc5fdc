using DelphiRounds.Kernel;

namespace DelphiRounds.Demo;

/// <summary>
/// The Rotterdam demo (seeded study, simulated process, endorsed vision). Composed only where it is used:
/// the <c>delphi demo</c> command and the tests that seed it; a server start does not carry it.
/// </summary>
public static class DemoSetup
{
    public static IServiceCollection AddDemo(this IServiceCollection services)
    {
        services.AddSettings<DemoOptions>(DemoOptions.Section);
        return services.AddSingleton<DemoSeeder>().AddSingleton<ProcessDemo>().AddSingleton<VisionDemo>().AddSingleton<AgendaDemo>()
            .AddSingleton<ReflectionDemo>();
    }
}
