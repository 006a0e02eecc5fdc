-- The whole Delphi process: item kinds, round 0 (open ideas), rounds 2..n with a changelog,
-- arguments marked convincing, several invitation links per participant, an outbox for e-mail.

-- Item kinds beyond rating: numeric (unit, allowed range, optional low/most likely/high), year, ranking, text.
ALTER TABLE items ADD COLUMN unit TEXT;
ALTER TABLE items ADD COLUMN range_min REAL;
ALTER TABLE items ADD COLUMN range_max REAL;
ALTER TABLE items ADD COLUMN three_point INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN options_json TEXT;
-- Set when the facilitator retires an item after the round with this number (consensus or stable dissent).
ALTER TABLE items ADD COLUMN retired_after_round INTEGER;

-- Round 0 asks open questions ('ideas'); rounds 1..n ask items ('rating').
ALTER TABLE rounds ADD COLUMN kind TEXT NOT NULL DEFAULT 'rating';

-- What changed in an item's wording and why, shown to participants in the next round.
ALTER TABLE round_items ADD COLUMN change_nl TEXT;
ALTER TABLE round_items ADD COLUMN change_en TEXT;
ALTER TABLE round_items ADD COLUMN previous_text_nl TEXT;
ALTER TABLE round_items ADD COLUMN previous_text_en TEXT;

-- Every change of an item's wording, with the reason the facilitator gave.
CREATE TABLE item_changes (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES items (id),
    after_round    INTEGER NOT NULL,
    old_text_nl    TEXT    NOT NULL,
    old_text_en    TEXT    NOT NULL,
    new_text_nl    TEXT    NOT NULL,
    new_text_en    TEXT    NOT NULL,
    reason_nl      TEXT    NOT NULL,
    reason_en      TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
);
CREATE INDEX item_changes_item ON item_changes (item_id, id);

-- An item made from ideas of round 0: the answers (ideas) it came from.
CREATE TABLE item_sources (
    item_id   INTEGER NOT NULL REFERENCES items (id),
    answer_id INTEGER NOT NULL REFERENCES answers (id),
    PRIMARY KEY (item_id, answer_id)
);

-- A participant marks another participant's argument (an answer's rationale) as convincing.
CREATE TABLE argument_marks (
    answer_id      INTEGER NOT NULL REFERENCES answers (id),
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (answer_id, participant_id)
);

-- The facilitator hides an argument (e.g. it names a person) with a reason; the answer itself stays.
CREATE TABLE argument_moderation (
    answer_id   INTEGER PRIMARY KEY REFERENCES answers (id),
    reason      TEXT    NOT NULL,
    hidden_at   TEXT    NOT NULL
);

-- Extra invitation links (one per invitation or reminder e-mail); stored only as SHA-256.
CREATE TABLE participant_tokens (
    token_hash     TEXT    PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    created_at     TEXT    NOT NULL,
    revoked_at     TEXT
);
CREATE INDEX participant_tokens_participant ON participant_tokens (participant_id);

-- E-mail waiting to be sent. The link is made when the message is sent, so no token is ever stored.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    study_id       INTEGER NOT NULL REFERENCES studies (id),
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    round_id       INTEGER REFERENCES rounds (id),
    purpose        TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    sent_at        TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, id);
