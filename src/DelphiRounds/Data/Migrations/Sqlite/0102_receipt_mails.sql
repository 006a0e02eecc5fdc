-- Anchoring outside the service (issue 19): a signatory's receipt e-mail, queued in the same transaction as their
-- ledger entry (endorsement, withdrawal, four-eyes confirmation) and sent by the outbox sender with its retries.
-- It carries only public fingerprints (the frozen document's hash, the entry and the head signed right after it);
-- the address is read from signatory_identities when it is sent, so erasing a signatory leaves nothing to send.
CREATE TABLE receipt_mails (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    signatory_id    INTEGER NOT NULL REFERENCES signatories (id),
    kind            TEXT    NOT NULL,
    language        TEXT,
    document_hash   TEXT    NOT NULL,
    entry_sequence  INTEGER NOT NULL,
    entry_hash      TEXT    NOT NULL,
    head_sequence   INTEGER NOT NULL,
    head_hash       TEXT    NOT NULL,
    key_fingerprint TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    cancelled_at    TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT
);
CREATE INDEX receipt_mails_pending ON receipt_mails (sent_at, id);
CREATE INDEX receipt_mails_signatory ON receipt_mails (signatory_id);
