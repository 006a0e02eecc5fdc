using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Data;
using DelphiRounds.Demo;
using DelphiRounds.Items;
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
        services.AddOptions<SiteOptions>().BindConfiguration(SiteOptions.Section);
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .Configure(o =>
            {
                o.PostgresConnectionString ??= configuration.GetConnectionString("Postgres");
                if (string.IsNullOrWhiteSpace(o.PostgresConnectionString)) o.PostgresConnectionString = null;
                o.SqlitePath = Settings.ResolvePath(configuration, o.SqlitePath);
                o.KeysFolder = Settings.ResolvePath(configuration, o.KeysFolder);
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section);
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.AddData();
        services.AddSingleton<FacilitatorStore>().AddSingleton<StudyStore>().AddSingleton<ParticipantStore>()
            .AddSingleton<ItemStore>().AddSingleton<RoundStore>().AddSingleton<AnswerStore>();
        services.AddSingleton<DemoSeeder>().AddSingleton<ProcessDemo>();
        return services;
    }
}
