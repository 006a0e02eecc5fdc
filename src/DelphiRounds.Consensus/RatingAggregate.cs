namespace DelphiRounds.Consensus;

/// <summary>
/// The live aggregate of one item: answers come and go one at a time (a revision is
/// <see cref="Remove"/> of the old answer and <see cref="Add"/> of the new one) and
/// <see cref="Analysis"/> gives what <see cref="Analyzer.Analyze"/> would give on the current answers,
/// without the answers being read back. Not thread-safe: the caller serialises access (the web host
/// holds one lock per round).
/// </summary>
public interface IItemAggregate
{
    /// <summary>Counts one answer, for the whole panel and for <paramref name="group"/> (null: no group).</summary>
    void Add(string? group, double value);

    /// <summary>Takes back one answer previously added with the same group and value.</summary>
    /// <exception cref="InvalidOperationException">No such answer is counted.</exception>
    void Remove(string? group, double value);

    /// <summary>The statistics of the current answers (no stability; consensus judged without it).</summary>
    ItemAnalysis Analysis();

    /// <summary>Number of answers currently counted.</summary>
    int Count { get; }
}

/// <summary>
/// Incremental aggregate of a rating item: a count per category for the panel and for each group.
/// Add and Remove are O(1); <see cref="Analysis"/> is O(categories × groups) (agreement A peels at most
/// one layer per distinct count, so it adds a factor bounded by the categories on tiny scales).
/// </summary>
public sealed class RatingAggregate : IItemAggregate
{
    private readonly Counts _overall;
    private readonly Dictionary<string, Counts> _groups = new(StringComparer.Ordinal);

    /// <param name="scale">The item's scale; at least 3 categories, at most <see cref="Analyzer.MaxCategories"/>.</param>
    /// <param name="quantileMethod">Hyndman–Fan type 1–9.</param>
    /// <param name="criteria">Consensus criteria judged on every analysis; null for none.</param>
    public RatingAggregate(RatingScale scale, int quantileMethod, ConsensusCriteria? criteria)
    {
        ArgumentNullException.ThrowIfNull(scale);
        if (scale.Min > scale.Max || scale.Categories < 3 || scale.Categories > Analyzer.MaxCategories)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"A rating scale has 3 to {Analyzer.MaxCategories} categories.");
        }
        if (!Quantiles.IsMethod(quantileMethod)) throw new ArgumentOutOfRangeException(nameof(quantileMethod), quantileMethod, "Quantile methods are 1 to 9.");
        if (criteria?.MinAgreement is not null && criteria.AgreementBand is null)
        {
            throw new ArgumentException("MinAgreement needs an AgreementBand.", nameof(criteria));
        }
        Scale = scale;
        QuantileMethod = quantileMethod;
        Criteria = criteria;
        _overall = new Counts(scale.Categories);
    }

    /// <summary>The item's scale.</summary>
    public RatingScale Scale { get; }

    /// <summary>Hyndman–Fan type used for median and quartiles.</summary>
    public int QuantileMethod { get; }

    /// <summary>The criteria judged on every analysis, if any.</summary>
    public ConsensusCriteria? Criteria { get; }

    /// <inheritdoc />
    public int Count => _overall.N;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The value is not a point of the scale.</exception>
    public void Add(string? group, double value)
    {
        int index = Index(value);
        _overall.Add(index);
        if (group is null) return;
        if (!_groups.TryGetValue(group, out var counts)) _groups.Add(group, counts = new Counts(Scale.Categories));
        counts.Add(index);
    }

    /// <inheritdoc />
    public void Remove(string? group, double value)
    {
        int index = Index(value);
        Counts? counts = null;
        if (group is not null && (!_groups.TryGetValue(group, out counts) || counts.Of(index) == 0))
        {
            throw new InvalidOperationException($"No answer {Analyzer.Show(value)} in group '{group}' to remove.");
        }
        if (_overall.Of(index) == 0) throw new InvalidOperationException($"No answer {Analyzer.Show(value)} to remove.");
        _overall.Remove(index);
        counts?.Remove(index);
        // An empty group drops out, exactly as a group without answers is absent from the full analysis.
        if (counts is { N: 0 }) _groups.Remove(group!);
    }

    /// <inheritdoc />
    public ItemAnalysis Analysis()
    {
        var band = Criteria?.AgreementBand;
        var overall = _overall.Statistics(Scale, QuantileMethod, band);
        var groups = new Dictionary<string, Statistics>(_groups.Count, StringComparer.Ordinal);
        foreach (var group in _groups.Keys.Order(StringComparer.Ordinal)) groups.Add(group, _groups[group].Statistics(Scale, QuantileMethod, band));
        return new ItemAnalysis
        {
            Kind = ItemKind.Rating,
            QuantileMethod = QuantileMethod,
            Overall = overall,
            Groups = groups,
            Consensus = Criteria is null ? null : ConsensusJudge.Judge(overall, groups, null, Criteria),
            AgreementBand = band,
        };
    }

    private int Index(double value)
    {
        if (!double.IsFinite(value) || value != Math.Floor(value) || value < Scale.Min || value > Scale.Max)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"A rating is a point of the scale {Scale.Min}..{Scale.Max}.");
        }
        return (int)value - Scale.Min;
    }

    private sealed class Counts(int categories)
    {
        private readonly int[] _counts = new int[categories];

        public int N { get; private set; }

        public int Of(int index) => _counts[index];

        public void Add(int index)
        {
            _counts[index]++;
            N++;
        }

        public void Remove(int index)
        {
            _counts[index]--;
            N--;
        }

        public Statistics Statistics(RatingScale scale, int method, (double Low, double High)? band)
        {
            if (N == 0) return Describe.Empty(scale);
            // Read in place: everything below copies what it keeps (the distribution, A's layers).
            var counts = _counts;

            // Integer sum: the mean is one correctly rounded division.
            long sum = 0;
            int first = -1, last = -1;
            for (int i = 0; i < counts.Length; i++)
            {
                if (counts[i] == 0) continue;
                sum += (long)counts[i] * (scale.Min + i);
                if (first < 0) first = i;
                last = i;
            }
            double mean = (double)sum / N;
            CompensatedSum c2 = default, c3 = default, c4 = default;
            for (int i = first; i <= last; i++)
            {
                if (counts[i] == 0) continue;
                double d = scale.Min + i - mean;
                double d2 = d * d;
                c2.Add(counts[i] * d2);
                c3.Add(counts[i] * d2 * d);
                c4.Add(counts[i] * d2 * d2);
            }

            int? inBand = null;
            if (band is { } b)
            {
                int k = 0;
                for (int i = first; i <= last; i++)
                {
                    double x = scale.Min + i;
                    if (x >= b.Low && x <= b.High) k += counts[i];
                }
                inBand = k;
            }

            // The k-th answer by a scan of the counts: O(categories), a handful of calls per analysis.
            double Kth(int k)
            {
                for (int i = first; ; i++)
                {
                    k -= counts[i];
                    if (k <= 0) return scale.Min + i;
                }
            }

            var summary = new Summary(N, mean, c2.Value, c3.Value, c4.Value, scale.Min + first, scale.Min + last, Kth);
            return Describe.From(summary, method, scale, counts, inBand);
        }
    }
}
