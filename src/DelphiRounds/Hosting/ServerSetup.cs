using DelphiRounds.Accounts;
using DelphiRounds.Agenda;
using DelphiRounds.Answers;
using DelphiRounds.ApiReference;
using DelphiRounds.Arguments;
using DelphiRounds.Convergence;
using DelphiRounds.Endorsement;
using DelphiRounds.Exports;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Live;
using DelphiRounds.Observability;
using DelphiRounds.Organisations;
using DelphiRounds.Outbox;
using DelphiRounds.Pages;
using DelphiRounds.Panel;
using DelphiRounds.Privacy;
using DelphiRounds.Rounds;
using DelphiRounds.Security;
using DelphiRounds.Studies;
using DelphiRounds.Themes;
using DelphiRounds.Vision;

namespace DelphiRounds.Hosting;

/// <summary>
/// The composition root of the web host: one <c>AddX</c>/<c>MapX</c> per feature. The <c>compose</c> argument of <see cref="Run"/> lets a
/// host built for measuring (the benchmark's naive baseline in <c>tests/DelphiRounds.Load</c>) add its own services;
/// the server itself adds none.
/// </summary>
public static class ServerSetup
{
    public static int Run(string[] args, Action<IServiceCollection>? compose = null)
    {
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(args);
            builder.Configuration.AddDelphiSettings(builder.Environment.ContentRootPath);
        }
        catch (Exception e) when (e is SettingsFileException or InvalidDataException)
        {
            // A missing or broken settings file: one line naming it, exit code 1 (systemd's RestartPreventExitStatus).
            var problem = e as SettingsFileException ?? Settings.NotJson(
                System.Text.RegularExpressions.Regex.Match(e.Message, "file '([^']+)'") is { Success: true } m ? m.Groups[1].Value : "appsettings.json", e);
            Console.Error.WriteLine("DelphiRounds cannot start. " + problem.Message);
            return 1;
        }
        builder.AddDelphiLogging();
        builder.Services.AddDelphiHosting(builder.Configuration).AddDelphiPages()
            .AddAccounts().AddStudies().AddPanel().AddOrganisations().AddItems().AddRounds().AddAnswers().AddLive()
            .AddConvergence().AddExports().AddArguments()
            .AddVision().AddEndorsement().AddAgenda().AddAgendaReminders()
            .AddSecurity().AddPrivacy()
            .AddOutbox().AddReports()
            .AddThemes().AddDelphiTelemetry();
        compose?.Invoke(builder.Services);

        var app = builder.Build();
        if (!app.SettingsAreValid()) return 1;
        if (!app.DatabaseIsUsable()) return 1;
        app.Services.EnsureFirstFacilitatorAsync().GetAwaiter().GetResult();

        app.UseDelphiHosting();
        app.UseSecurity();
        app.UseRequestIds();
        app.MapAccounts();
        app.MapStudies();
        app.MapStudyDocuments();
        app.MapPanel();
        app.MapOrganisations();
        app.MapItems();
        app.MapRounds();
        app.MapAnswers();
        app.MapLive();
        app.MapConvergence();
        app.MapExports();
        app.MapArguments();
        app.MapVision();
        app.MapEndorsement();
        app.MapAgenda();
        app.MapPrivacy();
        app.MapOutbox();
        app.MapReports();
        app.MapDelphiMetrics();
        app.MapApiReference();
        app.MapDelphiPages();
        app.Run();
        return 0;
    }
}
