-- Background documents (CREDES: informational input): what the facilitator gave the panel to read, with the
-- SHA-256 of its bytes computed by the server. A document removed after a round opened stays, marked withdrawn,
-- so the report can still say what participants were shown and from which round on.
CREATE TABLE study_documents (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id            INTEGER NOT NULL REFERENCES studies (id),
    title               TEXT    NOT NULL,
    file_name           TEXT    NOT NULL,
    content_type        TEXT    NOT NULL,
    size_bytes          INTEGER NOT NULL,
    sha256              TEXT    NOT NULL,
    content             BLOB    NOT NULL,
    added_at            TEXT    NOT NULL,
    shown_from_round    INTEGER NOT NULL,
    withdrawn_at        TEXT    NULL,
    withdrawn_after_round INTEGER NULL
);
CREATE INDEX ix_study_documents_study ON study_documents (study_id);
