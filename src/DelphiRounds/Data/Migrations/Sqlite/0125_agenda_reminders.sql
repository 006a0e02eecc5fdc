-- After signing (issue 21), reminders: the language a commitment was made in (its organisation's reminders are
-- written in it), and the reminder e-mails themselves, one per commitment and kind (two weeks before the due
-- date, on it, and once when it has passed). The unique pair is what makes them go out once, also across restarts.
ALTER TABLE agenda_commitments ADD COLUMN language TEXT;

CREATE TABLE commitment_reminders (
    id              INTEGER PRIMARY KEY,
    study_id        INTEGER NOT NULL REFERENCES studies (id),
    commitment_id   INTEGER NOT NULL REFERENCES agenda_commitments (id),
    signatory_id    INTEGER NOT NULL REFERENCES signatories (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('soon', 'due', 'late')),
    language        TEXT    NOT NULL,
    organisation    TEXT    NOT NULL,
    commitment_text TEXT    NOT NULL,
    due_on          TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    cancelled_at    TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    UNIQUE (commitment_id, kind)
);
CREATE INDEX commitment_reminders_pending ON commitment_reminders (sent_at, id);
CREATE INDEX commitment_reminders_signatory ON commitment_reminders (signatory_id);
