-- Issue 14 item 7: "don't know" and self-rated expertise per item. allow_dont_know: a participant may answer
-- "don't know" instead of a value (stored as an answer without a value, counted apart, never in the statistics).
-- ask_expertise: the item asks an optional self-rated expertise 1-5 with the answer. Both editable before round 1.
-- citizen_panel: a study whose panel is residents; its new rating and numeric items allow "don't know" by default.
ALTER TABLE items ADD COLUMN allow_dont_know INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN ask_expertise INTEGER NOT NULL DEFAULT 0;
ALTER TABLE studies ADD COLUMN citizen_panel INTEGER NOT NULL DEFAULT 0;
