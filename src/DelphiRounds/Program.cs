using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Arguments;
using DelphiRounds.Convergence;
using DelphiRounds.Endorsement;
using DelphiRounds.Exports;
using DelphiRounds.Pages;
using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Live;
using DelphiRounds.Panel;
using DelphiRounds.Privacy;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using DelphiRounds.Vision;
using DelphiRounds.Trust;
using DelphiRounds.People;

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
    .AddAccounts().AddStudies().AddPanel().AddItems().AddRounds().AddAnswers().AddLive()
    .AddConvergence().AddExports().AddArguments()
    .AddVision().AddEndorsement()
    .AddTrust().AddPrivacy()
    .AddOutbox().AddReports()
    .AddPeople();

var app = builder.Build();
if (!app.SettingsAreValid()) return 1;
await app.MigrateAsync();
await app.Services.EnsureFirstFacilitatorAsync();

app.UseDelphiHosting();
app.UseTrust();
app.MapAccounts();
app.MapStudies();
app.MapPanel();
app.MapItems();
app.MapRounds();
app.MapAnswers();
app.MapLive();
app.MapConvergence();
app.MapExports();
app.MapArguments();
app.MapVision();
app.MapEndorsement();
app.MapPrivacy();
app.MapOutbox();
app.MapReports();
app.MapPeople();
app.MapDelphiPages();
app.Run();
return 0;

/// <summary>Entry point (public for the integration tests' WebApplicationFactory).</summary>
public partial class Program;
