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
    public async Task Any_seed_gives_consensus_for_on_1_4_6_8_against_on_12_a_polarised_5_and_stable_dissent_on_7(int seed)
    {
        var (facilitator, _, _, _) = await app.FacilitatorAsync();
        var demo = await app.Services.GetRequiredService<ProcessDemo>().RunAsync(facilitator, ProcessDemo.DefaultRounds, seed);
        var items = (await app.Services.GetRequiredService<ConvergenceService>().StudyAsync(demo.StudyId)).Items.ToDictionary(i => i.ItemId);
        var seen = string.Join(", ", demo.Items.Keys.Where(n => n != 11).Order().Select(n => $"{n}: {items.GetValueOrDefault(demo.Items[n])?.Outcome}"));
        Assert.All(new[] { 1, 4, 6, 8 }, n => Assert.True(items[demo.Items[n]].Verdict == Verdicts.ConsensusFor, seen));
        Assert.True(items[demo.Items[12]].Verdict == Verdicts.ConsensusAgainst, seen);
        Assert.All(new[] { 5, 7 }, n => Assert.True(items[demo.Items[n]].Verdict == Verdicts.StableDissent, seen));
        // Item 5's two camps: housing corporations and residents for, energy producers and the port against.
        Assert.True(items[demo.Items[5]].Outcome == Verdicts.Polarised, seen);
        Assert.Equal(["housing-corporations", "residents"], items[demo.Items[5]].Poles!.For);
        Assert.Equal(["energy-producers", "port-industry"], items[demo.Items[5]].Poles!.Against);
        Assert.True(items[demo.Items[7]].Outcome == Verdicts.StableDissent, seen);
    }
}
