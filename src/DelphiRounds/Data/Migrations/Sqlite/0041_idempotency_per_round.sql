-- An idempotency key names one request of one participant in one round: the same key in another round is a new answer.
DROP INDEX answers_idempotency;
CREATE UNIQUE INDEX answers_idempotency ON answers (participant_id, round_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
