namespace DelphiRounds.Data;

public static class DataSetup
{
    public static IServiceCollection AddData(this IServiceCollection services) =>
        services.AddSingleton<Database>().AddSingleton<Migrator>();
}
