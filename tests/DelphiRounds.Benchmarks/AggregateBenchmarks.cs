using BenchmarkDotNet.Attributes;
using DelphiRounds.Consensus;

namespace DelphiRounds.Benchmarks;

/// <summary>
/// The cost of one revision (an answer replaced by another, then the item's statistics read) with the
/// incremental aggregate against recomputing everything from the answers with <see cref="Analyzer.Analyze"/>.
/// </summary>
public abstract class RevisionBenchmark
{
    private static readonly string[] Groups = ["grid-operators", "housing", "residents", "municipality", "port-industry"];

    private Response[] _responses = [];
    private ItemInput _input = null!;
    private IItemAggregate _aggregate = null!;
    private Random _random = null!;

    [Params(10, 100, 1_000, 10_000)]
    public int Answers { get; set; }

    protected abstract ItemKind Kind { get; }

    protected abstract IItemAggregate NewAggregate(ConsensusCriteria criteria);

    protected abstract double Draw(Random random);

    [GlobalSetup]
    public void Setup()
    {
        _random = new Random(2030);
        var criteria = new ConsensusCriteria
        {
            MaxIqr = 1, AgreementBand = (6, 7), MinAgreement = 0.7, RequireEveryGroup = true, MinGroupSize = 3,
        };
        _aggregate = NewAggregate(criteria);
        _responses = new Response[Answers];
        for (int i = 0; i < Answers; i++)
        {
            _responses[i] = new Response($"p{i:00000}", Groups[i % Groups.Length], Draw(_random));
            _aggregate.Add(_responses[i].Group, _responses[i].Value);
        }
        _input = new ItemInput
        {
            Kind = Kind,
            Scale = Kind == ItemKind.Rating ? new RatingScale(1, 7) : null,
            Responses = _responses,
            Criteria = criteria,
        };
    }

    [Benchmark(Baseline = true, Description = "full recompute")]
    public ItemAnalysis FullRecompute()
    {
        int i = _random.Next(_responses.Length);
        _responses[i] = _responses[i] with { Value = Draw(_random) };
        return Analyzer.Analyze(_input);
    }

    [Benchmark(Description = "incremental")]
    public ItemAnalysis Incremental()
    {
        int i = _random.Next(_responses.Length);
        var old = _responses[i];
        var revised = old with { Value = Draw(_random) };
        _aggregate.Remove(old.Group, old.Value);
        _aggregate.Add(revised.Group, revised.Value);
        _responses[i] = revised;
        return _aggregate.Analysis();
    }
}

/// <summary>A 7-point rating item: counts per category.</summary>
[MemoryDiagnoser]
public class RatingRevision : RevisionBenchmark
{
    protected override ItemKind Kind => ItemKind.Rating;

    protected override IItemAggregate NewAggregate(ConsensusCriteria criteria) => new RatingAggregate(new RatingScale(1, 7), 7, criteria);

    protected override double Draw(Random random) => Math.Clamp(5 + random.Next(-3, 3), 1, 7);
}

/// <summary>A numeric item (a share in %): order-statistic trees and running moments.</summary>
[MemoryDiagnoser]
public class NumericRevision : RevisionBenchmark
{
    protected override ItemKind Kind => ItemKind.Numeric;

    protected override IItemAggregate NewAggregate(ConsensusCriteria criteria) => new NumericAggregate(7, criteria);

    protected override double Draw(Random random) => Math.Round(40 + 20 * random.NextDouble() + 10 * random.NextDouble(), 1);
}
