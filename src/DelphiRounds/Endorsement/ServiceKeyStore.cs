using System.Text.Json.Nodes;
using Dapper;
using DelphiRounds.Data;

namespace DelphiRounds.Endorsement;

/// <summary>One of the service's keys, as published in every ledger's <c>keys</c> (oldest first).</summary>
public sealed record ServiceKey
{
    public string Fingerprint { get; init; } = "";
    public int Position { get; init; }
    /// <summary>SubjectPublicKeyInfo (DER), base64.</summary>
    public string Spki { get; init; } = "";
    /// <summary>The key that introduced this one; null for the first (root) key.</summary>
    public string? PreviousFingerprint { get; init; }
    /// <summary>When it was introduced (UTC, <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>).</summary>
    public string IntroducedAt { get; init; } = "";
    /// <summary>The previous key's signature on <see cref="LedgerFormat.RotationPayload"/>; null for the root.</summary>
    public string? RotationSignature { get; init; }

    /// <summary>As published in a ledger's <c>keys</c>.</summary>
    public JsonObject ToJson()
    {
        var json = EndorsementService.KeyJson(Spki);
        json["introducedAt"] = IntroducedAt;
        json["previous"] = PreviousFingerprint;
        json["rotationSignature"] = RotationSignature;
        return json;
    }
}

/// <summary>
/// The service's keys that sign ledger heads, in the order they were introduced (issue 19, key rotation). The first
/// is registered when a ledger is first published; each next one by <c>delphi key rotate</c>, signed by the one before.
/// </summary>
public sealed class ServiceKeyStore(Database db)
{
    private const string Columns = "fingerprint, position, spki, previous_fingerprint, introduced_at, rotation_signature";

    public async Task<IReadOnlyList<ServiceKey>> ListAsync() =>
        (await db.ReadAsync(c => c.QueryAsync<ServiceKey>($"SELECT {Columns} FROM service_keys ORDER BY position"))).AsList();

    /// <summary>Registers <paramref name="key"/> as the root key when no key is registered yet; the keys after.</summary>
    public async Task<IReadOnlyList<ServiceKey>> EnsureRootAsync(ServiceKey key)
    {
        var keys = await ListAsync();
        if (keys.Count > 0) return keys;
        await db.WriteAsync((c, tx) => c.ExecuteAsync(
            $"""
            INSERT INTO service_keys ({Columns})
            SELECT @Fingerprint, 1, @Spki, NULL, @IntroducedAt, NULL
            WHERE NOT EXISTS (SELECT 1 FROM service_keys)
            """, key, tx));
        return await ListAsync();
    }

    /// <summary>Appends a key that the last registered key introduced; false when <paramref name="key"/>'s previous is not the last key.</summary>
    public Task<bool> AppendAsync(ServiceKey key) =>
        db.WriteAsync(async (c, tx) =>
        {
            var last = await c.QueryFirstOrDefaultAsync<ServiceKey>($"SELECT {Columns} FROM service_keys ORDER BY position DESC LIMIT 1", transaction: tx);
            if (last is null || last.Fingerprint != key.PreviousFingerprint) return false;
            await c.ExecuteAsync($"INSERT INTO service_keys ({Columns}) VALUES (@Fingerprint, @Position, @Spki, @PreviousFingerprint, @IntroducedAt, @RotationSignature)",
                key with { Position = last.Position + 1 }, tx);
            return true;
        });
}
