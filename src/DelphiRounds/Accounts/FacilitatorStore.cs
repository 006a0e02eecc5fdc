using Dapper;
using DelphiRounds.Data;
using DelphiRounds.Kernel;
using Microsoft.AspNetCore.Identity;

namespace DelphiRounds.Accounts;

/// <summary>A facilitator's account.</summary>
public sealed record Facilitator
{
    public long Id { get; init; }
    public string Email { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string PasswordHash { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A newly created account with its password, shown once.</summary>
public sealed record NewFacilitator(Facilitator Account, string Password);

/// <summary>Facilitator accounts, passwords (ASP.NET Core's PasswordHasher) and personal API tokens.</summary>
public sealed class FacilitatorStore(Database db, TimeProvider time)
{
    private static readonly PasswordHasher<Facilitator> Hasher = new();

    public Task<Facilitator?> FindByEmailAsync(string email) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Facilitator>(
            "SELECT id, email, display_name, password_hash, created_at FROM facilitators WHERE email = @email",
            new { email = email.Trim().ToLowerInvariant() }));

    public Task<Facilitator?> FindAsync(long id) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Facilitator>(
            "SELECT id, email, display_name, password_hash, created_at FROM facilitators WHERE id = @id", new { id }));

    public Task<long> CountAsync() => db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM facilitators"));

    /// <summary>Creates an account; with no password given, a random one is generated and returned.</summary>
    public async Task<NewFacilitator> CreateAsync(string email, string displayName, string? password = null)
    {
        password ??= Secrets.NewPassword();
        email = email.Trim().ToLowerInvariant();
        var now = time.Now();
        var hash = Hasher.HashPassword(null!, password);
        var id = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            """
            INSERT INTO facilitators (email, display_name, password_hash, created_at)
            VALUES (@email, @displayName, @hash, @now) RETURNING id
            """, new { email, displayName, hash, now }, tx));
        return new NewFacilitator(new Facilitator { Id = id, Email = email, DisplayName = displayName, PasswordHash = hash, CreatedAt = now }, password);
    }

    /// <summary>The account when the password matches, else null. Rehashes when the hasher asks for it.</summary>
    public async Task<Facilitator?> CheckPasswordAsync(string email, string password)
    {
        var account = await FindByEmailAsync(email);
        if (account is null)
        {
            // Same work as a real check, so response time does not tell which e-mail addresses exist.
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return null;
        }
        var result = Hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var rehash = Hasher.HashPassword(account, password);
            await db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE facilitators SET password_hash = @rehash WHERE id = @id", new { rehash, id = account.Id }, tx));
            account = account with { PasswordHash = rehash }; // the session stamp is made from the hash now stored
        }
        return account;
    }

    /// <summary>Whether <paramref name="password"/> is this account's password (no rehash: used before a change).</summary>
    public static bool IsPassword(Facilitator account, string password) =>
        Hasher.VerifyHashedPassword(account, account.PasswordHash, password) != PasswordVerificationResult.Failed;

    /// <summary>
    /// Sets a new password (a random one when none is given) and returns the account as stored. The session
    /// stamp changes with the hash, so every login cookie made before ends on its next request. Null when the account is gone.
    /// </summary>
    public async Task<NewFacilitator?> SetPasswordAsync(Facilitator account, string? password = null)
    {
        password ??= Secrets.NewPassword();
        var hash = Hasher.HashPassword(account, password);
        var changed = await db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE facilitators SET password_hash = @hash WHERE id = @id", new { hash, id = account.Id }, tx));
        return changed == 1 ? new NewFacilitator(account with { PasswordHash = hash }, password) : null;
    }

    private static readonly string DummyHash = Hasher.HashPassword(null!, "not a real password");

    /// <summary>Creates a personal API token for scripts; the token is returned once and stored hashed.</summary>
    public async Task<string> CreateApiTokenAsync(long facilitatorId, string name)
    {
        var token = Secrets.NewToken(Secrets.FacilitatorTokenPrefix);
        var hash = Secrets.Hash(token);
        var now = time.Now();
        await db.WriteAsync((c, tx) => c.ExecuteAsync(
            "INSERT INTO api_tokens (facilitator_id, name, token_hash, created_at) VALUES (@facilitatorId, @name, @hash, @now)",
            new { facilitatorId, name, hash, now }, tx));
        return token;
    }

    /// <summary>The facilitator owning an unrevoked API token, or null.</summary>
    public Task<Facilitator?> FindByApiTokenAsync(string token) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<Facilitator>(
            """
            SELECT f.id, f.email, f.display_name, f.password_hash, f.created_at
            FROM api_tokens t JOIN facilitators f ON f.id = t.facilitator_id
            WHERE t.token_hash = @hash AND t.revoked_at IS NULL
            """, new { hash = Secrets.Hash(token) }));

    public sealed record ApiTokenInfo
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
}

    public async Task<IReadOnlyList<ApiTokenInfo>> ListApiTokensAsync(long facilitatorId) =>
        (await db.ReadAsync(c => c.QueryAsync<ApiTokenInfo>(
            "SELECT id, name, created_at, revoked_at FROM api_tokens WHERE facilitator_id = @facilitatorId ORDER BY id",
            new { facilitatorId }))).AsList();

    public Task RevokeApiTokenAsync(long facilitatorId, long tokenId) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE api_tokens SET revoked_at = @now WHERE id = @tokenId AND facilitator_id = @facilitatorId AND revoked_at IS NULL",
            new { now = time.Now(), tokenId, facilitatorId }, tx));
}
