-- A rewording is substantive (the statement now means something else: its answers start a new series, with no
-- stability against the old wording) or editorial (typos, clearer words: the series and its comparisons go on).
-- Rewordings made before this column existed were editorial: their comparisons went on.
ALTER TABLE item_changes ADD COLUMN substantive integer NOT NULL DEFAULT 0;
