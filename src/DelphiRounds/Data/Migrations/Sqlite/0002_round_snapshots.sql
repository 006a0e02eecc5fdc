-- The statistics of every item when its round closed, and the stopping rule's verdict on it.
CREATE TABLE round_snapshots (
    round_id      INTEGER NOT NULL REFERENCES rounds (id),
    item_id       INTEGER NOT NULL REFERENCES items (id),
    analysis_json TEXT    NOT NULL,
    verdict       TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    PRIMARY KEY (round_id, item_id)
);
