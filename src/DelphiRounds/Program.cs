using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Convergence;
using DelphiRounds.Exports;
using DelphiRounds.Pages;
using DelphiRounds.Hosting;
using DelphiRounds.Items;
using DelphiRounds.Live;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddDelphiSettings(builder.Environment.ContentRootPath);
builder.Services.AddDelphiHosting(builder.Configuration).AddDelphiPages()
    .AddAccounts().AddStudies().AddPanel().AddItems().AddRounds().AddAnswers().AddLive()
    .AddConvergence().AddExports().AddOutbox().AddReports();

var app = builder.Build();
await app.MigrateAsync();
await app.Services.EnsureFirstFacilitatorAsync();

app.UseDelphiHosting();
app.MapAccounts();
app.MapStudies();
app.MapPanel();
app.MapItems();
app.MapRounds();
app.MapAnswers();
app.MapLive();
app.MapConvergence();
app.MapExports();
app.MapOutbox();
app.MapReports();
app.MapDelphiPages();
app.Run();

/// <summary>Entry point (public for the integration tests' WebApplicationFactory).</summary>
public partial class Program;
