using DelphiRounds.Consensus;

namespace DelphiRounds.Consensus.Tests;

/// <summary>Properties that must hold for any answers; each test draws many samples from a fixed seed.</summary>
public class PropertyTests
{
    private const int Samples = 300;

    private static double[] RatingSample(Random random, int points, int maxN = 40)
    {
        int n = random.Next(1, maxN + 1);
        // A random lean, so some samples pile up on a few categories and others spread out.
        int centre = random.Next(1, points + 1);
        int spread = random.Next(0, points);
        return Enumerable.Range(0, n).Select(_ => (double)Math.Clamp(centre + random.Next(-spread, spread + 1), 1, points)).ToArray();
    }

    private static double[] NumericSample(Random random, int maxN = 40)
    {
        int n = random.Next(1, maxN + 1);
        double scale = Math.Pow(10, random.Next(-2, 4));
        double offset = random.Next(-100, 100) * scale;
        // Rounded to a grid now and then, so ties are common as in real answers.
        bool grid = random.Next(2) == 0;
        return Enumerable.Range(0, n).Select(_ =>
        {
            double x = offset + random.NextDouble() * scale * 10;
            return grid ? Math.Round(x / scale) * scale : x;
        }).ToArray();
    }

    [Fact]
    public void Results_do_not_depend_on_the_order_of_the_answers()
    {
        var random = new Random(20260101);
        string[] groups = ["housing", "grid-operators", "residents"];
        for (int sample = 0; sample < Samples; sample++)
        {
            var values = RatingSample(random, 7);
            var responses = values.Select((v, i) => new Response($"p{i}", groups[random.Next(groups.Length)], v)).ToList();
            var previous = responses.Where(_ => random.Next(3) > 0)
                .Select(r => r with { Value = Math.Clamp(r.Value + random.Next(-1, 2), 1, 7) }).ToList();
            var input = new ItemInput
            {
                Kind = ItemKind.Rating,
                Scale = Build.SevenPoint,
                QuantileMethod = random.Next(1, 10),
                Responses = responses,
                PreviousRound = previous,
                Criteria = new ConsensusCriteria { MaxIqr = 1, AgreementBand = (5, 7), MinAgreement = 0.6, MaxChangedFraction = 0.2, RequireEveryGroup = true, MinGroupSize = 2 },
            };
            var shuffled = input with
            {
                Responses = responses.OrderBy(_ => random.Next()).ToList(),
                PreviousRound = previous.OrderBy(_ => random.Next()).ToList(),
            };
            Check.Same(Analyzer.Analyze(input), Analyzer.Analyze(shuffled), $"sample {sample}: ");
        }
    }

    [Fact]
    public void Numeric_results_do_not_depend_on_the_order_of_the_answers()
    {
        var random = new Random(7);
        for (int sample = 0; sample < Samples; sample++)
        {
            var input = Build.Numeric(NumericSample(random)) with { QuantileMethod = random.Next(1, 10) };
            var shuffled = input with { Responses = input.Responses.OrderBy(_ => random.Next()).ToList() };
            Check.Same(Analyzer.Analyze(input), Analyzer.Analyze(shuffled), $"sample {sample}: ");
        }
    }

    /// <summary>
    /// For p = ½ every one of the nine types picks, or interpolates between, the order statistics that
    /// sit next to the middle, and moving from n to n + 1 answers shifts that position by half a place.
    /// An extra answer equal to the median lands exactly there, so it becomes the order statistic (or both
    /// neighbours) the new median reads. This holds for every type and both parities of n, for numeric
    /// items. On a rating item the extra participant must answer a point of the scale, so it holds only
    /// when the median is a whole number: with an even panel the median can be 4.5, which nobody can answer.
    /// It holds bit for bit for types 1–7 and 9 (their positions are dyadic fractions); type 8 computes its
    /// position with 1/3 and, exactly as in R, may move the median by an ulp or two.
    /// </summary>
    [Fact]
    public void Adding_an_answer_equal_to_the_median_leaves_the_median_unchanged()
    {
        var random = new Random(42);
        for (int sample = 0; sample < Samples; sample++)
        {
            var values = NumericSample(random);
            for (int type = 1; type <= 9; type++)
            {
                var input = Build.Numeric(values) with { QuantileMethod = type };
                double median = Analyzer.Analyze(input).Overall.Median!.Value;
                var extended = Build.Numeric([.. values, median]) with { QuantileMethod = type };
                var after = Analyzer.Analyze(extended).Overall.Median;
                // Type 8's plotting position uses 1/3, so R's nppm = 1/3 + ½(n + ⅓) can land an ulp of n
                // below a whole number, more than R's fuzz (4ε) absorbs: the median then moves by rounding only.
                if (type == 8) Check.Near(median, after, 1e-12, $"type 8, n {values.Length}");
                else Assert.True(median == after, $"type {type}, n {values.Length}: {median:R} -> {after:R}");
            }
        }
    }

    [Fact]
    public void Adding_a_rating_equal_to_a_whole_median_leaves_the_median_unchanged()
    {
        var random = new Random(43);
        int checkedSamples = 0;
        for (int sample = 0; sample < Samples; sample++)
        {
            var values = RatingSample(random, 7);
            for (int type = 1; type <= 9; type++)
            {
                var input = Build.Rating(values) with { QuantileMethod = type };
                double median = Analyzer.Analyze(input).Overall.Median!.Value;
                if (median != Math.Floor(median)) continue;
                checkedSamples++;
                var extended = Build.Rating([.. values, median]) with { QuantileMethod = type };
                Assert.Equal(median, Analyzer.Analyze(extended).Overall.Median);
            }
        }
        Assert.True(checkedSamples > Samples, "enough samples had a whole median");
    }

    [Fact]
    public void Mirroring_the_scale_keeps_spread_and_agreement()
    {
        var random = new Random(11);
        for (int sample = 0; sample < Samples; sample++)
        {
            int points = random.Next(3, 11);
            var scale = new RatingScale(1, points);
            var values = RatingSample(random, points);
            var mirrored = values.Select(v => points + 1 - v).ToArray();
            var a = Analyzer.Analyze(Build.Rating(scale, values)).Overall;
            var b = Analyzer.Analyze(Build.Rating(scale, mirrored)).Overall;
            Check.Same(a.Sd, b.Sd, "sd");
            Check.Same(a.TastleWierman, b.TastleWierman, "Tastle–Wierman");
            Check.Same(a.VanDerEijkA, b.VanDerEijkA, "A");
            Check.Same(a.BimodalityCoefficient, b.BimodalityCoefficient, "bimodality");
            Check.Same(points + 1 - a.Median!.Value, b.Median, "median");
        }
    }

    [Fact]
    public void Agreement_measures_stay_within_their_ranges()
    {
        var random = new Random(12);
        for (int sample = 0; sample < Samples; sample++)
        {
            int points = random.Next(3, 12);
            var overall = Analyzer.Analyze(Build.Rating(new RatingScale(1, points), RatingSample(random, points))).Overall;
            Assert.InRange(overall.TastleWierman!.Value, -1e-12, 1 + 1e-12);
            Assert.InRange(overall.VanDerEijkA!.Value, -1 - 1e-12, 1 + 1e-12);
            Assert.InRange(overall.Q1!.Value, overall.Min!.Value, overall.Median!.Value);
            Assert.InRange(overall.Q3!.Value, overall.Median!.Value, overall.Max!.Value);
            Assert.Equal(overall.N, overall.Distribution!.Values.Sum());
        }
    }

    [Fact]
    public void Shifting_numeric_answers_shifts_location_and_keeps_spread()
    {
        var random = new Random(13);
        for (int sample = 0; sample < Samples; sample++)
        {
            var values = NumericSample(random);
            double shift = random.Next(-1000, 1000);
            var a = Analyzer.Analyze(Build.Numeric(values)).Overall;
            var b = Analyzer.Analyze(Build.Numeric(values.Select(v => v + shift).ToArray())).Overall;
            // Loose tolerance: adding the shift itself rounds each answer.
            double tolerance = 1e-9 * (1 + Math.Abs(shift) / Math.Max(1e-300, a.Sd ?? 1));
            Check.Near(a.Mean!.Value + shift, b.Mean, 1e-9, "mean");
            Check.Near(a.Median!.Value + shift, b.Median, 1e-9, "median");
            if (a.Sd is { } sd && sd > 0) Check.Near(sd, b.Sd, tolerance, "sd");
        }
    }
}
