-- Newcomer (issue 16): a study has its title and question in English too, like its items; empty = the Dutch text.
ALTER TABLE studies ADD COLUMN title_en TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN question_en TEXT NOT NULL DEFAULT '';
