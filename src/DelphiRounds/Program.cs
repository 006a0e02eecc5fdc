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

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddDelphiSettings(builder.Environment.ContentRootPath);
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
