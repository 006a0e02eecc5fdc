-- Issue 18 item 7: whether the study makes its panel's organisations public (the report lists them by name per
-- group; the verification page may say which took part). 0 = not public (the default): counts only.
ALTER TABLE studies ADD COLUMN organisations_public INTEGER NOT NULL DEFAULT 0;
