-- Endorsement (issue 6): signatories with one-time signing links, and the public, hash-chained ledger of
-- endorsements and withdrawals with the service's signed head after every append.

-- A signatory signs for an organisation. The ledger names them by `reference` and by commitments:
-- SHA-256(salt || e-mail) and SHA-256(name salt || name); the link's token is stored only as its SHA-256.
CREATE TABLE signatories (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    reference       TEXT    NOT NULL UNIQUE,
    organisation    TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    commitment      TEXT    NOT NULL,
    name_commitment TEXT    NOT NULL,
    token_hash      TEXT    NOT NULL UNIQUE,
    created_at      TEXT    NOT NULL,
    spent_at        TEXT,
    withdrawn_at    TEXT
);
CREATE INDEX signatories_study ON signatories (study_id);

-- Personal data, apart and erasable: erasing clears every field here; the ledger keeps only commitments.
CREATE TABLE signatory_identities (
    signatory_id INTEGER PRIMARY KEY REFERENCES signatories (id),
    name         TEXT,
    email        TEXT,
    salt         TEXT,
    name_salt    TEXT,
    erased_at    TEXT
);

-- The ledger: one hash chain per study. entry_hash = SHA-256 of the canonical JSON of the entry's fields.
CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    sequence        INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    signatory_id    INTEGER NOT NULL REFERENCES signatories (id),
    signatory_ref   TEXT    NOT NULL,
    commitment      TEXT    NOT NULL,
    name_commitment TEXT    NOT NULL,
    organisation    TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    statement       TEXT    NOT NULL,
    withdraws       INTEGER,
    reason          TEXT,
    document_hash   TEXT    NOT NULL,
    previous_hash   TEXT    NOT NULL,
    entry_hash      TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL,
    UNIQUE (study_id, sequence)
);

-- The chain head signed by the service (ECDSA P-256) after every append, with the public key that signed it.
CREATE TABLE ledger_heads (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    sequence        INTEGER NOT NULL,
    head_hash       TEXT    NOT NULL,
    document_hash   TEXT    NOT NULL,
    signature       TEXT    NOT NULL,
    public_key      TEXT    NOT NULL,
    key_fingerprint TEXT    NOT NULL,
    signed_at       TEXT    NOT NULL,
    UNIQUE (study_id, sequence)
);

CREATE TRIGGER ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;
CREATE TRIGGER ledger_entries_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;
CREATE TRIGGER ledger_heads_append_only_update BEFORE UPDATE ON ledger_heads
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;
CREATE TRIGGER ledger_heads_append_only_delete BEFORE DELETE ON ledger_heads
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;
