-- Issue 15/22: scaled out, a release is decided once (by the publisher) and every instance serves the stored one.
-- seq: the release's number per item (a new release is stored only on top of the one it was decided against);
-- participant_ids: whose answer each of answer_ids is (same order); stats: the released figures as shown (JSON).
ALTER TABLE live_releases ADD COLUMN seq bigint NOT NULL DEFAULT 0;
ALTER TABLE live_releases ADD COLUMN participant_ids text NULL;
ALTER TABLE live_releases ADD COLUMN stats text NULL;
