using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DelphiRounds.CrashTests;

/// <summary>An answer the server acknowledged with 201: it must survive anything.</summary>
public sealed record AckedAnswer(long Id, long ParticipantId, long ItemId, int Revision, double Value, string Key);

/// <summary>An answer sent whose response never came (the server died): it may or may not be stored, but at most once.</summary>
/// <summary>A request that got no acknowledgement: everything it sent, so that its retry is the same request.</summary>
public sealed record InFlightAnswer(string Token, long ParticipantId, long RoundId, long ItemId, double Value, string Rationale, string Key);

/// <summary>
/// Several concurrent clients answering as fast as the server acknowledges, each client with its own
/// participants (so each participant's revisions are sequential), every request with a fresh
/// idempotency key. Records every 201 and every request that got no response.
/// </summary>
public sealed class AnswerLoad(Uri address, CrashStudy study, int clients)
{
    public ConcurrentQueue<AckedAnswer> Acked { get; } = new();
    public ConcurrentQueue<InFlightAnswer> InFlight { get; } = new();
    /// <summary>Refusals after the round closed (409), per client.</summary>
    public int RefusedClosed => _refusedClosed;
    public ConcurrentQueue<string> Unexpected { get; } = new();

    /// <summary>Fails when a request got a status other than 201 or 409, with the first few and what the server logged.</summary>
    public void AssertNoneUnexpected(ServerProcess server)
    {
        if (Unexpected.IsEmpty) return;
        Assert.Fail($"{Unexpected.Count} answer(s) got an unexpected status:\n" + string.Join('\n', Unexpected.Take(3)) + "\n" + server.LogTail());
    }
    private int _refusedClosed;

    /// <summary>Runs until <paramref name="stop"/> fires or the server stops answering; each client stops at its first failure.</summary>
    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c, stop))));

    private async Task ClientAsync(int client, CancellationToken stop)
    {
        var mine = study.Participants.Where((_, i) => i % clients == client).ToList();
        var random = new Random(client * 7919 + 17);
        var http = mine.ToDictionary(p => p.Id, p => Api.Client(address, p.Token, TimeSpan.FromSeconds(20)));
        try
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var (participantId, token) = mine[n % mine.Count];
                var itemId = study.ItemIds[random.Next(study.ItemIds.Count)];
                var value = (double)random.Next(1, 6);
                var key = $"load-{client}-{n}-{Guid.NewGuid():N}";
                var rationale = $"antwoord {n}";
                HttpResponseMessage response;
                try
                {
                    response = await http[participantId].PostAsJsonAsync($"/api/v1/rounds/{study.RoundId}/answers",
                        new { itemId, value, rationale, idempotencyKey = key }, Api.Web, CancellationToken.None);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    InFlight.Enqueue(new InFlightAnswer(token, participantId, study.RoundId, itemId, value, rationale, key));
                    return;
                }
                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        var body = await ReadAsync(response);
                        if (body is null)
                        {
                            // The 201 arrived but its body did not: not acknowledged as far as this client knows.
                            InFlight.Enqueue(new InFlightAnswer(token, participantId, study.RoundId, itemId, value, rationale, key));
                            return;
                        }
                        var a = body.Value;
                        Acked.Enqueue(new AckedAnswer(a.GetProperty("id").GetInt64(), participantId, a.GetProperty("itemId").GetInt64(),
                            a.GetProperty("revision").GetInt32(), a.GetProperty("value").GetDouble(), key));
                    }
                    else if (response.StatusCode == HttpStatusCode.Conflict) Interlocked.Increment(ref _refusedClosed);
                    else Unexpected.Enqueue($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        finally
        {
            foreach (var c in http.Values) c.Dispose();
        }
    }

    private static async Task<JsonElement?> ReadAsync(HttpResponseMessage response)
    {
        try
        {
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or TaskCanceledException)
        {
            return null;
        }
    }
}
