-- Panel and attrition: the language a participant's e-mail is written in (NULL: Dutch), and messages
-- that were not sent because they no longer applied (the round closed, the address was erased).
ALTER TABLE participant_identities ADD COLUMN language text;
ALTER TABLE outbox ADD COLUMN cancelled_at timestamptz;
CREATE INDEX outbox_study ON outbox (study_id, round_id);
