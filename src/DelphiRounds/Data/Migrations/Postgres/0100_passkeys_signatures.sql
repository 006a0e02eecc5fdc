-- Passkeys (issue 19): a signatory may sign, and withdraw, with a passkey of their own. The ledger entry says
-- how it was signed (`method`: link or passkey) and, for a passkey, holds the whole proof as JSON (credential,
-- public key, authenticator data, client data, signature), so anyone can check it without the service.
-- Entries from before this have no method (NULL): they were signed by link, and their hash covers no method.
ALTER TABLE ledger_entries ADD COLUMN method text;
ALTER TABLE ledger_entries ADD COLUMN passkey text;

-- The registration options last handed to a signatory's browser (JSON), checked when the new passkey comes back.
ALTER TABLE signatories ADD COLUMN passkey_options text;

-- Passkeys registered by signatories: a passkey belongs to one signatory only.
CREATE TABLE signatory_passkeys (
    credential_id   text        PRIMARY KEY,
    signatory_id    bigint      NOT NULL REFERENCES signatories (id),
    public_key_cose text        NOT NULL,
    public_key_spki text        NOT NULL,
    algorithm       integer     NOT NULL,
    sign_count      bigint      NOT NULL,
    registered_at   timestamptz NOT NULL
);
CREATE INDEX signatory_passkeys_signatory ON signatory_passkeys (signatory_id);
