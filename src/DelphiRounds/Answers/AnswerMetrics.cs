using System.Diagnostics.Metrics;

namespace DelphiRounds.Answers;

/// <summary>
/// The <c>DelphiRounds.Answers</c> meter: answers accepted (Prometheus: <c>delphi_answers_accepted_total</c>).
/// Counted where the answer is acknowledged, so a replayed retry is not counted twice.
/// </summary>
public sealed class AnswerMetrics
{
    public const string MeterName = "DelphiRounds.Answers";

    private readonly Counter<long> _accepted;

    public AnswerMetrics(IMeterFactory meters) =>
        _accepted = meters.Create(MeterName).CreateCounter<long>("delphi.answers.accepted", "{answer}",
            "Answers and revisions accepted (stored and acknowledged); its rate is answers per second.");

    /// <summary>An answer or revision was stored (not a replay of an idempotent retry).</summary>
    public void Accepted(string itemKind) => _accepted.Add(1, new KeyValuePair<string, object?>("kind", itemKind));
}
