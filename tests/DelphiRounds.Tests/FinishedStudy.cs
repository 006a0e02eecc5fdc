using System.Net.Http.Json;
using System.Text.Json;
using DelphiRounds.Demo;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>
/// The app with the demo's finished study (round 0 and three rounds, simulated through the real services)
/// seeded once and shared by the test classes of the "finished study" collection.
/// </summary>
public sealed class FinishedStudyApp : DelphiApp, IAsyncLifetime
{
    public ProcessDemoResult Demo { get; private set; } = null!;
    public string Token { get; private set; } = "";
    public HttpClient Facilitator { get; private set; } = null!;
    public long StudyId => Demo.StudyId;
    public List<string> Progress { get; } = [];

    public async Task InitializeAsync()
    {
        var (id, token, _, _) = await FacilitatorAsync();
        Token = token;
        Facilitator = Client(token);
        // The demo sends its own e-mail (to the pickup folder), with or without the background sender.
        Demo = await Services.GetRequiredService<ProcessDemo>().RunAsync(id, ProcessDemo.DefaultRounds, seed: 2031, Progress.Add);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    /// <summary>GET a JSON document with the facilitator's token.</summary>
    public async Task<JsonElement> GetJsonAsync(string url) => await Scenario.Expect(await Facilitator.GetAsync(url), System.Net.HttpStatusCode.OK);

    /// <summary>Everyone's names and e-mail addresses, as the facilitator's panel API gives them.</summary>
    public async Task<IReadOnlyList<string>> IdentitiesAsync() =>
        (await Facilitator.GetFromJsonAsync<JsonElement>($"/api/v1/studies/{StudyId}/participants"))
            .EnumerateArray().SelectMany(p => new[] { p.GetProperty("name").GetString()!, p.GetProperty("email").GetString()! }).ToList();
}

[CollectionDefinition(Name)]
public sealed class FinishedStudyCollection : ICollectionFixture<FinishedStudyApp>
{
    public const string Name = "finished study";
}
