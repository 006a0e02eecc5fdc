using DelphiRounds.Convergence;
using DelphiRounds.Demo;
using DelphiRounds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DelphiRounds.Tests;

/// <summary>The demo's promises are built into the simulation, not a lucky seed: other seeds give the same verdicts.</summary>
public sealed class ProcessDemoSeedTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [Theory]
    [InlineData(7)]
    [InlineData(424242)]
    public async Task Any_seed_gives_consensus_on_1_4_6_8_and_stable_dissent_on_5_7(int seed)
    {
        var (facilitator, _, _, _) = await app.FacilitatorAsync();
        var demo = await app.Services.GetRequiredService<ProcessDemo>().RunAsync(facilitator, ProcessDemo.DefaultRounds, seed);
        var verdicts = (await app.Services.GetRequiredService<ConvergenceService>().StudyAsync(demo.StudyId)).Items.ToDictionary(i => i.ItemId, i => i.Verdict);
        var seen = string.Join(", ", Enumerable.Range(1, 10).Select(n => $"{n}: {verdicts.GetValueOrDefault(demo.Items[n])}"));
        Assert.All(new[] { 1, 4, 6, 8 }, n => Assert.True(verdicts[demo.Items[n]] == Verdicts.Consensus, seen));
        Assert.All(new[] { 5, 7 }, n => Assert.True(verdicts[demo.Items[n]] == Verdicts.StableDissent, seen));
    }
}
