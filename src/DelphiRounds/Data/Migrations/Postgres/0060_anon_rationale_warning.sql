-- Issue 15, item 6: a rationale that looked like it named its author (their name, group or organisation) or held an
-- e-mail address, published after the participant was warned: what was found (comma-separated: name, email, group,
-- organisation), so the facilitator sees the flag when moderating. NULL: nothing found.
ALTER TABLE answers ADD COLUMN rationale_warning text;
