namespace DelphiRounds.Kernel;

/// <summary>
/// A subscriber to an event that a lower feature announces (<c>AnswerAccepted</c>, <c>RoundOpened</c>, …). The
/// feature that owns the event knows nothing of its subscribers: they are registered in composition
/// (<c>services.AddSingleton&lt;IEventHandler&lt;RoundClosed&gt;, …&gt;()</c>), and the announcing feature runs
/// them in registration order, awaiting each.
/// </summary>
public interface IEventHandler<in TEvent>
{
    Task HandleAsync(TEvent e);
}

public static class Events
{
    /// <summary>Runs every handler of <paramref name="e"/> in registration order; an exception stops the rest and reaches the announcer.</summary>
    public static async Task AnnounceAsync<TEvent>(this IEnumerable<IEventHandler<TEvent>> handlers, TEvent e)
    {
        foreach (var handler in handlers) await handler.HandleAsync(e);
    }
}
