-- Reflection rounds (issue 21, point 6): after the vision was frozen and signed, the facilitator asks the panel the same
-- items again in a new round, beside the measured values and the signed targets. The round is an ordinary row in
-- `rounds`; this table says it is a reflection on a frozen document (by its hash), and records a change of the locked
-- consensus criteria with its reason (the criteria's hash before and after; equal when nothing changed).
CREATE TABLE reflection_rounds (
    id                 INTEGER PRIMARY KEY,
    study_id           INTEGER NOT NULL REFERENCES studies (id),
    round_id           INTEGER NOT NULL UNIQUE REFERENCES rounds (id),
    document_hash      TEXT    NOT NULL,
    criteria_before    TEXT    NOT NULL,
    criteria_after     TEXT    NOT NULL,
    rule_change_reason TEXT,
    started_at         TEXT    NOT NULL
);
CREATE INDEX reflection_rounds_study ON reflection_rounds (study_id);

-- The frozen versions of a vision after the first (vision 2, 3, …): each chained to the one before by its hash. The
-- first stays in vision_documents; like it, a revision never changes.
CREATE TABLE vision_revisions (
    id             INTEGER PRIMARY KEY,
    study_id       INTEGER NOT NULL REFERENCES studies (id),
    number         INTEGER NOT NULL,
    draft_id       INTEGER NOT NULL REFERENCES vision_drafts (id),
    canonical_json TEXT    NOT NULL,
    document_hash  TEXT    NOT NULL,
    previous_hash  TEXT    NOT NULL,
    frozen_at      TEXT    NOT NULL,
    UNIQUE (study_id, number)
);

CREATE TRIGGER reflection_rounds_append_only_update BEFORE UPDATE ON reflection_rounds
BEGIN
    SELECT RAISE(ABORT, 'reflection rounds are append-only');
END;
CREATE TRIGGER reflection_rounds_append_only_delete BEFORE DELETE ON reflection_rounds
BEGIN
    SELECT RAISE(ABORT, 'reflection rounds are append-only');
END;
CREATE TRIGGER vision_revisions_append_only_update BEFORE UPDATE ON vision_revisions
BEGIN
    SELECT RAISE(ABORT, 'a frozen vision never changes');
END;
CREATE TRIGGER vision_revisions_append_only_delete BEFORE DELETE ON vision_revisions
BEGIN
    SELECT RAISE(ABORT, 'a frozen vision never changes');
END;
