-- After signing (issue 21), continued: a commitment marked done (each also a ledger entry of kind "progress",
-- recorded by the facilitator for the organisation), and the register of experiments (front-runner projects on
-- the vision's statements) with their dated notes of what was learned.
CREATE TABLE agenda_commitment_progress (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    commitment_id   INTEGER NOT NULL REFERENCES agenda_commitments (id),
    status          TEXT    NOT NULL CHECK (status IN ('done')),
    noted_on        TEXT    NOT NULL,
    note            TEXT    NOT NULL,
    ledger_sequence INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    UNIQUE (commitment_id, status)
);

CREATE TABLE agenda_experiments (
    id           INTEGER PRIMARY KEY,
    study_id     INTEGER NOT NULL REFERENCES studies (id),
    organisation TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    tried        TEXT    NOT NULL,
    statements   TEXT    NOT NULL,
    started_on   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    UNIQUE (study_id, title)
);

CREATE TABLE agenda_experiment_notes (
    id            INTEGER PRIMARY KEY,
    study_id      INTEGER NOT NULL REFERENCES studies (id),
    experiment_id INTEGER NOT NULL REFERENCES agenda_experiments (id),
    noted_on      TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);
CREATE INDEX agenda_experiment_notes_experiment ON agenda_experiment_notes (experiment_id, noted_on);
