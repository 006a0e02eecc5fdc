-- The joint vision (issue 6): versioned drafts whose statements link to the items they rest on, the panel's
-- review of a draft, and the frozen canonical document. Every version is a new row; history is never changed.

CREATE TABLE vision_drafts (
    id          INTEGER PRIMARY KEY,
    study_id    INTEGER NOT NULL REFERENCES studies (id),
    version     INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    preamble    TEXT    NOT NULL,
    change_note TEXT,
    created_at  TEXT    NOT NULL,
    UNIQUE (study_id, version)
);

-- A statement of a draft (Markdown), in order.
CREATE TABLE vision_statements (
    id       INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES vision_drafts (id),
    position INTEGER NOT NULL,
    text     TEXT    NOT NULL,
    UNIQUE (draft_id, position)
);

-- The items a statement rests on.
CREATE TABLE vision_statement_items (
    statement_id INTEGER NOT NULL REFERENCES vision_statements (id),
    item_id      INTEGER NOT NULL REFERENCES items (id),
    PRIMARY KEY (statement_id, item_id)
);

-- The panel's review of one draft version: open, then closed (at most one review per version).
CREATE TABLE vision_reviews (
    draft_id  INTEGER PRIMARY KEY REFERENCES vision_drafts (id),
    opened_at TEXT NOT NULL,
    closed_at TEXT
);

-- Review answers per statement: agree | live-with | object (with a reason). Revisions are new rows.
CREATE TABLE vision_review_answers (
    id             INTEGER PRIMARY KEY,
    statement_id   INTEGER NOT NULL REFERENCES vision_statements (id),
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    revision       INTEGER NOT NULL,
    position       TEXT    NOT NULL,
    reason         TEXT,
    created_at     TEXT    NOT NULL,
    UNIQUE (statement_id, participant_id, revision)
);

-- The frozen vision: canonical JSON (RFC 8785) and its SHA-256. One per study, never changed.
CREATE TABLE vision_documents (
    study_id       INTEGER PRIMARY KEY REFERENCES studies (id),
    draft_id       INTEGER NOT NULL REFERENCES vision_drafts (id),
    canonical_json TEXT    NOT NULL,
    document_hash  TEXT    NOT NULL,
    frozen_at      TEXT    NOT NULL
);

CREATE TRIGGER vision_drafts_append_only_update BEFORE UPDATE ON vision_drafts
BEGIN
    SELECT RAISE(ABORT, 'vision drafts are append-only');
END;
CREATE TRIGGER vision_drafts_append_only_delete BEFORE DELETE ON vision_drafts
BEGIN
    SELECT RAISE(ABORT, 'vision drafts are append-only');
END;
CREATE TRIGGER vision_statements_append_only_update BEFORE UPDATE ON vision_statements
BEGIN
    SELECT RAISE(ABORT, 'vision statements are append-only');
END;
CREATE TRIGGER vision_statements_append_only_delete BEFORE DELETE ON vision_statements
BEGIN
    SELECT RAISE(ABORT, 'vision statements are append-only');
END;
CREATE TRIGGER vision_review_answers_append_only_update BEFORE UPDATE ON vision_review_answers
BEGIN
    SELECT RAISE(ABORT, 'review answers are append-only');
END;
CREATE TRIGGER vision_review_answers_append_only_delete BEFORE DELETE ON vision_review_answers
BEGIN
    SELECT RAISE(ABORT, 'review answers are append-only');
END;
CREATE TRIGGER vision_documents_append_only_update BEFORE UPDATE ON vision_documents
BEGIN
    SELECT RAISE(ABORT, 'a frozen vision never changes');
END;
CREATE TRIGGER vision_documents_append_only_delete BEFORE DELETE ON vision_documents
BEGIN
    SELECT RAISE(ABORT, 'a frozen vision never changes');
END;
