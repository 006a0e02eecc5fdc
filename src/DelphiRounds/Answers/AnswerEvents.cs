namespace DelphiRounds.Answers;

/// <summary>
/// An answer or revision was stored durably (committed) and is about to be acknowledged; a replayed retry is
/// not announced again. <paramref name="AcceptedTimestamp"/> is the <see cref="System.Diagnostics.Stopwatch"/>
/// time of acceptance, from which the push latency is measured.
/// </summary>
public sealed record AnswerAccepted(Answer Answer, string GroupSlug, string ItemKind, long AcceptedTimestamp);
