using DelphiRounds.Agenda;
using DelphiRounds.Answers;
using DelphiRounds.Convergence;
using DelphiRounds.Data;
using DelphiRounds.Demo;
using DelphiRounds.Endorsement;
using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Outbox;
using DelphiRounds.Rounds;
using DelphiRounds.Vision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DelphiRounds.Cli.Admin;

/// <summary>
/// The services of the web host that admin commands need (settings, database, stores), built from the
/// same appsettings.json as the server, with the database migrated.
/// </summary>
public static class AdminHost
{
    public static async Task<IHost> StartAsync(Action<IServiceCollection>? more = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.GetCurrentDirectory() });
        Settings.RequireFile(Directory.GetCurrentDirectory());
        builder.Configuration.AddDelphiSettings(Directory.GetCurrentDirectory());
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDelphiCore(builder.Configuration);
        // The demo seeds a finished study with an endorsed vision, then a reflection round on it and vision 2 (agenda).
        builder.Services.AddVision().AddEndorsement().AddAgenda();
        // The demo's simulated study runs through the same services as the web host: items, rounds with
        // their snapshots, answers, the outbox. Nothing is served or pushed here, so there is no hub: no
        // one subscribes to the answers for live figures.
        builder.Services.AddLanguages().AddItems().AddRounds().AddAnswers().AddConvergence().AddOutbox().AddDemo();
        builder.Services.AddSingleton<DemoClock>().AddSingleton<TimeProvider>(sp => sp.GetRequiredService<DemoClock>());
        more?.Invoke(builder.Services);
        var host = builder.Build();
        await host.Services.GetRequiredService<Migrator>().MigrateAsync();
        return host;
    }
}
