-- Issue 15: what threshold release last showed of each item of a round (its version and the answers it rested on),
-- so a restart goes on from the figures screens already have instead of from whatever the database holds, which
-- may differ from them by fewer than k answers. Written only by LiveReleaseStore.
CREATE TABLE live_releases (
    round_id   bigint NOT NULL,
    item_id    bigint NOT NULL,
    version    bigint NOT NULL,
    answer_ids text   NOT NULL,
    PRIMARY KEY (round_id, item_id)
);
