using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>
/// The live aggregates against the full computation: thousands of answers, revisions, withdrawals and
/// group moves, compared field by field with <see cref="Analyzer.Analyze"/> on the current answers.
/// </summary>
public class AggregateTests
{
    private static readonly string[] Groups = ["grid-operators", "housing", "residents", "municipality", "port-industry", "energy-producers"];

    /// <summary>The answers as the web app would hold them: one current answer per participant.</summary>
    private sealed class Panel(IItemAggregate aggregate, Func<IReadOnlyList<Response>, ItemInput> input)
    {
        private readonly Dictionary<string, Response> _current = [];
        private int _next;

        public int Count => _current.Count;

        public void Answer(string? group, double value)
        {
            var response = new Response($"p{_next++}", group, value);
            _current.Add(response.Participant, response);
            aggregate.Add(group, value);
        }

        public void Revise(Random random, string? group, double value)
        {
            var old = _current.Values.ElementAt(random.Next(_current.Count));
            // Mostly a new answer in the same group; now and then the participant's group changes too.
            if (random.Next(5) > 0) group = old.Group;
            aggregate.Remove(old.Group, old.Value);
            aggregate.Add(group, value);
            _current[old.Participant] = old with { Group = group, Value = value };
        }

        public void Withdraw(Random random)
        {
            var old = _current.Values.ElementAt(random.Next(_current.Count));
            aggregate.Remove(old.Group, old.Value);
            _current.Remove(old.Participant);
        }

        public void Compare(string context)
        {
            Assert.Equal(_current.Count, aggregate.Count);
            var expected = Analyzer.Analyze(input(_current.Values.ToList()));
            Check.Same(expected, aggregate.Analysis(), context);
        }
    }

    private static void Play(Random random, Panel panel, Func<double> draw, int steps, int checkEvery, Action<int>? phase = null)
    {
        for (int step = 1; step <= steps; step++)
        {
            phase?.Invoke(step);
            string? group = random.Next(8) == 0 ? null : Groups[random.Next(Groups.Length)];
            int roll = random.Next(10);
            if (panel.Count < 3 || roll < 4) panel.Answer(group, draw());
            else if (roll < 9) panel.Revise(random, group, draw());
            else panel.Withdraw(random);
            if (step % checkEvery == 0) panel.Compare($"step {step}: ");
        }
        panel.Compare("end: ");
    }

    [Theory]
    [InlineData(7, 1, 1)]
    [InlineData(7, 2, 2)]
    [InlineData(7, 3, 3)]
    [InlineData(5, 4, 4)]
    [InlineData(7, 5, 5)]
    [InlineData(11, 6, 6)]
    [InlineData(7, 7, 7)]
    [InlineData(10, 8, 8)]
    [InlineData(3, 9, 9)]
    public void Rating_aggregate_matches_the_full_computation_through_thousands_of_revisions(int points, int method, int seed)
    {
        var random = new Random(seed);
        var scale = new RatingScale(1, points);
        var criteria = new ConsensusCriteria
        {
            MaxIqr = 1, AgreementBand = (points - 1, points), MinAgreement = 0.6, RequireEveryGroup = true, MinGroupSize = 3,
        };
        var aggregate = new RatingAggregate(scale, method, criteria);
        var panel = new Panel(aggregate, responses => new ItemInput
        {
            Kind = ItemKind.Rating, Scale = scale, QuantileMethod = method, Responses = responses, Criteria = criteria,
        });
        // The panel's opinion drifts and narrows, as in a real Delphi round.
        int centre = random.Next(1, points + 1);
        int spread = points;
        double Draw() => Math.Clamp(centre + random.Next(-spread, spread + 1), 1, points);
        Play(random, panel, Draw, steps: 4000, checkEvery: 37, phase: step =>
        {
            if (step % 500 == 0) (centre, spread) = (random.Next(1, points + 1), random.Next(0, points));
        });
    }

    [Theory]
    [InlineData(1, 11)]
    [InlineData(2, 12)]
    [InlineData(3, 13)]
    [InlineData(4, 14)]
    [InlineData(5, 15)]
    [InlineData(6, 16)]
    [InlineData(7, 17)]
    [InlineData(8, 18)]
    [InlineData(9, 19)]
    public void Numeric_aggregate_matches_the_full_computation_through_thousands_of_revisions(int method, int seed)
    {
        var random = new Random(seed);
        var criteria = new ConsensusCriteria { MaxIqr = 5, AgreementBand = (40, 60), MinAgreement = 0.5, RequireEveryGroup = true, MinGroupSize = 2 };
        var aggregate = new NumericAggregate(method, criteria);
        var panel = new Panel(aggregate, responses => new ItemInput
        {
            Kind = ItemKind.Numeric, QuantileMethod = method, Responses = responses, Criteria = criteria,
        });

        // Phases: percentages with ties, a far-away cluster (the mean moves by many sds: re-centring),
        // tiny spread on a large offset, an identical-answer stretch, and heavy tails.
        double centre = 50, spread = 15;
        int style = 0;
        double Draw() => style switch
        {
            0 => Math.Round(centre + spread * Gaussian(random)),
            1 => centre + spread * Gaussian(random),
            2 => 1e6 + 1e-3 * Gaussian(random),
            3 => 42,
            _ => centre + spread * Math.Tan(Math.PI * (random.NextDouble() - 0.5)) / 10,
        };
        Play(random, panel, Draw, steps: 5000, checkEvery: 41, phase: step =>
        {
            if (step % 600 == 0)
            {
                style = (style + 1) % 5;
                centre = random.Next(-1000, 1000);
                spread = Math.Pow(10, random.Next(-1, 3));
            }
        });
    }

    [Fact]
    public void Numeric_aggregate_stays_exact_when_the_panel_converges_on_one_answer()
    {
        var aggregate = new NumericAggregate(7, null);
        var values = new List<double>();
        var random = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            double v = random.NextDouble() * 1000;
            values.Add(v);
            aggregate.Add(null, v);
        }
        // Everyone revises to 0.1: the spread must be exactly zero, not rounding noise.
        foreach (var v in values)
        {
            aggregate.Remove(null, v);
            aggregate.Add(null, 0.1);
        }
        var overall = aggregate.Analysis().Overall;
        Assert.Equal(0.1, overall.Mean);
        Assert.Equal(0, overall.Sd);
        Assert.Equal(0, overall.Cv);
        Assert.Null(overall.BimodalityCoefficient);
    }

    [Fact]
    public void Revision_is_a_removal_and_an_addition()
    {
        var aggregate = new RatingAggregate(Build.SevenPoint, 7, null);
        aggregate.Add("housing", 3);
        aggregate.Add("housing", 5);
        aggregate.Remove("housing", 3);
        aggregate.Add("housing", 6);
        var analysis = aggregate.Analysis();
        Assert.Equal(2, aggregate.Count);
        Assert.Equal(5.5, analysis.Overall.Median);
        Assert.Equal(0, analysis.Overall.Distribution![3]);
    }

    [Fact]
    public void A_group_whose_last_answer_leaves_disappears()
    {
        var aggregate = new NumericAggregate(7, null);
        aggregate.Add("port-industry", 12.5);
        aggregate.Add("residents", 40);
        aggregate.Remove("port-industry", 12.5);
        Assert.Equal(["residents"], aggregate.Analysis().Groups.Keys);
    }

    [Fact]
    public void An_empty_aggregate_gives_null_figures()
    {
        var rating = new RatingAggregate(new RatingScale(1, 5), 7, new ConsensusCriteria { MaxIqr = 1 }).Analysis();
        Assert.Equal(0, rating.Overall.N);
        Assert.Null(rating.Overall.Median);
        Assert.Equal(5, rating.Overall.Distribution!.Count);
        Assert.False(rating.Consensus!.Reached);
        Assert.Null(new NumericAggregate(7, null).Analysis().Overall.Mean);
    }

    [Fact]
    public void Removing_an_answer_that_is_not_there_is_refused()
    {
        var rating = new RatingAggregate(Build.SevenPoint, 7, null);
        rating.Add("housing", 4);
        Assert.Throws<InvalidOperationException>(() => rating.Remove("housing", 5));
        Assert.Throws<InvalidOperationException>(() => rating.Remove("residents", 4));
        var numeric = new NumericAggregate(7, null);
        numeric.Add(null, 4);
        Assert.Throws<InvalidOperationException>(() => numeric.Remove(null, 4.5));
        // A refused removal changes nothing.
        Assert.Equal(1, rating.Count);
        Assert.Equal(1, numeric.Count);
    }

    [Fact]
    public void Answers_off_the_scale_are_refused()
    {
        var rating = new RatingAggregate(Build.SevenPoint, 7, null);
        Assert.Throws<ArgumentOutOfRangeException>(() => rating.Add(null, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => rating.Add(null, 2.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumericAggregate(7, null).Add(null, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RatingAggregate(new RatingScale(1, 2), 7, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumericAggregate(0, null));
    }

    [Fact]
    public void Order_statistic_tree_agrees_with_a_sorted_list()
    {
        var random = new Random(99);
        var tree = new OrderStatisticTree();
        var list = new List<double>();
        for (int step = 0; step < 20000; step++)
        {
            if (list.Count == 0 || random.Next(3) > 0)
            {
                double v = random.Next(0, 200) / 4.0;
                tree.Add(v);
                int at = list.BinarySearch(v);
                list.Insert(at < 0 ? ~at : at, v);
            }
            else
            {
                double v = list[random.Next(list.Count)];
                Assert.True(tree.Remove(v));
                list.Remove(v);
            }
            Assert.Equal(list.Count, tree.Count);
            if (step % 97 == 0 && list.Count > 0)
            {
                for (int k = 1; k <= list.Count; k += 1 + list.Count / 50) Assert.Equal(list[k - 1], tree.Kth(k));
                double probe = random.Next(0, 200) / 4.0;
                Assert.Equal(list.Count(x => x <= probe), tree.CountAtMost(probe));
                Assert.Equal(list.Count(x => x < probe), tree.CountBelow(probe));
            }
        }
        Assert.False(tree.Remove(-1));
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller: enough for test data.
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
