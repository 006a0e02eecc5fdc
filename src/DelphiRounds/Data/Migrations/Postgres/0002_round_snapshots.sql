-- The statistics of every item when its round closed, and the stopping rule's verdict on it.
CREATE TABLE round_snapshots (
    round_id      bigint      NOT NULL REFERENCES rounds (id),
    item_id       bigint      NOT NULL REFERENCES items (id),
    analysis_json text        NOT NULL,
    verdict       text        NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (round_id, item_id)
);
