namespace DelphiRounds.Consensus;

/// <summary>Agreement measures for ordered categories, computed from the count per category.</summary>
internal static class Agreement
{
    /// <summary>
    /// Tastle &amp; Wierman (2007): <c>1 + Σ p_i log2(1 − |i − μ| / (K − 1))</c> over the categories with
    /// answers, μ the mean position (0-based). The width is the scale's, not the observed range.
    /// </summary>
    public static double TastleWierman(ReadOnlySpan<int> counts, int n, double meanPosition)
    {
        if (n == 0) return double.NaN;
        double width = counts.Length - 1;
        double sum = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0) continue;
            // agrmt::consensus defines one occupied category as 1; the formula gives 1 there as well,
            // except when that category is an end of the scale and rounding leaves log2 of almost 0.
            if (counts[i] == n) return 1;
            double p = (double)counts[i] / n;
            sum += p * Math.Log2(1 - Math.Abs(i - meanPosition) / width);
        }
        return 1 + sum;
    }

    /// <summary>
    /// Van der Eijk's (2001) agreement A as <c>agrmt::agreement</c> computes it: peel the frequency vector
    /// into layers of equal height (each time taking the smallest non-zero count off every occupied
    /// category), score each layer's pattern of occupied categories, and weight each layer by its share
    /// of the answers. Empty categories count: they shape the patterns.
    /// </summary>
    public static double VanDerEijk(ReadOnlySpan<int> counts)
    {
        int k = counts.Length;
        if (k < 3) return double.NaN;
        long total = 0;
        foreach (var c in counts) total += c;
        if (total == 0) return double.NaN;

        Span<int> remainder = k <= 256 ? stackalloc int[k] : new int[k];
        counts.CopyTo(remainder);
        double a = 0;
        for (int layer = 0; layer < k; layer++)
        {
            int height = int.MaxValue;
            int occupied = 0;
            foreach (var r in remainder)
            {
                if (r <= 0) continue;
                occupied++;
                if (r < height) height = r;
            }
            if (occupied == 0) break;

            double layerA = PatternAgreement(remainder, occupied);
            double weight = (double)((long)height * occupied) / total;
            a += weight * layerA;
            for (int i = 0; i < k; i++)
            {
                if (remainder[i] > 0) remainder[i] -= height;
            }
        }
        return a;
    }

    /// <summary>
    /// Agreement of one layer: U from the counts of unimodal (110, 011) and bimodal (101) triples of
    /// categories, then <c>A = U (1 − (S − 1)/(K − 1))</c> with S occupied categories.
    /// </summary>
    private static double PatternAgreement(ReadOnlySpan<int> layer, int occupied)
    {
        if (occupied == 1) return 1;
        int k = layer.Length;
        // Triples i < j < m counted through their middle category j in one pass instead of K³ loops.
        long tu = 0;
        long tdu = 0;
        long onesLeft = 0;
        for (int j = 0; j < k; j++)
        {
            bool on = layer[j] > 0;
            long onesRight = occupied - onesLeft - (on ? 1 : 0);
            long zerosLeft = j - onesLeft;
            long zerosRight = (k - 1 - j) - onesRight;
            if (on) tu += onesLeft * zerosRight + zerosLeft * onesRight;
            else tdu += onesLeft * onesRight;
            if (on) onesLeft++;
        }
        // With every category occupied there are no such triples: U is 0/0, which agrmt defines as A = 0.
        if (tu + tdu == 0) return 0;
        double u = ((double)(k - 2) * tu - (double)(k - 1) * tdu) / ((double)(k - 2) * (tu + tdu));
        return u * (1 - (occupied - 1) / (double)(k - 1));
    }
}
