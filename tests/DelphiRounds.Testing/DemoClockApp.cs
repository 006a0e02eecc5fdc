using DelphiRounds.Demo;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Testing;

/// <summary>
/// The app on the <c>delphi demo</c> command's clock (<see cref="DemoClock"/>): the system clock, which the demo moves to
/// the past while it seeds (so the finished study is signed two years ago and its agenda has two years behind it) and back.
/// </summary>
public class DemoClockApp : DelphiApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<DemoClock>().AddSingleton<TimeProvider>(sp => sp.GetRequiredService<DemoClock>()));
    }
}
