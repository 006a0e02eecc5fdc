-- After signing (issue 21): the vision as a monitored transition agenda. Indicators on the vision's targets,
-- measurements, and commitments by the signing organisations through one-time links. Commitments and
-- measurements are entries in the same hash chain as the signatures: a ledger entry may now carry a record
-- (the canonical JSON of what was committed or measured) and a measurement has no signatory.

-- SQLite cannot drop a NOT NULL constraint: ledger_entries is rebuilt with signatory_id nullable and the new
-- column `record`, its rows copied as they are, and its append-only triggers made again. (DROP TABLE does not
-- fire the delete trigger.) The passkey columns of 0100 (method, passkey) are carried over. NOTE for merges: a migration that adds columns to ledger_entries before this one
-- must add them to both column lists below as well.
CREATE TABLE ledger_entries_new (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    sequence        INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    signatory_id    INTEGER REFERENCES signatories (id),
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
    method          TEXT,
    passkey         TEXT,
    record          TEXT,
    UNIQUE (study_id, sequence)
);
INSERT INTO ledger_entries_new (id, study_id, sequence, kind, signatory_id, signatory_ref, commitment, name_commitment, organisation, role,
                                statement, withdraws, reason, document_hash, previous_hash, entry_hash, recorded_at, method, passkey)
SELECT id, study_id, sequence, kind, signatory_id, signatory_ref, commitment, name_commitment, organisation, role,
       statement, withdraws, reason, document_hash, previous_hash, entry_hash, recorded_at, method, passkey
FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;
CREATE TRIGGER ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;
CREATE TRIGGER ledger_entries_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;

-- An indicator measures progress on one statement of the frozen vision (by its number in the document),
-- usually on the target of one of the items it rests on. Direction: which way is better.
CREATE TABLE agenda_indicators (
    id               INTEGER PRIMARY KEY,
    study_id         INTEGER NOT NULL REFERENCES studies (id),
    statement_number INTEGER NOT NULL,
    item_id          INTEGER REFERENCES items (id),
    name             TEXT    NOT NULL,
    unit             TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    direction        TEXT    NOT NULL CHECK (direction IN ('higher', 'lower')),
    created_at       TEXT    NOT NULL,
    UNIQUE (study_id, name)
);

-- A measured value of an indicator on a date (yyyy-MM-dd); each is also a ledger entry (its sequence here).
CREATE TABLE agenda_measurements (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    indicator_id    INTEGER NOT NULL REFERENCES agenda_indicators (id),
    measured_on     TEXT    NOT NULL,
    value           REAL    NOT NULL,
    source          TEXT    NOT NULL,
    ledger_sequence INTEGER NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE INDEX agenda_measurements_indicator ON agenda_measurements (indicator_id, measured_on);

-- A one-time link for a signing organisation to record a commitment (the token only as its SHA-256).
CREATE TABLE agenda_commitment_links (
    id           INTEGER PRIMARY KEY,
    study_id     INTEGER NOT NULL REFERENCES studies (id),
    signatory_id INTEGER NOT NULL REFERENCES signatories (id),
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    spent_at     TEXT
);

-- What an organisation commits to; each is also a ledger entry (its sequence here).
CREATE TABLE agenda_commitments (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    signatory_id    INTEGER NOT NULL REFERENCES signatories (id),
    link_id         INTEGER NOT NULL UNIQUE REFERENCES agenda_commitment_links (id),
    text            TEXT    NOT NULL,
    statements      TEXT    NOT NULL,
    due_on          TEXT    NOT NULL,
    owner_role      TEXT    NOT NULL,
    ledger_sequence INTEGER NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE INDEX agenda_commitments_study ON agenda_commitments (study_id);
