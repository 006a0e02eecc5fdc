using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Data;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Organisations;
using DelphiRounds.Panel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

namespace DelphiRounds.Hosting;

/// <summary>
/// What both the web host and the <c>delphi</c> command need: settings, the database and the stores.
/// The web host adds pages, API, authentication and the live hub on top.
/// </summary>
public static class CoreSetup
{
    public static IServiceCollection AddDelphiCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSettings<SiteOptions>(SiteOptions.Section, o =>
            string.IsNullOrWhiteSpace(o.PublicBaseUrl) || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
                ? [] : [$"PublicBaseUrl: '{o.PublicBaseUrl}' is not an http(s) address such as https://delphi.example.nl; leave it empty to use the address the server listens on"]);
        services.AddSingleton<SiteUrls>();
        services.AddSettings<StorageOptions>(StorageOptions.Section)
            .Configure(o =>
            {
                o.PostgresConnectionString ??= configuration.GetConnectionString("Postgres");
                if (string.IsNullOrWhiteSpace(o.PostgresConnectionString)) o.PostgresConnectionString = null;
                o.SqlitePath = Settings.ResolvePath(configuration, o.SqlitePath);
                o.KeysFolder = Settings.ResolvePath(configuration, o.KeysFolder);
                o.KeysCertificatePath = string.IsNullOrWhiteSpace(o.KeysCertificatePath) ? null : Settings.ResolvePath(configuration, o.KeysCertificatePath);
            });
        services.AddSettings<AccountOptions>(AccountOptions.Section, o =>
            !o.CreateFirstFacilitator || o.FirstFacilitatorEmail.Contains('@') ? []
                : [$"FirstFacilitatorEmail: '{o.FirstFacilitatorEmail}' is not an e-mail address"]);
        services.AddData();
        services.AddAnswerWriter();
        services.AddSingleton<FacilitatorStore>().AddSingleton<StudyStore>().AddSingleton<ReportNotesStore>().AddSingleton<StudyDocumentStore>().AddSingleton<StudyDocumentService>().AddSingleton<ParticipantStore>().AddSingleton<OrganisationStore>()
            .AddSingleton<IParticipantCredentials>(sp => sp.GetRequiredService<ParticipantStore>())
            .AddSingleton<ItemStore>().AddSingleton<RoundStore>().AddSingleton<IStudyRounds>(sp => sp.GetRequiredService<RoundStore>())
            .AddSingleton<IItemRounds>(sp => sp.GetRequiredService<RoundStore>())
            .AddSingleton<AnswerStore>().AddSingleton<IIdeaSource>(sp => sp.GetRequiredService<AnswerStore>());
        return services;
    }
}
