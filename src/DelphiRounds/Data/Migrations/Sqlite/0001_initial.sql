-- DelphiRounds schema, SQLite. Timestamps are ISO 8601 UTC text; ids are integer rowids.
-- Identities (names, e-mail addresses) live apart from answers: answers reference participants.id only.

CREATE TABLE facilitators (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);

CREATE TABLE api_tokens (
    id             INTEGER PRIMARY KEY,
    facilitator_id INTEGER NOT NULL REFERENCES facilitators (id),
    name           TEXT    NOT NULL,
    token_hash     TEXT    NOT NULL UNIQUE,
    created_at     TEXT    NOT NULL,
    revoked_at     TEXT
);

CREATE TABLE studies (
    id                 INTEGER PRIMARY KEY,
    facilitator_id     INTEGER NOT NULL REFERENCES facilitators (id),
    title              TEXT    NOT NULL,
    question           TEXT    NOT NULL,
    organiser          TEXT    NOT NULL,
    horizon_year       INTEGER,
    criteria_json      TEXT    NOT NULL,
    criteria_hash      TEXT,
    criteria_locked_at TEXT,
    created_at         TEXT    NOT NULL
);

CREATE TABLE stakeholder_groups (
    id       INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies (id),
    slug     TEXT    NOT NULL,
    name_nl  TEXT    NOT NULL,
    name_en  TEXT    NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (study_id, slug)
);

-- A participant is pseudonymous: the invitation token is stored only as its SHA-256.
CREATE TABLE participants (
    id         INTEGER PRIMARY KEY,
    study_id   INTEGER NOT NULL REFERENCES studies (id),
    group_id   INTEGER NOT NULL REFERENCES stakeholder_groups (id),
    pseudonym  TEXT    NOT NULL UNIQUE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL
);
CREATE INDEX participants_study ON participants (study_id, group_id);

CREATE TABLE participant_identities (
    participant_id INTEGER PRIMARY KEY REFERENCES participants (id),
    name           TEXT,
    email          TEXT,
    erased_at      TEXT
);

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    study_id     INTEGER NOT NULL REFERENCES studies (id),
    position     INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    text_nl      TEXT    NOT NULL,
    text_en      TEXT    NOT NULL,
    scale_min    INTEGER,
    scale_max    INTEGER,
    labels_json  TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX items_study ON items (study_id, position);

CREATE TABLE rounds (
    id        INTEGER PRIMARY KEY,
    study_id  INTEGER NOT NULL REFERENCES studies (id),
    number    INTEGER NOT NULL,
    mode      TEXT    NOT NULL,
    state     TEXT    NOT NULL,
    closes_at TEXT,
    opened_at TEXT,
    closed_at TEXT,
    UNIQUE (study_id, number)
);

-- The wording of an item as it was asked in a round.
CREATE TABLE round_items (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    item_id  INTEGER NOT NULL REFERENCES items (id),
    position INTEGER NOT NULL,
    text_nl  TEXT    NOT NULL,
    text_en  TEXT    NOT NULL,
    PRIMARY KEY (round_id, item_id)
);

-- Every answer and every revision is a new row; rows are never updated or deleted.
CREATE TABLE answers (
    id              INTEGER PRIMARY KEY,
    round_id        INTEGER NOT NULL REFERENCES rounds (id),
    item_id         INTEGER NOT NULL REFERENCES items (id),
    participant_id  INTEGER NOT NULL REFERENCES participants (id),
    revision        INTEGER NOT NULL,
    value           REAL,
    detail_json     TEXT,
    rationale       TEXT,
    idempotency_key TEXT,
    created_at      TEXT    NOT NULL,
    UNIQUE (round_id, item_id, participant_id, revision)
);
CREATE UNIQUE INDEX answers_idempotency ON answers (participant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TRIGGER answers_append_only_update BEFORE UPDATE ON answers
BEGIN
    SELECT RAISE(ABORT, 'answers are append-only');
END;
CREATE TRIGGER answers_append_only_delete BEFORE DELETE ON answers
BEGIN
    SELECT RAISE(ABORT, 'answers are append-only');
END;
